package ginlogin_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/ginlogin/ginlogin/internal/testsupport"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
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
	eachBackend(t, func(t *testing.T, b sqlBackend) {
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

func TestSQLStoreClosedDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
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

// sqlBackend opens an empty database of one dialect for a test.
type sqlBackend struct {
	name    string
	dialect ginlogin.Dialect
	driver  string
	// dsn names a new database, or skips the test.
	dsn func(t *testing.T) string
}

// sqlBackends are SQLite, always, and PostgreSQL, which skips its subtests
// unless DATABASE_URL is set.
var sqlBackends = []sqlBackend{
	{"sqlite", ginlogin.SQLite, "sqlite", sqliteDSN},
	{"postgres", ginlogin.Postgres, "pgx", postgresURL},
}

// eachBackend runs test once per SQL backend, in parallel subtests named
// after the backend.
func eachBackend(t *testing.T, test func(t *testing.T, b sqlBackend)) {
	t.Helper()
	for _, b := range sqlBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

// open connects to a new database and checks the connection.
func (b sqlBackend) open(t *testing.T) *sql.DB {
	t.Helper()
	return openDB(t, b.driver, b.dsn(t))
}

func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.PingContext(t.Context()), "connecting to the %s database", driver)
	return db
}

// sqliteDSN names a new database file. WAL and a busy timeout let
// concurrent writers wait for each other instead of failing with
// "database is locked".
func sqliteDSN(t *testing.T) string {
	t.Helper()
	return "file:" + filepath.Join(t.TempDir(), "devices.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

// openSQLite opens a new SQLite database.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	return openDB(t, "sqlite", sqliteDSN(t))
}

// postgresURL returns DATABASE_URL, or skips the test when it is not set.
func postgresURL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("DATABASE_URL")
	if dsn == "" {
		t.Skip("DATABASE_URL is not set: skipping the PostgreSQL store tests (set it to a postgres:// URL of an empty database to run them)")
	}
	return dsn
}

// uniqueTable returns a table name no other test run uses, so that tests
// sharing one PostgreSQL database do not see each other's devices.
func uniqueTable(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "ginlogin_devices_" + hex.EncodeToString(b)
}

// newSQLStore returns a migrated store in a table of its own, dropped when
// the test ends.
func newSQLStore(t *testing.T, db *sql.DB, dialect ginlogin.Dialect) *ginlogin.SQLStore {
	t.Helper()
	s, _ := newSQLStoreTable(t, db, dialect)
	return s
}

// newSQLStoreTable is newSQLStore that also returns the table name.
func newSQLStoreTable(t *testing.T, db *sql.DB, dialect ginlogin.Dialect) (*ginlogin.SQLStore, string) {
	t.Helper()
	table := uniqueTable(t)
	s, err := ginlogin.NewSQLStore(db, dialect, table)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table); err != nil {
			t.Logf("dropping %s: %v", table, err)
		}
	})
	return s, table
}

func TestSQLStoreConformance(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
		db := b.open(t)
		ginlogintest.TestRememberStore(t, func(t *testing.T) ginlogin.RememberStore { return newSQLStore(t, db, b.dialect) })
	})
}

func TestSQLStoreMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
		s := newSQLStore(t, b.open(t), b.dialect)
		d := storeTestDevice("sel-migrate", "u1", time.Now())
		require.NoError(t, s.CreateDevice(t.Context(), d))
		for range 2 {
			require.NoError(t, s.Migrate(t.Context()), "Migrate on an existing table")
		}
		got, err := s.Device(t.Context(), d.Selector)
		require.NoError(t, err, "Migrate keeps the devices")
		assert.Equal(t, d.UserID, got.UserID)
	})
}

