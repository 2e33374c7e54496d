package ginlogin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
)

// LoginOption changes what Login does.
type LoginOption func(*loginOptions)

type loginOptions struct {
	remember     bool
	rememberFor  time.Duration
	force        bool
	fresh        bool
	label        string
	trustBrowser bool
}

// Remember sets the remember-me cookie, so the login survives the end of the
// browser session and of the session itself (Flask-Login's remember=True).
func Remember() LoginOption { return func(o *loginOptions) { o.remember = true } }

// RememberFor is Remember with a duration other than
// Config.RememberCookie.Duration (Flask-Login's duration=). Zero means the
// configured duration; Login refuses a negative or sub-second d.
func RememberFor(d time.Duration) LoginOption {
	return func(o *loginOptions) { o.remember, o.rememberFor = true, d }
}

// Force logs in a user even if it is not active (Flask-Login's force=True).
// The guards still treat an inactive user as not authenticated.
func Force() LoginOption { return func(o *loginOptions) { o.force = true } }

// NotFresh logs in without marking the login fresh (Flask-Login's
// fresh=False), e.g. after a login by e-mail link.
func NotFresh() LoginOption { return func(o *loginOptions) { o.fresh = false } }

// DeviceLabel names the device in the user's device list. Default: a short
// description derived from the User-Agent.
func DeviceLabel(label string) LoginOption { return func(o *loginOptions) { o.label = label } }

// Login logs user in: it gives the browser a new session (the old one is
// deleted; values the application stored survive when the same user or
// nobody was logged in, and are dropped when another user was), records the
// login time, freshness and client identifier, binds the session to the
// user's AuthStamp and, with a RememberStore, to a new device record, sets
// the remember cookie if asked, saves the session and runs Hooks.LoggedIn.
//
// It returns ErrInactiveUser (changing nothing) for an inactive user unless
// Force is given, and any error from the session or remember store, in which
// case the caller should answer with the error (see Fail).
func Login(c *gin.Context, user User, opts ...LoginOption) error {
	st, err := stateOf(c)
	if err != nil {
		return err
	}
	o, err := loginOpts(user, opts)
	if err != nil {
		return err
	}
	return st.login(user, o)
}

// loginOpts applies opts and checks the user and the options: what Login
// and StartLogin refuse before changing anything.
func loginOpts(user User, opts []LoginOption) (loginOptions, error) {
	if isNilUser(user) {
		return loginOptions{}, errors.New("ginlogin: Login needs a user, not nil")
	}
	o := loginOptions{fresh: true}
	for _, opt := range opts {
		opt(&o)
	}
	if o.rememberFor != 0 && o.rememberFor < time.Second {
		return o, fmt.Errorf("ginlogin: RememberFor(%v): use a positive duration of at least one second", o.rememberFor)
	}
	if !o.force && !user.IsActive() {
		return o, ErrInactiveUser
	}
	switch id := user.LoginID(); {
	case id == "":
		return o, ErrEmptyUserID
	case len(id) > MaxUserIDLength:
		return o, ErrUserIDTooLong
	}
	return o, nil
}

// endPreviousLogin ends the browser's previous login, if any (its device
// and remember token), and renews the session for the login of userID:
// the application's values survive when the same user or nobody was
// logged in, and are dropped when another user was.
func (st *requestState) endPreviousLogin(h sessionHandle, previous loginRecord, userID string) error {
	if err := st.m.remember.endDevice(st.c.Request.Context(), previous.Device); err != nil {
		return err
	}
	if err := st.revokeRememberCookie(); err != nil {
		return err
	}
	keep := keepNonLogin
	if previous.UserID != "" && previous.UserID != userID {
		keep = nil // another user's data never carries over
	}
	return st.m.renew(st.c, h, keep)
}

