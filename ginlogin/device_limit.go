package ginlogin

import (
	"context"
	"errors"
	"slices"
	"time"
)

// ErrTooManyDevices is returned by Login and CompleteLogin when the user
// already has as many devices as Config.MaxDevices allows and
// Config.RefuseOverDeviceLimit is set. The browser's session is unchanged.
var ErrTooManyDevices = errors.New("ginlogin: the user has too many devices logged in")

// deviceLimit returns the user's device cap, 0 for none.
func (m *Manager) deviceLimit(user User) int {
	if m.cfg.MaxDevices == nil {
		return 0
	}
	return max(m.cfg.MaxDevices(user), 0)
}

// liveDevices lists the user's unexpired devices other than skip, least
// recently used first.
func (m *Manager) liveDevices(ctx context.Context, userID, skip string, now time.Time) ([]Device, error) {
	devs, err := m.cfg.RememberStore.UserDevices(ctx, userID)
	if err != nil {
		return nil, wrapOnce("remember store list", err)
	}
	devs = slices.DeleteFunc(devs, func(d Device) bool { return d.Selector == skip || !d.ExpiresAt.After(now) })
	slices.SortStableFunc(devs, func(a, b Device) int { return a.LastUsedAt.Compare(b.LastUsedAt) })
	return devs, nil
}

// makeRoomForDevice runs before a login creates its device: with n devices
// already there (not counting the browser's own previous one, which the
// login ends) and a cap of limit, it refuses the login
// (RefuseOverDeviceLimit) or logs out the least recently used devices so
// that the new one fits.
func (st *requestState) makeRoomForDevice(user User, previous string, now time.Time) error {
	limit := st.m.deviceLimit(user)
	if limit == 0 {
		return nil
	}
	devs, err := st.m.liveDevices(st.c.Request.Context(), user.LoginID(), previous, now)
	if err != nil {
		return err
	}
	if len(devs) < limit {
		return nil
	}
	if st.m.cfg.RefuseOverDeviceLimit {
		return ErrTooManyDevices
	}
	return st.evict(user, devs[:len(devs)-limit+1])
}

// checkDeviceLimit runs after the login created its device, for logins of
// the same user that raced this one past makeRoomForDevice: over the cap,
// the oldest other devices are logged out, or (RefuseOverDeviceLimit) the
// new device is deleted again and the login refused. Concurrent logins
// therefore never leave more devices than the cap.
func (st *requestState) checkDeviceLimit(user User, device string, now time.Time) error {
	limit := st.m.deviceLimit(user)
	if limit == 0 || device == "" {
		return nil
	}
	ctx := st.c.Request.Context()
	others, err := st.m.liveDevices(ctx, user.LoginID(), device, now)
	if err != nil || len(others) < limit {
		return err
	}
	if st.m.cfg.RefuseOverDeviceLimit {
		if err := st.m.cfg.RememberStore.DeleteDevice(ctx, device); err != nil {
			return wrapOnce("remember store delete", err)
		}
		return ErrTooManyDevices
	}
	return st.evict(user, others[:len(others)-limit+1])
}

// evict deletes the devices (their sessions and remember tokens stop
// working on their next request) and runs Hooks.DeviceEvicted for each.
func (st *requestState) evict(user User, devs []Device) error {
	ctx := st.c.Request.Context()
	for _, d := range devs {
		if err := st.m.cfg.RememberStore.DeleteDevice(ctx, d.Selector); err != nil {
			return wrapOnce("remember store delete", err)
		}
		st.m.cfg.Logger.Info("ginlogin: device logged out by the device limit", "user", hashForLog(user.LoginID()))
		if h := st.m.cfg.Hooks.DeviceEvicted; h != nil {
			h(st.c, user.LoginID(), deviceInfo(d, ""))
		}
	}
	return nil
}