// A device table created before the rotation protocol's columns existed is
// upgraded by Migrate, and its devices keep restoring logins: an upgrade
// logs no one out.
func TestSQLStoreMigrateUpgradesAnOldTable(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
		db := b.open(t)
		table := uniqueTable(t)
		blob := "BLOB"
		if b.dialect == ginlogin.Postgres {
			blob = "BYTEA"
		}
		_, err := db.ExecContext(t.Context(), "CREATE TABLE "+table+` (
	selector TEXT PRIMARY KEY, user_id TEXT NOT NULL, validator_hash `+blob+`, prev_validator_hash `+blob+`,
	rotated_at BIGINT NOT NULL DEFAULT 0, stamp_mac `+blob+`, label TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`)
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = db.Exec("DROP TABLE " + table) })
		now := time.Now()
		hash := []byte("0123456789abcdef0123456789abcdef")
		insert := "INSERT INTO " + table + " (selector, user_id, validator_hash, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"
		if b.dialect == ginlogin.Postgres {
			insert = "INSERT INTO " + table + " (selector, user_id, validator_hash, created_at, last_used_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
		}
		_, err = db.ExecContext(t.Context(), insert, "sel-old", "u1", hash, now.UnixMicro(), now.UnixMicro(), now.Add(time.Hour).UnixMicro())
		require.NoError(t, err)

		s, err := ginlogin.NewSQLStore(db, b.dialect, table)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		require.NoError(t, s.Migrate(t.Context()), "Migrate adds the new columns")
		require.NoError(t, s.Migrate(t.Context()), "and is idempotent afterwards")
		d, err := s.Device(t.Context(), "sel-old")
		require.NoError(t, err)
		assert.Equal(t, hash, d.ValidatorHash, "the old device is kept")
		assert.False(t, d.ValidatorConfirmed, "its validator counts as unconfirmed")
		assert.Empty(t, d.RetiredValidatorHashes)

		next := d
		next.ValidatorHash, next.PrevValidatorHash = []byte("fedcba9876543210fedcba9876543210"), d.ValidatorHash
		require.NoError(t, s.SwapValidators(t.Context(), d.Selector, d, next, now), "and it rotates")
	})
}

func TestSQLStoreSchema(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
		db := b.open(t)
		table := uniqueTable(t)
		s, err := ginlogin.NewSQLStore(db, b.dialect, table)
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table) })

		schema := s.Schema()
		require.Len(t, schema, 3, "the table and two indexes")
		assert.Contains(t, schema[0], "CREATE TABLE IF NOT EXISTS "+table+" (")
		for _, col := range []string{"selector", "user_id", "validator_hash", "prev_validator_hash", "rotated_at", "stamp_mac", "label", "created_at", "last_used_at", "expires_at"} {
			assert.Contains(t, schema[0], col)
		}
		blob := map[ginlogin.Dialect]string{ginlogin.SQLite: "BLOB", ginlogin.Postgres: "BYTEA"}[b.dialect]
		assert.Contains(t, schema[0], "validator_hash      "+blob)
		assert.Contains(t, schema[1], "ON "+table+" (user_id)")
		assert.Contains(t, schema[2], "ON "+table+" (expires_at)")

		// An application running the statements with its own migration
		// tool gets a working store without calling Migrate.
		for _, stmt := range schema {
			_, err := db.ExecContext(t.Context(), stmt)
			require.NoError(t, err, stmt)
		}
		d := storeTestDevice("sel-schema", "u1", time.Now())
		require.NoError(t, s.CreateDevice(t.Context(), d))
		list, err := s.UserDevices(t.Context(), "u1")
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, d.Selector, list[0].Selector)
	})
}

func TestSQLStoreDefaultTable(t *testing.T) {
	t.Parallel()
	s, err := ginlogin.NewSQLStore(openSQLite(t), ginlogin.SQLite, "")
	require.NoError(t, err)
	assert.Contains(t, s.Schema()[0], "CREATE TABLE IF NOT EXISTS "+ginlogin.DefaultDeviceTable+" (")
	require.NoError(t, s.Migrate(t.Context()))
	require.NoError(t, s.CreateDevice(t.Context(), storeTestDevice("sel", "u1", time.Now())))
}

