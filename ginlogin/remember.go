package ginlogin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Device is one browser's login as a RememberStore keeps it. The remember
// cookie holds the selector and a secret validator; the store keeps only the
// validator's SHA-256, so a copy of the store cannot be turned into cookies.
type Device struct {
	// Selector identifies the device; it is the public half of the token.
	Selector string
	// UserID is the User.LoginID() of the login.
	UserID string
	// ValidatorHash is the SHA-256 of the current validator, the one issued
	// last; empty for a login that did not ask to be remembered (its session
	// is still bound to the device, so revoking it ends that session).
	ValidatorHash []byte
	// ValidatorConfirmed reports that the browser was seen holding the
	// current validator: it presented it, or used the session created by the
	// response that carried it (docs/remember-tokens.md).
	ValidatorConfirmed bool
	// PrevValidatorHash is the validator the browser presented when the
	// current one was issued. It stays accepted after RotationGrace only
	// while the current one is unconfirmed: its response may have been lost.
	PrevValidatorHash []byte
	// RetiredValidatorHashes are validators issued earlier for this device
	// that are neither current nor previous, newest last, at most
	// MaxRetiredValidators. Presenting one means the token has two holders.
	RetiredValidatorHashes [][]byte
	// RotatedAt is when the current validator was issued.
	RotatedAt time.Time
	// StampMAC is the HMAC of the user's AuthStamp at login; empty if the
	// user type has none.
	StampMAC []byte
	// Label describes the device to its owner ("Firefox on Linux").
	Label string
	// CreatedAt, LastUsedAt and ExpiresAt are kept by the library; the
	// server refuses the device after ExpiresAt.
	CreatedAt, LastUsedAt, ExpiresAt time.Time
}

// MaxRetiredValidators is how many superseded validators a device keeps
// (Device.RetiredValidatorHashes): a copy replayed after more rotations than
// this is refused as unknown instead of being reported as theft.
const MaxRetiredValidators = 8

// Remembered reports whether the device can restore a login by cookie.
func (d Device) Remembered() bool { return len(d.ValidatorHash) > 0 }