// login is Login after the checks: it ends the browser's previous login,
// renews the session, records the new login (and its device, within the
// user's device limit), sets the remember and trusted-browser cookies if
// asked and runs Hooks.LoggedIn.
func (st *requestState) login(user User, o loginOptions) error {
	c, m := st.c, st.m
	id := user.LoginID()
	h, err := m.session(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	now := m.now()

	previous, _ := h.login()
	previousDevice := previous.Device
	if previous.UserID != id {
		previousDevice = "" // another user's device does not make room
	}
	if err := st.makeRoomForDevice(user, previousDevice, now); err != nil {
		return err
	}
	if err := st.endPreviousLogin(h, previous, id); err != nil {
		return err
	}

	rememberFor := m.cfg.RememberCookie.Duration
	if o.rememberFor > 0 {
		rememberFor = o.rememberFor
	}
	label := o.label
	if label == "" {
		label = deviceLabel(c.Request.UserAgent())
	}
	label = truncateUTF8(label, maxDeviceLabelLength)
	stamp := m.stampMAC(user)
	device, cookie, err := m.remember.startLogin(ctx, newLogin{
		userID: id, stampMAC: stamp, label: label, remember: o.remember,
		now: now, expires: now.Add(rememberFor),
	})
	if err != nil {
		return err
	}
	if err := st.checkDeviceLimit(user, device, now); err != nil {
		return err
	}
	rec := loginRecord{
		UserID: id, LoginAt: now.Unix(), SeenAt: now.Unix(), RememberFor: int64(o.rememberFor / time.Second),
		Identifier: m.identifier(c), Stamp: encodeMAC(stamp), Device: device, Token: cookieTokenTag(cookie),
	}
	if o.fresh {
		rec.FreshAt = now.Unix()
	}
	h.setLogin(rec)
	if err := m.save(c, h); err != nil {
		return err
	}
	if cookie != "" {
		st.setRememberCookie(cookie, now.Add(rememberFor))
	}
	if o.trustBrowser {
		st.setTrustedBrowserCookie(user, now)
	}
	st.remembered = false
	st.pending = nil
	st.setUser(user)
	if m.cfg.Hooks.LoggedIn != nil {
		m.cfg.Hooks.LoggedIn(c, user)
	}
	return nil
}

// Logout ends the login of this browser: the session is deleted from a
// server-side store and replaced by an empty one, the device record and the
// remember token are revoked (with a RememberStore, copies of the old
// session cookie and remember cookie stop working too, on every session
// store), the remember cookie is deleted with the attributes it was set
// with, and Hooks.LoggedOut runs with the user that was logged in.
//
// Every step is tried even if one fails; the joined error is returned, and
// the caller should then answer with it (see Fail). Logging out when nobody
// is logged in is not an error. The new session can take a flash message.
func Logout(c *gin.Context) error {
	st, err := stateOf(c)
	if err != nil {
		return err
	}
	m := st.m
	user, loadErr := st.currentUser()
	if !isLoggedIn(user) {
		user = nil
	}
	h, err := m.session(c)
	if err != nil {
		st.clearRememberCookie()
		return errors.Join(loadErr, err)
	}
	rec, _ := h.login()
	errs := []error{
		m.remember.endDevice(c.Request.Context(), rec.Device),
		st.revokeRememberCookie(),
	}
	if err := m.renew(c, h, nil); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, m.save(c, h))
	}
	st.clearRememberCookie()
	st.remembered = false
	st.pending = nil
	st.viaRequest = false
	st.setUser(nil)
	if m.cfg.Hooks.LoggedOut != nil {
		m.cfg.Hooks.LoggedOut(c, user)
	}
	return errors.Join(errs...)
}

// LogoutEverywhere logs the user out on every device: all their device
// records and remember tokens are revoked, then this browser is logged out
// as by Logout. It needs a RememberStore; without one, end the other
// sessions by changing the user's AuthStamp, then call Logout.
func LogoutEverywhere(c *gin.Context) error {
	l, err := loggedIn(c)
	if err != nil {
		return err
	}
	if err := l.st.m.RevokeAllDevices(c.Request.Context(), l.user.LoginID()); err != nil {
		return err
	}
	return Logout(c)
}

// ConfirmLogin marks the current login fresh again after the user entered
// their password (Flask-Login's confirm_login), gives the browser a new
// session ID, refreshes the client identifier and runs Hooks.LoginConfirmed.
// It returns ErrNotAuthenticated when nobody is logged in.
func ConfirmLogin(c *gin.Context) error {
	l, err := loggedIn(c)
	if err != nil {
		return err
	}
	m, h, rec := l.st.m, l.h, l.rec
	if err := m.renew(c, h, keepAll); err != nil {
		return err
	}
	now := m.now().Unix()
	rec.FreshAt, rec.SeenAt, rec.Identifier = now, now, m.identifier(c)
	h.setLogin(rec)
	if err := m.save(c, h); err != nil {
		return err
	}
	if m.cfg.Hooks.LoginConfirmed != nil {
		m.cfg.Hooks.LoginConfirmed(c, l.user)
	}
	return nil
}