func TestNewSQLStoreRejectsBadArguments(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	tests := []struct {
		name    string
		db      *sql.DB
		dialect ginlogin.Dialect
		table   string
		errPart string
	}{
		{"nil database", nil, ginlogin.SQLite, "", "needs a *sql.DB"},
		{"zero dialect", db, 0, "", "unknown dialect 0"},
		{"unknown dialect", db, ginlogin.Dialect(99), "", "unknown dialect 99"},
		{"hyphen", db, ginlogin.SQLite, "ginlogin-devices", "letters, digits and underscores"},
		{"space", db, ginlogin.SQLite, "devices x", "letters, digits and underscores"},
		{"injection", db, ginlogin.Postgres, "devices; DROP TABLE users", "letters, digits and underscores"},
		{"quoted", db, ginlogin.SQLite, `"devices"`, "letters, digits and underscores"},
		{"schema qualified", db, ginlogin.Postgres, "public.devices", "letters, digits and underscores"},
		{"leading digit", db, ginlogin.SQLite, "1devices", "letters, digits and underscores"},
		{"non-ASCII", db, ginlogin.SQLite, "gerät", "letters, digits and underscores"},
		{"64 characters", db, ginlogin.Postgres, strings.Repeat("d", 64), "letters, digits and underscores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ginlogin.NewSQLStore(tt.db, tt.dialect, tt.table)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.errPart)
		})
	}

	for _, table := range []string{"devices", "_devices", "Devices_2", strings.Repeat("d", 63)} {
		t.Run("accepts "+table, func(t *testing.T) {
			s, err := ginlogin.NewSQLStore(db, ginlogin.Postgres, table)
			require.NoError(t, err)
			assert.Contains(t, s.Schema()[0], " "+table+" (")
		})
	}
}

// expiringStore is a store that can delete its expired devices.
type expiringStore interface {
	ginlogin.RememberStore
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}

func TestDeleteExpired(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name string
		open func(t *testing.T) expiringStore
	}{
		{"memory", func(*testing.T) expiringStore { return ginlogin.NewMemoryStore() }},
	}
	for _, b := range sqlBackends {
		stores = append(stores, struct {
			name string
			open func(t *testing.T) expiringStore
		}{b.name, func(t *testing.T) expiringStore { return newSQLStore(t, b.open(t), b.dialect) }})
	}
	now := time.Date(2026, 5, 6, 7, 8, 9, 500000000, time.UTC)
	devices := []struct {
		selector string
		expires  time.Time
		gone     bool
	}{
		{"long-gone", now.Add(-24 * time.Hour), true},
		{"just-gone", now.Add(-time.Microsecond), true},
		{"expires-now", now, true},
		{"one-more-microsecond", now.Add(time.Microsecond), false},
		{"next-month", now.Add(30 * 24 * time.Hour), false},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := st.open(t)
			for _, d := range devices {
				dev := storeTestDevice(d.selector, "u1", now.Add(-48*time.Hour))
				dev.ExpiresAt = d.expires
				require.NoError(t, s.CreateDevice(t.Context(), dev))
			}
			n, err := s.DeleteExpired(t.Context(), now)
			require.NoError(t, err)
			assert.Equal(t, 3, n)
			for _, d := range devices {
				_, err := s.Device(t.Context(), d.selector)
				if d.gone {
					assert.ErrorIs(t, err, ginlogin.ErrDeviceNotFound, d.selector)
				} else {
					assert.NoError(t, err, d.selector)
				}
			}
			n, err = s.DeleteExpired(t.Context(), now)
			require.NoError(t, err)
			assert.Zero(t, n, "nothing left to delete")
		})
	}
}

// storeTestDevice is a remembered device for the store tests.
func storeTestDevice(selector, userID string, now time.Time) ginlogin.Device {
	now = now.Truncate(time.Microsecond)
	return ginlogin.Device{
		Selector: selector, UserID: userID,
		ValidatorHash: []byte("0123456789abcdef0123456789abcdef"),
		StampMAC:      []byte("0123456789abcdef"),
		Label:         "Test browser",
		CreatedAt:     now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour),
	}
}

// storeCall is one method of a SQLStore, for the outage tests.
type storeCall struct {
	name string
	call func(ctx context.Context, s *ginlogin.SQLStore) error
}

