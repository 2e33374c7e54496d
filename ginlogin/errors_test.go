package ginlogin

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateErr is a driver error with a SQLSTATE, as pgx and lib/pq report.
type stateErr string

func (e stateErr) Error() string    { return "database error " + string(e) }
func (e stateErr) SQLState() string { return string(e) }

// Issue 8, item 5: IsUnavailable is true for failures to reach a store and
// for nothing else.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	outages := map[string]error{
		"ErrStoreUnavailable":        fmt.Errorf("users: %w: pool exhausted", ErrStoreUnavailable),
		"connection refused":         fmt.Errorf("failed to connect: %w", refused),
		"bare ECONNREFUSED":          fmt.Errorf("dial: %w", syscall.ECONNREFUSED),
		"connection reset":           syscall.ECONNRESET,
		"broken pipe":                fmt.Errorf("write: %w", syscall.EPIPE),
		"timeout":                    context.DeadlineExceeded,
		"closed pool (ErrConnDone)":  fmt.Errorf("tx: %w", sql.ErrConnDone),
		"closed *sql.DB":             closedDBError(t),
		"closed *sql.DB, joined":     errors.Join(errors.New("first"), fmt.Errorf("second: %w", closedDBError(t))),
		"driver.ErrBadConn":          fmt.Errorf("exec: %w", driver.ErrBadConn),
		"EOF on a connection":        fmt.Errorf("redis: %w", io.EOF),
		"bare EOF":                   io.EOF,
		"bare ErrStoreUnavailable":   ErrStoreUnavailable,
		"unexpected EOF":             io.ErrUnexpectedEOF,
		"closed network connection":  fmt.Errorf("read: %w", net.ErrClosed),
		"SQLSTATE 08006":             fmt.Errorf("query: %w", stateErr("08006")),
		"SQLSTATE 57P01 (shutdown)":  stateErr("57P01"),
		"SQLSTATE 53300 (too many)":  stateErr("53300"),
		"SQLSTATE 57014 (timed out)": stateErr("57014"),
	}
	for name, err := range outages {
		assert.True(t, IsUnavailable(err), "%s: %v", name, err)
	}
	internal := map[string]error{
		"nil":                      nil,
		"constraint":               errors.New(`UNIQUE constraint failed: devices.selector`),
		"constraint violated":      errors.New("constraint violated"),
		"SQLSTATE 23505 (unique)":  stateErr("23505"),
		"SQLSTATE 42P01 (table)":   stateErr("42P01"),
		"SQLSTATE malformed":       stateErr("08"),
		"no rows":                  sql.ErrNoRows,
		"device not found":         ErrDeviceNotFound,
		"the text in another text": errors.New("not " + dbClosedMessage),
		"canceled by the client":   context.Canceled,
	}
	for name, err := range internal {
		assert.False(t, IsUnavailable(err), "%s: %v", name, err)
	}
}

// closedDBError returns what database/sql answers on a closed *sql.DB.
func closedDBError(t *testing.T) error {
	t.Helper()
	db := sql.OpenDB(nilConnector{})
	require.NoError(t, db.Close())
	err := db.PingContext(t.Context())
	require.Error(t, err)
	return fmt.Errorf("ping: %w", err)
}

type nilConnector struct{}

func (nilConnector) Connect(context.Context) (driver.Conn, error) { return nil, driver.ErrBadConn }
func (nilConnector) Driver() driver.Driver                        { return nil }

func TestWrapOnce(t *testing.T) {
	t.Parallel()
	assert.NoError(t, wrapOnce("x", nil))
	plain := wrapOnce("remember store lookup", errors.New("bad row"))
	assert.EqualError(t, plain, "ginlogin: remember store lookup: bad row")
	assert.NotErrorIs(t, plain, ErrStoreUnavailable)
	outage := wrapOnce("sql store lookup", syscall.ECONNRESET)
	assert.EqualError(t, outage, "ginlogin: store unavailable: sql store lookup: "+syscall.ECONNRESET.Error())
	assert.ErrorIs(t, outage, ErrStoreUnavailable)
	assert.ErrorIs(t, outage, syscall.ECONNRESET)
	assert.Same(t, outage, wrapOnce("remember store lookup", outage), "an error of this package is not wrapped again")
}