// PublicID is a stable identifier for the device that is safe to show and to
// post back (a revoke button): it is derived from the selector but does not
// reveal it.
func (d Device) PublicID() string {
	sum := sha256.Sum256([]byte("ginlogin device " + d.Selector))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// RememberStore keeps devices: one record per login from a browser. See the
// package documentation, "Remember me and devices". Implementations must be
// safe for concurrent use; ginlogintest.TestRememberStore checks one in a
// single call. Errors other than ErrDeviceNotFound and ErrRotationConflict
// are treated as outages when they wrap ErrStoreUnavailable (503) and as
// internal errors otherwise (500): a failing store never logs anybody in or
// out.
type RememberStore interface {
	// CreateDevice stores a new device. Selectors are random and unique.
	CreateDevice(ctx context.Context, d Device) error
	// Device returns the device with the selector, or ErrDeviceNotFound.
	Device(ctx context.Context, selector string) (Device, error)
	// SwapValidators is the compare-and-swap of the rotation protocol
	// (docs/remember-tokens.md). If the stored ValidatorHash equals
	// old.ValidatorHash and the stored ValidatorConfirmed equals
	// old.ValidatorConfirmed, it replaces ValidatorHash, ValidatorConfirmed,
	// PrevValidatorHash, RetiredValidatorHashes and RotatedAt with next's
	// and sets LastUsedAt to at, atomically. Otherwise it changes nothing and
	// returns ErrRotationConflict (or ErrDeviceNotFound).
	SwapValidators(ctx context.Context, selector string, old, next Device, at time.Time) error
	// TouchDevice sets LastUsedAt, and ExpiresAt when it is not zero.
	TouchDevice(ctx context.Context, selector string, lastUsed, expires time.Time) error
	// DeleteDevice removes a device; deleting a missing one is not an error.
	DeleteDevice(ctx context.Context, selector string) error
	// DeleteUserDevices removes every device of the user.
	DeleteUserDevices(ctx context.Context, userID string) error
	// UserDevices lists the user's devices, newest first.
	UserDevices(ctx context.Context, userID string) ([]Device, error)
}

// tokenScheme is how logins are remembered: stateless signed tokens without a
// RememberStore, split tokens with a device record per login with one.
type tokenScheme interface {
	// startLogin records a login and returns the device selector to keep in
	// the session ("" when stateless) and, if l.remember, the cookie value.
	startLogin(ctx context.Context, l newLogin) (device, cookie string, err error)
	// checkSession validates the device a session's login is bound to,
	// returning ErrDeviceRevoked when it is gone and errTokenTheft when the
	// session shows the token has two holders; touch records its use.
	checkSession(ctx context.Context, login loginRecord, now time.Time, touch bool) error
	// sessionEnded is told that the device's session timed out; devices that
	// cannot restore a login are deleted.
	sessionEnded(ctx context.Context, device string) error
	// endDevice revokes a device (logout, strong protection, revocation).
	endDevice(ctx context.Context, device string) error
	// restore checks a remember cookie value.
	restore(ctx context.Context, value string, now time.Time) (restored, error)
	// forget revokes the device a remember cookie value belongs to.
	forget(ctx context.Context, value string) error
	// refresh pushes the expiry of the user's valid token to expires and
	// returns the cookie value to send, or "" when the token is not valid.
	refresh(ctx context.Context, value, userID string, now, expires time.Time) (string, error)
}

// newLogin describes a login for tokenScheme.startLogin.
type newLogin struct {
	userID   string
	stampMAC []byte
	label    string
	remember bool
	now      time.Time
	expires  time.Time
}

// restored is the outcome of checking a remember cookie.
type restored struct {
	ok       bool
	userID   string
	stampMAC []byte
	device   string    // selector, split tokens only
	cookie   string    // rotated cookie value; "" keeps the current cookie
	expires  time.Time // the device's expiry, for the rotated cookie
	theft    bool      // the token has two holders: all devices revoked
	tag      string    // token tag of the validator the browser holds now
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// rememberCookie returns the request's remember cookie value, or "".
func (st *requestState) rememberCookie() string {
	ck, err := st.c.Request.Cookie(st.m.cfg.RememberCookie.Name)
	if err != nil || len(ck.Value) > 4096 {
		return ""
	}
	return ck.Value
}

// hasRememberCookie reports whether the request carries a remember cookie
// at all, even one rememberCookie ignores.
func (st *requestState) hasRememberCookie() bool {
	_, err := st.c.Request.Cookie(st.m.cfg.RememberCookie.Name)
	return err == nil
}

// loadFromRemember restores a login from the remember cookie into a new,
// non-fresh session bound to the same device.
func (st *requestState) loadFromRemember(h sessionHandle, value string, now time.Time) (User, error) {
	m, c := st.m, st.c
	ctx := c.Request.Context()
	r, err := m.remember.restore(ctx, value, now)
	if err != nil {
		return nil, err
	}
	if r.theft {
		st.tokenTheft(r.userID)
	}
	if !r.ok {
		st.clearRememberCookie()
		return nil, nil
	}
	if r.cookie != "" {
		// The token has rotated: the browser must get the new value even if
		// a step below fails (user database or session store down), or its
		// next request would replay the old one after the grace window and
		// be taken for theft. The rotated cookie keeps the device's expiry:
		// restoring a login does not extend it, unless RefreshEachRequest
		// says so below.
		expires := r.expires
		if expires.IsZero() {
			expires = m.rememberExpiry(0, now)
		}
		st.setRememberCookie(r.cookie, expires)
	}
	if m.cfg.UserLoader == nil {
		return nil, nil
	}
	user, err := m.loadUser(ctx, r.userID)
	if err != nil {
		return nil, err
	}
	if user == nil || user.LoginID() != r.userID || !user.IsActive() || !m.stampMACMatches(user, r.stampMAC) {
		return nil, st.revokeRememberCookie()
	}
	if err := m.renew(c, h, keepNonLogin); err != nil {
		return nil, err
	}
	// A restored login is never fresh.
	rec := loginRecord{
		UserID: r.userID, LoginAt: now.Unix(), SeenAt: now.Unix(),
		Identifier: m.identifier(c), Stamp: encodeMAC(m.stampMAC(user)), Device: r.device, Token: r.tag,
	}
	h.setLogin(rec)
	if err := m.save(c, h); err != nil {
		return nil, err
	}
	if m.cfg.RememberCookie.RefreshEachRequest {
		current := r.cookie
		if current == "" {
			current = value
		}
		if err := st.refreshRemember(rec, current, now); err != nil {
			return nil, err
		}
	}
	st.remembered = true
	if m.cfg.Hooks.LoadedFromCookie != nil {
		st.pending = append(st.pending, func() { m.cfg.Hooks.LoadedFromCookie(c, user) })
	}
	return user, nil
}

// tokenTheft logs that a remember token was found to have two holders (its
// devices are already revoked) and queues Hooks.TokenTheft.
func (st *requestState) tokenTheft(userID string) {
	m, c := st.m, st.c
	m.cfg.Logger.Warn("ginlogin: remember token used by two browsers, every device of the user revoked", "user_id_hash", hashForLog(userID))
	if m.cfg.Hooks.TokenTheft != nil {
		st.pending = append(st.pending, func() { m.cfg.Hooks.TokenTheft(c, userID) })
	}
}

// refreshRemember re-issues a remember cookie the browser sent, with a new
// expiry (RememberCookie.RefreshEachRequest).
func (st *requestState) refreshRemember(rec loginRecord, value string, now time.Time) error {
	m := st.m
	expires := m.rememberExpiry(rec.RememberFor, now)
	newValue, err := m.remember.refresh(st.c.Request.Context(), value, rec.UserID, now, expires)
	if err != nil || newValue == "" {
		return err
	}
	st.setRememberCookie(newValue, expires)
	return nil
}

// rememberExpiry is when a remember login made or refreshed now ends, for a
// login whose own duration is seconds (0: the configured duration).
func (m *Manager) rememberExpiry(seconds int64, now time.Time) time.Time {
	if seconds > 0 {
		return now.Add(time.Duration(seconds) * time.Second)
	}
	return now.Add(m.cfg.RememberCookie.Duration)
}

// revokeRememberCookie revokes the device of the request's remember cookie
// and deletes the cookie.
func (st *requestState) revokeRememberCookie() error {
	value := st.rememberCookie()
	if value == "" || st.rememberCleared {
		return nil
	}
	err := st.m.remember.forget(st.c.Request.Context(), value)
	st.clearRememberCookie()
	return err
}

// hashForLog identifies a user in logs without writing the ID itself.
func hashForLog(s string) string {
	sum := sha256.Sum256([]byte("ginlogin log " + s))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}