var storeCalls = []storeCall{
	{"CreateDevice", func(ctx context.Context, s *ginlogin.SQLStore) error {
		return s.CreateDevice(ctx, storeTestDevice("sel-new", "u1", time.Now()))
	}},
	{"Device", func(ctx context.Context, s *ginlogin.SQLStore) error {
		_, err := s.Device(ctx, "sel-1")
		return err
	}},
	{"SwapValidators", func(ctx context.Context, s *ginlogin.SQLStore) error {
		old := storeTestDevice("sel-1", "u1", time.Now())
		next := old
		next.ValidatorHash = []byte("fedcba9876543210fedcba9876543210")
		return s.SwapValidators(ctx, "sel-1", old, next, time.Now())
	}},
	{"TouchDevice", func(ctx context.Context, s *ginlogin.SQLStore) error {
		return s.TouchDevice(ctx, "sel-1", time.Now(), time.Time{})
	}},
	{"TouchDevice with expiry", func(ctx context.Context, s *ginlogin.SQLStore) error {
		return s.TouchDevice(ctx, "sel-1", time.Now(), time.Now().Add(time.Hour))
	}},
	{"DeleteDevice", func(ctx context.Context, s *ginlogin.SQLStore) error {
		return s.DeleteDevice(ctx, "sel-1")
	}},
	{"DeleteUserDevices", func(ctx context.Context, s *ginlogin.SQLStore) error {
		return s.DeleteUserDevices(ctx, "u1")
	}},
	{"UserDevices", func(ctx context.Context, s *ginlogin.SQLStore) error {
		_, err := s.UserDevices(ctx, "u1")
		return err
	}},
	{"DeleteExpired", func(ctx context.Context, s *ginlogin.SQLStore) error {
		_, err := s.DeleteExpired(ctx, time.Now().Add(-time.Hour))
		return err
	}},
}

// requireUnavailable checks that every store method fails as an outage.
func requireUnavailable(t *testing.T, s *ginlogin.SQLStore) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, c := range storeCalls {
		err := c.call(ctx, s)
		if assert.Error(t, err, c.name) {
			assert.ErrorIs(t, err, ginlogin.ErrStoreUnavailable, "%s: %v", c.name, err)
			assert.True(t, ginlogin.IsUnavailable(err), "%s: IsUnavailable(%v)", c.name, err)
		}
	}
}

func TestSQLStoreClosedDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b sqlBackend) {
		dsn := b.dsn(t)
		migrated, table := newSQLStoreTable(t, openDB(t, b.driver, dsn), b.dialect)
		require.NoError(t, migrated.CreateDevice(t.Context(), storeTestDevice("sel-1", "u1", time.Now())))

		// A second handle on the same table, closed as an application
		// shutting down (or a bug) would close it.
		closed := openDB(t, b.driver, dsn)
		s, err := ginlogin.NewSQLStore(closed, b.dialect, table)
		require.NoError(t, err)
		_, err = s.Device(t.Context(), "sel-1")
		require.NoError(t, err, "the second handle sees the device")
		require.NoError(t, closed.Close())
		requireUnavailable(t, s)
		assert.Error(t, s.Migrate(t.Context()), "Migrate on a closed database")
	})
}

func TestPostgresStoreOutageAndRecovery(t *testing.T) {
	t.Parallel()
	target, err := url.Parse(postgresURL(t))
	if err != nil || target.Host == "" {
		t.Skipf("DATABASE_URL is not a postgres://host:port URL (%v): skipping the outage test, which puts a proxy in front of it", err)
	}
	proxy := testsupport.StartCutProxy(t, target.Host)
	viaProxy := *target
	viaProxy.Host = proxy.Addr()

	direct := openDB(t, "pgx", target.String())
	db := openDB(t, "pgx", viaProxy.String())
	table := uniqueTable(t)
	s, err := ginlogin.NewSQLStore(db, ginlogin.Postgres, table)
	require.NoError(t, err)
	require.NoError(t, s.Migrate(t.Context()))
	t.Cleanup(func() { _, _ = direct.ExecContext(context.Background(), "DROP TABLE "+table) })
	// Several pooled connections, so the cut breaks idle ones too.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := s.CreateDevice(t.Context(), storeTestDevice("sel-"+strconv.Itoa(i+1), "u1", time.Now())); err != nil {
				t.Errorf("CreateDevice before the outage: %v", err)
			}
		})
	}
	wg.Wait()

	proxy.Cut()
	requireUnavailable(t, s)

	proxy.Restore()
	d, err := s.Device(t.Context(), "sel-2")
	require.NoError(t, err, "the store works again once the database is back")
	assert.Equal(t, "u1", d.UserID)
	for _, c := range storeCalls {
		err := c.call(t.Context(), s)
		if err != nil {
			// The calls use made-up hashes: a refused rotation is an answer.
			assert.ErrorIs(t, err, ginlogin.ErrRotationConflict, "%s after the outage", c.name)
		}
	}
}