// UpdateAuthStamp keeps this browser logged in after the user changed their
// own credentials (Django's update_session_auth_hash). Call it with the
// updated user once the new AuthStamp is saved: every other session and
// remember token of the user stops working, while this session is re-bound
// to the new stamp, gets a new ID and stays fresh. With a RememberStore all
// other devices are revoked at once and this browser gets a new device (and
// a new remember token if it had one). The re-issued remember token ends
// when the one it replaces would have: a login made with RememberFor keeps
// its own duration rather than getting Config.RememberCookie.Duration, and
// changing credentials never extends a remember login.
//
// The request's user must have been loaded (by a guard or CurrentUser)
// before the new stamp is saved: loaded afterwards, the session's old stamp
// no longer matches, the session ends like every other one and
// UpdateAuthStamp returns ErrNotAuthenticated.
func UpdateAuthStamp(c *gin.Context, updated User) error {
	l, err := loggedIn(c)
	if err != nil {
		return err
	}
	st, user, h, rec := l.st, l.user, l.h, l.rec
	if isNilUser(updated) || updated.LoginID() != user.LoginID() {
		return errors.New("ginlogin: UpdateAuthStamp needs the logged-in user")
	}
	m := st.m
	ctx := c.Request.Context()
	now := m.now()
	hadRemember := st.rememberCookie() != "" && !st.rememberCleared
	// The re-issued token keeps the login's own duration (RememberFor) and
	// never outlives the token it replaces: changing credentials does not
	// extend a remember login.
	expires := m.rememberExpiry(rec.RememberFor, now)
	if hadRemember {
		at, err := st.rememberExpiresAt(ctx, rec.Device)
		if err != nil {
			return err
		}
		if !at.IsZero() && at.Before(expires) {
			expires = at
		}
	}
	stamp := m.stampMAC(updated)
	if m.cfg.RememberStore != nil {
		if err := m.cfg.RememberStore.DeleteUserDevices(ctx, user.LoginID()); err != nil {
			return storeErr("revoke all", err)
		}
	}
	if err := m.renew(c, h, keepAll); err != nil {
		return err
	}
	device, cookie, err := m.remember.startLogin(ctx, newLogin{
		userID: user.LoginID(), stampMAC: stamp, label: deviceLabel(c.Request.UserAgent()),
		remember: hadRemember, now: now, expires: expires,
	})
	if err != nil {
		return err
	}
	rec.Stamp, rec.Device, rec.Token, rec.SeenAt = encodeMAC(stamp), device, cookieTokenTag(cookie), now.Unix()
	h.setLogin(rec)
	if err := m.save(c, h); err != nil {
		return err
	}
	if cookie != "" {
		st.setRememberCookie(cookie, expires)
	} else if hadRemember {
		st.clearRememberCookie()
	}
	st.setUser(updated)
	return nil
}

// rememberExpiresAt is when the request's remember login ends: the expiry of
// the session's device with a RememberStore, of the signed token without
// one. It is zero when that is not known (no such device or token).
func (st *requestState) rememberExpiresAt(ctx context.Context, device string) (time.Time, error) {
	m := st.m
	if m.cfg.RememberStore == nil {
		if t, ok := m.remember.(*signedTokens); ok {
			if _, exp, _, valid := t.decode(st.rememberCookie()); valid {
				return exp, nil
			}
		}
		return time.Time{}, nil
	}
	if device == "" {
		return time.Time{}, nil
	}
	d, err := m.cfg.RememberStore.Device(ctx, device)
	switch {
	case errors.Is(err, ErrDeviceNotFound):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, storeErr("lookup", err)
	case !d.Remembered():
		return time.Time{}, nil
	}
	return d.ExpiresAt, nil
}

// IsFresh reports whether the current login is fresh: made or confirmed with
// a password less than Config.FreshFor ago, from the same client.
func IsFresh(c *gin.Context) bool {
	l, err := loggedIn(c)
	if err != nil {
		return false
	}
	m := l.st.m
	return freshWithin(l.rec, m.cfg.FreshFor, m.now())
}

// freshWithin reports whether rec's password was entered less than window
// before now; NoTimeout keeps a fresh login fresh.
func freshWithin(rec loginRecord, window time.Duration, now time.Time) bool {
	at, ok := unixTime(rec.FreshAt)
	return ok && (window == NoTimeout || now.Sub(at) < window)
}

// IsRemembered reports whether the request carries a remember cookie that
// was not revoked during the request (Flask-Login's login_remembered); after
// a restore from the cookie it is true for the rest of the session's
// requests that still carry it.
func IsRemembered(c *gin.Context) bool {
	st, err := stateOf(c)
	if err != nil {
		return false
	}
	if _, err := st.currentUser(); err != nil {
		return false
	}
	if st.remembered {
		return true
	}
	if st.rememberCleared {
		return false
	}
	v := st.rememberCookie()
	if v == "" {
		return false
	}
	if t, ok := st.m.remember.(*signedTokens); ok {
		_, _, _, valid := t.decode(v)
		return valid
	}
	_, _, valid := parseSplitToken(v)
	return valid
}

// activeLogin is the session login of the request's logged-in user.
type activeLogin struct {
	st   *requestState
	user User
	h    sessionHandle
	rec  loginRecord
}

// loggedIn returns the request's session login, or ErrNotAuthenticated.
func loggedIn(c *gin.Context) (activeLogin, error) {
	st, err := stateOf(c)
	if err != nil {
		return activeLogin{}, err
	}
	user, err := st.currentUser()
	if err != nil {
		return activeLogin{}, err
	}
	if !isLoggedIn(user) {
		return activeLogin{}, ErrNotAuthenticated
	}
	h, err := st.m.session(c)
	if err != nil {
		return activeLogin{}, err
	}
	rec, ok := h.login()
	if !ok || rec.UserID != user.LoginID() {
		// Logged in by the request loader: there is no session login.
		return activeLogin{}, fmt.Errorf("%w: the request was authenticated by the request loader, not a session", ErrNotAuthenticated)
	}
	return activeLogin{st: st, user: user, h: h, rec: rec}, nil
}
