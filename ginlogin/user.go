package ginlogin

import (
	"context"
	"reflect"

	"github.com/gin-gonic/gin"
)

// User is what the library needs to know about an account: two methods,
// so that an application's own user type satisfies it with a line or two.
// Return values must be cheap: the guards call them on every protected
// request. "Nobody is logged in" is a nil User everywhere in the API
// (Flask-Login's AnonymousUserMixin has no Go counterpart: nil says it).
//
// The identity method is LoginID rather than ID so that the most common
// primary-key field of a Go struct, ID, stays free:
//
//	type Account struct {
//		ID    int64
//		Email string
//		ginlogin.UserMixin
//	}
//
//	func (a *Account) LoginID() string { return strconv.FormatInt(a.ID, 10) }
type User interface {
	// LoginID returns the value passed back to Config.UserLoader. It must
	// be stable, non-empty, at most MaxUserIDLength bytes, and never
	// reused for another account (a stable random ID is best). Any UTF-8
	// is fine: the library encodes it before putting it in a cookie.
	LoginID() string
	// IsActive reports whether the account may be logged in. Login refuses
	// an inactive user unless forced, the guards and accessors treat a
	// logged-in user who became inactive as nobody, and a remember cookie
	// of an inactive user is deleted (with its device, given a
	// RememberStore) instead of restoring the login.
	IsActive() bool
}

// AuthStamper is an optional interface for users. AuthStamp returns a value
// that changes whenever every existing login of the user must end: derived
// from the password hash, or a counter the application bumps on "log out
// everywhere", deactivation or a role change. Sessions and remember tokens
// keep an HMAC of it and stop working once it changes (Django's session auth
// hash, Devise's authenticatable salt). Return the same value for the same
// state: it is compared on every request.
type AuthStamper interface {
	AuthStamp() string
}

// UserMixin gives a user type IsActive when embedded, as Flask-Login's
// UserMixin gives is_active: the zero value is active; set Inactive to
// refuse logins. The embedding type supplies LoginID. A type may define its
// own IsActive instead.
type UserMixin struct {
	// Inactive marks the account as disabled. The zero value is active.
	Inactive bool
}

// IsActive reports !Inactive.
func (m UserMixin) IsActive() bool { return !m.Inactive }

// isLoggedIn reports whether u is a real, active user: the check every guard
// and accessor makes. It is false for nil, including a nil pointer in the
// User interface.
func isLoggedIn(u User) bool { return !isNilUser(u) && u.IsActive() }

// sameUser reports whether a and b are the same account, comparing login
// IDs (Flask-Login's UserMixin equality). It is false when either is nil.
func sameUser(a, b User) bool {
	if isNilUser(a) || isNilUser(b) {
		return false
	}
	return a.LoginID() == b.LoginID()
}

// isNilUser reports whether u is nil or holds a nil pointer, map, slice,
// channel or function: what `return db.FindUser(ctx, id)` passes on for an
// unknown user when FindUser returns (*User)(nil), nil. Every user that
// comes from a loader or a caller goes through it, so such a value means
// "not found" and never has its methods called.
func isNilUser(u User) bool {
	if u == nil {
		return true
	}
	switch v := reflect.ValueOf(u); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// loadUser calls Config.UserLoader, turning a typed nil into (nil, nil).
func (m *Manager) loadUser(ctx context.Context, id string) (User, error) {
	u, err := m.cfg.UserLoader(ctx, id)
	if err != nil || isNilUser(u) {
		return nil, err
	}
	return u, nil
}

// requestUser calls Config.RequestLoader, turning a typed nil into (nil, nil).
func (m *Manager) requestUser(c *gin.Context) (User, error) {
	u, err := m.cfg.RequestLoader(c)
	if err != nil || isNilUser(u) {
		return nil, err
	}
	return u, nil
}
