package ginlogin

import (
	"context"
	"reflect"

	"github.com/gin-gonic/gin"
)

// User is what the library needs to know about an account. Return values
// must be cheap: the guards call them on every protected request.
//
// ID must be stable, non-empty, at most MaxUserIDLength bytes, and must not be
// reused for another account (a stable random ID is best). Any UTF-8 is fine:
// the library encodes IDs before putting them in cookies.
type User interface {
	// ID returns the value passed back to Config.UserLoader.
	ID() string
	// IsActive reports whether the account may log in. LoginUser refuses
	// inactive users unless forced, the guards and IsLoggedIn treat an
	// inactive user as not authenticated whatever IsAuthenticated says, and
	// a remember cookie of an inactive user is deleted (with its device,
	// given a RememberStore) instead of restoring the login.
	IsActive() bool
	// IsAuthenticated reports whether the user proved who they are.
	IsAuthenticated() bool
	// IsAnonymous reports whether this is the stand-in for "nobody".
	IsAnonymous() bool
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

// UserMixin gives a user type Flask-Login's defaults when embedded: active,
// authenticated, not anonymous. The embedding type supplies ID(). Set
// Inactive to refuse logins; a type may also define its own IsActive instead.
// Either way the guards treat an inactive user as not authenticated, so
// "authenticated follows active" holds as it does in Flask-Login.
type UserMixin struct {
	// Inactive marks the account as disabled. The zero value is active.
	Inactive bool
}

// IsActive reports !Inactive.
func (m UserMixin) IsActive() bool { return !m.Inactive }

// IsAuthenticated follows IsActive, as Flask-Login's UserMixin does.
func (m UserMixin) IsAuthenticated() bool { return !m.Inactive }

// IsAnonymous is always false for a real user.
func (UserMixin) IsAnonymous() bool { return false }

// AnonymousUser is the default user for requests that nobody is logged in
// to. Its ID is empty; it is never active or authenticated.
type AnonymousUser struct{}

// ID returns "".
func (AnonymousUser) ID() string { return "" }

// IsActive returns false.
func (AnonymousUser) IsActive() bool { return false }

// IsAuthenticated returns false.
func (AnonymousUser) IsAuthenticated() bool { return false }

// IsAnonymous returns true.
func (AnonymousUser) IsAnonymous() bool { return true }

// IsLoggedIn reports whether u is a real, active, authenticated user: the
// check every guard makes. It is false for nil, including a nil pointer in
// the User interface.
func IsLoggedIn(u User) bool {
	return !isNilUser(u) && !u.IsAnonymous() && u.IsAuthenticated() && u.IsActive()
}

// SameUser reports whether a and b are the same non-anonymous account,
// comparing IDs (Flask-Login's UserMixin equality). It is false when
// either is nil.
func SameUser(a, b User) bool {
	if isNilUser(a) || isNilUser(b) || a.IsAnonymous() || b.IsAnonymous() {
		return false
	}
	return a.ID() == b.ID()
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
