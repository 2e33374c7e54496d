package ginlogin

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Devices lists the devices of the logged-in user, newest first, marking
// the one the request comes from. It needs a RememberStore.
func Devices(c *gin.Context) ([]DeviceInfo, error) {
	l, err := loggedIn(c)
	if err != nil {
		return nil, err
	}
	st, user := l.st, l.user
	store := st.m.cfg.RememberStore
	if store == nil {
		return nil, ErrNoRememberStore
	}
	devs, err := store.UserDevices(c.Request.Context(), user.LoginID())
	if err != nil {
		return nil, wrapOnce("remember store list", err)
	}
	current := l.rec.Device
	now := st.m.now()
	out := make([]DeviceInfo, 0, len(devs))
	for _, d := range devs {
		if !d.ExpiresAt.After(now) {
			continue
		}
		out = append(out, deviceInfo(d, current))
	}
	return out, nil
}

// deviceInfo is what the user may see of d; current is the request's own
// device selector.
func deviceInfo(d Device, current string) DeviceInfo {
	return DeviceInfo{
		ID: d.PublicID(), Label: d.Label, Remembered: d.Remembered(),
		CreatedAt: d.CreatedAt, LastUsedAt: d.LastUsedAt, ExpiresAt: d.ExpiresAt,
		Current: current != "" && d.Selector == current,
	}
}

// DeviceInfo is what a user may see of one of their devices.
type DeviceInfo struct {
	ID                               string // Device.PublicID
	Label                            string
	Remembered                       bool
	Current                          bool // the device of this request
	CreatedAt, LastUsedAt, ExpiresAt time.Time
}

// ErrNoRememberStore is returned by device operations when Config.RememberStore
// is not set.
var ErrNoRememberStore = errors.New("ginlogin: no RememberStore configured")

// RevokeDevice revokes one device of the logged-in user by its public ID:
// its session and remember token stop working on their next request. It
// returns ErrDeviceNotFound if the user has no such device. Revoking the
// current device logs this request out.
func RevokeDevice(c *gin.Context, publicID string) error {
	l, err := loggedIn(c)
	if err != nil {
		return err
	}
	st, user := l.st, l.user
	store := st.m.cfg.RememberStore
	if store == nil {
		return ErrNoRememberStore
	}
	devs, err := store.UserDevices(c.Request.Context(), user.LoginID())
	if err != nil {
		return wrapOnce("remember store list", err)
	}
	for _, d := range devs {
		if d.PublicID() != publicID {
			continue
		}
		if d.Selector == l.rec.Device {
			return Logout(c)
		}
		return wrapOnce("remember store delete", store.DeleteDevice(c.Request.Context(), d.Selector))
	}
	return ErrDeviceNotFound
}

// RevokeAllDevices revokes every device of the user: all their sessions and
// remember tokens stop working on their next request. For administrators and
// account deactivation; a user's own "log out everywhere" is
// LogoutEverywhere.
func (m *Manager) RevokeAllDevices(ctx context.Context, userID string) error {
	if m.cfg.RememberStore == nil {
		return ErrNoRememberStore
	}
	return wrapOnce("remember store revoke all", m.cfg.RememberStore.DeleteUserDevices(ctx, userID))
}

// deviceLabel describes a browser from its User-Agent: "Firefox on Linux".
func deviceLabel(ua string) string {
	browser := "Unknown browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client/", "Go HTTP client"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}

// truncateUTF8 cuts s to at most n bytes without splitting a character, so
// a cut label or message stays valid UTF-8 (PostgreSQL refuses anything
// else in a TEXT column).
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