// Issue 8, item 5: every error the library hands to the error handler is
// wrapped once, with one "ginlogin:" prefix per line, whichever layer
// failed: a RememberStore (SQLStore or the application's own), the session
// store, on login, session check, restore or device listing.
func TestErrorsHaveOnePrefix(t *testing.T) {
	t.Parallel()
	closedDB := sql.OpenDB(nilConnector{})
	require.NoError(t, closedDB.Close())
	closedSQL, err := NewSQLStore(closedDB, SQLite, "")
	require.NoError(t, err)
	outage := fmt.Errorf("devices: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})
	marked := fmt.Errorf("%w: pool closed", ErrStoreUnavailable)
	bug := errors.New("devices: bad row")

	tests := []struct {
		name    string
		store   func() RememberStore // nil: a working MemoryStore
		session func(s *failingSessionStore)
		devices func(s *flakyRememberStore)
		login   bool // log in before the failure
		path    string
		outage  bool
	}{
		{name: "SQLStore on a closed database, login", store: func() RememberStore { return closedSQL }, path: "/login/1", outage: true},
		{name: "RememberStore network error, session check", devices: func(s *flakyRememberStore) { s.failOn("Device", outage) }, login: true, path: "/protected", outage: true},
		{name: "RememberStore marked outage, login", devices: func(s *flakyRememberStore) { s.failOn("CreateDevice", marked) }, path: "/login/1", outage: true},
		{name: "RememberStore bug, session check", devices: func(s *flakyRememberStore) { s.failOn("Device", bug) }, login: true, path: "/protected"},
		{name: "RememberStore bug, device list", devices: func(s *flakyRememberStore) { s.failOn("UserDevices", bug) }, login: true, path: "/devices"},
		{name: "RememberStore bug, revoke all", devices: func(s *flakyRememberStore) { s.failOn("DeleteUserDevices", bug) }, login: true, path: "/everywhere"},
		{name: "session store outage, read", session: func(s *failingSessionStore) { s.set(outage, nil) }, path: "/protected", outage: true},
		{name: "session store bug, read", session: func(s *failingSessionStore) { s.set(bug, nil) }, path: "/protected"},
		{name: "session store outage, save", session: func(s *failingSessionStore) { s.set(nil, outage) }, path: "/login/1", outage: true},
		{name: "session store bug, save", session: func(s *failingSessionStore) { s.set(nil, errors.New("encode: bad value")) }, path: "/login/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sessionStore := &failingSessionStore{Store: NewCookieStore(testSecret)}
			devices := newFlakyRememberStore()
			var handled []error
			a := newTestApp(t, func(c *Config) {
				if tt.session != nil {
					c.SessionStore = sessionStore
				}
				c.RememberStore = devices
				if tt.store != nil {
					c.RememberStore = tt.store()
				}
				c.ErrorHandler = func(c *gin.Context, err error) {
					handled = append(handled, err)
					c.AbortWithStatus(http.StatusTeapot)
				}
			})
			a.engine.GET("/devices", func(c *gin.Context) {
				if _, err := Devices(c); err != nil {
					Fail(c, err)
				}
			})
			a.engine.GET("/everywhere", func(c *gin.Context) {
				if err := LogoutEverywhere(c); err != nil {
					Fail(c, err)
				}
			})
			b := a.browser()
			if tt.login {
				b.getStatus("/login/1", 200)
			}
			if tt.session != nil {
				tt.session(sessionStore)
			}
			if tt.devices != nil {
				tt.devices(devices)
			}
			b.getStatus(tt.path, http.StatusTeapot)
			require.Len(t, handled, 1)
			err := handled[0]
			assert.Equal(t, tt.outage, IsUnavailable(err), "%v", err)
			assert.Equal(t, tt.outage, errors.Is(err, ErrStoreUnavailable), "%v", err)
			for _, line := range strings.Split(err.Error(), "\n") {
				assert.Equal(t, 1, strings.Count(line, "ginlogin:"), "one prefix: %q", line)
			}
		})
	}
}
