package ginlogin

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"
)

// Sentinel errors. Compare with errors.Is: the library wraps them with context.
var (
	// ErrInactiveUser is returned by LoginUser when the user is not active and
	// the Force option was not given. Nothing in the session changes.
	ErrInactiveUser = errors.New("ginlogin: user is not active")

	// ErrNotAuthenticated is returned by helpers that need a logged-in user
	// (ConfirmLogin, UpdateAuthStamp, LogoutEverywhere) when there is none, and is
	// the reason passed to the unauthorized handler.
	ErrNotAuthenticated = errors.New("ginlogin: not authenticated")

	// ErrNeedsRefresh is the reason passed to the needs-refresh handler when a
	// route wants a fresh login and the current one is not fresh.
	ErrNeedsRefresh = errors.New("ginlogin: fresh login required")

	// ErrForbidden is the reason given when a Require predicate refuses the user.
	ErrForbidden = errors.New("ginlogin: forbidden")

	// ErrStoreUnavailable marks failures of a backing store (session store,
	// remember store, user database) that are expected to heal on their own.
	// The default error handler answers 503 for them. Loaders may wrap their own
	// errors with it: fmt.Errorf("load user: %w: %w", ginlogin.ErrStoreUnavailable, err).
	ErrStoreUnavailable = errors.New("ginlogin: store unavailable")

	// ErrDeviceNotFound is returned by a RememberStore when no device has the
	// given selector.
	ErrDeviceNotFound = errors.New("ginlogin: device not found")

	// ErrRotationConflict is returned by RememberStore.SwapValidators when the
	// stored validator state is no longer the expected one: another request
	// changed it first.
	ErrRotationConflict = errors.New("ginlogin: remember token was rotated concurrently")

	// ErrUserIDTooLong is returned by LoginUser when the user's ID is longer
	// than MaxUserIDLength bytes; such IDs would not fit in a cookie.
	ErrUserIDTooLong = errors.New("ginlogin: user id too long")

	// ErrEmptyUserID is returned by LoginUser when the user's ID is empty.
	ErrEmptyUserID = errors.New("ginlogin: user id is empty")

	// ErrNoMiddleware means a helper or guard ran on a request that did not pass
	// through ginlogin.Middleware: a set-up mistake.
	ErrNoMiddleware = errors.New("ginlogin: Middleware(mgr) is not installed on this route")
)

// MaxUserIDLength is the longest user ID, in bytes, that LoginUser accepts.
// It keeps every cookie the library writes under the browser's 4 KB limit.
const MaxUserIDLength = 512

// IsUnavailable reports whether err looks like an outage of a backing store:
// it wraps ErrStoreUnavailable, a network error, a refused or reset
// connection, a connection closed mid-answer (io.EOF, io.ErrUnexpectedEOF, as
// pooled Redis connections report a restarted server), driver.ErrBadConn or a
// context deadline. The default error
// handler answers 503 for these and 500 for everything else.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStoreUnavailable) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// errTokenTheft is checkSession's report that a session created by a
// superseded remember-token response is in use: every device of the user
// was revoked (docs/remember-tokens.md).
var errTokenTheft = errors.New("ginlogin: remember token used by two browsers")
