package ginlogin

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// Sentinel errors. Compare with errors.Is: the library wraps them with context.
var (
	// ErrInactiveUser is returned by Login and StartLogin when the user is not active and
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

	// ErrUserIDTooLong is returned by Login and StartLogin when the user's ID is longer
	// than MaxUserIDLength bytes; such IDs would not fit in a cookie.
	ErrUserIDTooLong = errors.New("ginlogin: user id too long")

	// ErrEmptyUserID is returned by Login and StartLogin when the user's ID is empty.
	ErrEmptyUserID = errors.New("ginlogin: user id is empty")

	// ErrNoMiddleware means a helper or guard ran on a request that did not pass
	// through ginlogin.Middleware: a set-up mistake.
	ErrNoMiddleware = errors.New("ginlogin: Middleware(mgr) is not installed on this route")
)

// MaxUserIDLength is the longest user ID, in bytes, that Login accepts.
// It keeps every cookie the library writes under the browser's 4 KB limit.
const MaxUserIDLength = 512

// IsUnavailable reports whether err is a failure to reach a backing store,
// one that is expected to heal on its own: it wraps ErrStoreUnavailable, a
// network error (net.Error), a refused, reset or aborted connection or a
// broken pipe, a connection closed mid-answer (io.EOF, io.ErrUnexpectedEOF,
// as pooled Redis connections report a restarted server), a context
// deadline, driver.ErrBadConn, sql.ErrConnDone, a closed *sql.DB, or a SQL
// error whose SQLSTATE says the connection failed or the server is shutting
// down, overloaded or timed the statement out (class 08, 57P01-57P03, 53300,
// 57014; PostgreSQL drivers report it with a SQLState method).
//
// Everything else (a constraint violation, a syntax error, a missing table,
// a value that does not scan) is a bug or bad data, not an outage: the
// default error handler answers 503 for outages and 500 for the rest, and
// Fail logs them differently.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStoreUnavailable) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) && unavailableSQLState(state.SQLState()) {
		return true
	}
	return anyInChain(err, func(e error) bool { return e.Error() == dbClosedMessage })
}

// errTokenTheft is checkSession's report that a session created by a
// superseded remember-token response is in use: every device of the user
// was revoked (docs/remember-tokens.md).
var errTokenTheft = errors.New("ginlogin: remember token used by two browsers")

// dbClosedMessage is the error of every call on a closed *sql.DB.
// database/sql does not export that error, so it is recognised by its text,
// which has not changed since Go 1.0.
const dbClosedMessage = "sql: database is closed"

// unavailableSQLState reports whether a SQLSTATE code means the database
// could not serve the statement rather than refused it: a connection
// exception (class 08), an administrator or crash shutdown or a server
// still starting (57P01-57P03), too many connections (53300) or a
// statement timeout (57014).
func unavailableSQLState(code string) bool {
	switch {
	case len(code) != 5:
		return false
	case code[:2] == "08":
		return true
	}
	switch code {
	case "57P01", "57P02", "57P03", "53300", "57014":
		return true
	}
	return false
}

// anyInChain reports whether f holds for err or any error it wraps.
func anyInChain(err error, f func(error) bool) bool {
	for err != nil {
		if f(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if anyInChain(e, f) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// wrapOnce adds the package prefix and what failed to err ("ginlogin: what:
// err"), and ErrStoreUnavailable when err is an outage (IsUnavailable), so
// that errors.Is finds it. An error that already comes from this package
// (its message starts with "ginlogin: ") is returned as it is: every error
// carries one prefix and is wrapped once.
func wrapOnce(what string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), errPrefix) {
		return err
	}
	if IsUnavailable(err) {
		return fmt.Errorf("%w: %s: %w", ErrStoreUnavailable, what, err)
	}
	return fmt.Errorf("%s%s: %w", errPrefix, what, err)
}

// errPrefix starts the message of every error the package makes.
const errPrefix = "ginlogin: "
