package ginlogin_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/ginlogin/ginlogin/internal/testsupport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 8, item 5: only failures to reach the database are outages. Each
// case is a SQLStore on a real driver; want503 says whether its errors are
// outages (ErrStoreUnavailable, IsUnavailable, 503) or internal errors (500).

// storeApp is a site on a SQLStore: login and a protected page, logging to
// a buffer, answering failures with ginlogin.Fail.
type storeApp struct {
	engine *gin.Engine
	logs   *testsupport.LockedBuffer
}

func newStoreApp(t *testing.T, store ginlogin.RememberStore) *storeApp {
	t.Helper()
	secret := []byte("store-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
	users := ginlogintest.NewUsers(&ginlogintest.User{ID: "alice", Name: "Alice"})
	logs := &testsupport.LockedBuffer{}
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{secret},
		SessionStore:  ginlogin.NewCookieStore(secret),
		RememberStore: store,
		UserLoader:    users.Load,
		Logger:        slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/login", func(c *gin.Context) {
		u, _ := users.Load(c, "alice")
		if err := ginlogin.Login(c, u, ginlogin.Remember()); err != nil {
			ginlogin.Fail(c, err)
			return
		}
		c.String(http.StatusOK, "logged in")
	})
	r.GET("/protected", ginlogin.LoginRequired(), func(c *gin.Context) { c.String(http.StatusOK, "Access Granted") })
	return &storeApp{engine: r, logs: logs}
}

// get sends a GET with cookies and returns the response.
func (a *storeApp) get(path string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "https://app.example"+path, nil)
	req.RemoteAddr = "192.0.2.1:1234"
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	return rec
}

// assertFailure checks a failed request: the status, and one log line that
// names the failure for what it is.
func (a *storeApp) assertFailure(t *testing.T, rec *httptest.ResponseRecorder, want503 bool) {
	t.Helper()
	log := a.logs.String()
	if want503 {
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
		assert.Contains(t, log, `msg="ginlogin: store unavailable"`)
		assert.NotContains(t, log, "internal error")
		return
	}
	assert.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
	assert.Contains(t, log, `msg="ginlogin: internal error"`)
	assert.NotContains(t, log, "unavailable")
}

// assertOnePrefix checks that each line of err's message carries the
// package prefix once: the error was wrapped once.
func assertOnePrefix(t *testing.T, err error) {
	t.Helper()
	for _, line := range strings.Split(err.Error(), "\n") {
		assert.Equal(t, 1, strings.Count(line, "ginlogin:"), "one prefix: %q", line)
	}
}

func TestSQLStoreConstraintViolationIsInternalError(t *testing.T) {
	t.Parallel()
	for _, b := range sqlBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			s, table := newSQLStoreTable(t, db, b.dialect)
			d := storeTestDevice("sel-dup", "u1", time.Now())
			require.NoError(t, s.CreateDevice(t.Context(), d))

			err := s.CreateDevice(t.Context(), d) // the selector is the primary key
			require.Error(t, err)
			assert.False(t, ginlogin.IsUnavailable(err), "a UNIQUE violation is not an outage: %v", err)
			assert.NotErrorIs(t, err, ginlogin.ErrStoreUnavailable)
			assert.True(t, strings.HasPrefix(err.Error(), "ginlogin: sql store create: "), err.Error())
			assertOnePrefix(t, err)

			// Through a site: a second login of the user breaks a UNIQUE
			// index the application added; that is a 500, logged as an
			// internal error, and the first login keeps working.
			_, err = db.ExecContext(t.Context(), "CREATE UNIQUE INDEX "+table+"_one_login ON "+table+" (user_id)")
			require.NoError(t, err)
			a := newStoreApp(t, s)
			first := a.get("/login", nil)
			require.Equal(t, http.StatusOK, first.Code, first.Body.String())
			a.assertFailure(t, a.get("/login", nil), false)
			assert.Equal(t, http.StatusOK, a.get("/protected", first.Result().Cookies()).Code)
		})
	}
}

func TestSQLStoreClosedDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	for _, b := range sqlBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			dsn := b.dsn(t)
			_, table := newSQLStoreTable(t, openDB(t, b.driver, dsn), b.dialect)
			db := openDB(t, b.driver, dsn)
			s, err := ginlogin.NewSQLStore(db, b.dialect, table)
			require.NoError(t, err)
			a := newStoreApp(t, s)
			login := a.get("/login", nil)
			require.Equal(t, http.StatusOK, login.Code, login.Body.String())

			require.NoError(t, db.Close())
			err = s.CreateDevice(t.Context(), storeTestDevice("sel-closed", "u1", time.Now()))
			assert.True(t, ginlogin.IsUnavailable(err), "%v", err)
			assert.ErrorIs(t, err, ginlogin.ErrStoreUnavailable)
			assertOnePrefix(t, err)
			a.assertFailure(t, a.get("/protected", login.Result().Cookies()), true)
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// A PostgreSQL server that refuses connections (down, restarting, wrong
// port) is an outage on every store method and for the site. It needs no
// database: pgx's driver dials a port nothing listens on.
func TestSQLStorePostgresConnectionRefused(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://app@"+closedPort(t)+"/ginlogin?sslmode=disable&connect_timeout=5")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	s, err := ginlogin.NewSQLStore(db, ginlogin.Postgres, uniqueTable(t))
	require.NoError(t, err)
	requireUnavailable(t, s)
	err = s.CreateDevice(t.Context(), storeTestDevice("sel", "u1", time.Now()))
	assertOnePrefix(t, err)
	assert.Contains(t, err.Error(), "refused")

	a := newStoreApp(t, s)
	rec := a.get("/login", nil)
	a.assertFailure(t, rec, true)
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
}

// A driver that reports driver.ErrBadConn (database/sql's "this connection
// is broken" after its own retries) is an outage.
func TestSQLStoreBadConnIsUnavailable(t *testing.T) {
	t.Parallel()
	db := sql.OpenDB(errConnector{driver.ErrBadConn})
	t.Cleanup(func() { db.Close() })
	s, err := ginlogin.NewSQLStore(db, ginlogin.SQLite, uniqueTable(t))
	require.NoError(t, err)
	requireUnavailable(t, s)
	err = s.CreateDevice(t.Context(), storeTestDevice("sel", "u1", time.Now()))
	assert.ErrorIs(t, err, driver.ErrBadConn)
	assertOnePrefix(t, err)
	a := newStoreApp(t, s)
	a.assertFailure(t, a.get("/login", nil), true)
}

// sqlStateError is a database error with a SQLSTATE, as pgx's *PgError
// and lib/pq's *Error report one.
type sqlStateError struct{ code string }

func (e sqlStateError) Error() string    { return "database says " + e.code }
func (e sqlStateError) SQLState() string { return e.code }

// PostgreSQL's own answers: a connection failure, a shutdown or too many
// connections are outages; a constraint violation or a missing table is
// an internal error.
func TestSQLStoreClassifiesSQLState(t *testing.T) {
	t.Parallel()
	for code, want503 := range map[string]bool{
		"08006": true, "08001": true, "57P01": true, "57P03": true, "53300": true, "57014": true,
		"23505": false, "42P01": false, "42601": false, "22P02": false,
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			db := sql.OpenDB(errConnector{sqlStateError{code}})
			t.Cleanup(func() { db.Close() })
			s, err := ginlogin.NewSQLStore(db, ginlogin.Postgres, uniqueTable(t))
			require.NoError(t, err)
			err = s.CreateDevice(t.Context(), storeTestDevice("sel", "u1", time.Now()))
			require.Error(t, err)
			assert.Equal(t, want503, ginlogin.IsUnavailable(err), "%v", err)
			assert.Equal(t, want503, errors.Is(err, ginlogin.ErrStoreUnavailable), "%v", err)
			assertOnePrefix(t, err)
			a := newStoreApp(t, s)
			a.assertFailure(t, a.get("/login", nil), want503)
		})
	}
}

// errConnector is a database/sql connector whose connections fail every
// statement with err.
type errConnector struct{ err error }

func (c errConnector) Connect(context.Context) (driver.Conn, error) { return errConn(c), nil }
func (c errConnector) Driver() driver.Driver                        { return errDriver(c) }

type errDriver errConnector

func (d errDriver) Open(string) (driver.Conn, error) { return errConn(d), nil }

type errConn errConnector

func (c errConn) Prepare(string) (driver.Stmt, error) { return nil, c.err }
func (c errConn) Close() error                        { return nil }
func (c errConn) Begin() (driver.Tx, error)           { return nil, c.err }
