package ginlogin

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/internal/testsupport"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Helpers shared by the security, renewal, timeout, fail-closed,
// concurrency and Redis tests.

// storeKind is a session store the security tests run against.
type storeKind struct {
	name string
	// serverSide stores keep the session in the store and only an ID in the
	// cookie; logout deletes the record.
	serverSide bool
	make       func(t *testing.T) sessions.Store
}

// cookieKind, memstoreKind and redisKind are the session stores the
// guarantees are proven on: the encrypted cookie store, gin-contrib's
// in-memory server-side store and gin-contrib's Redis store (miniredis, or
// the server named by REDIS_URL).
var (
	cookieKind = storeKind{name: "cookie", make: func(*testing.T) sessions.Store {
		return NewCookieStore(testSecret)
	}}
	memstoreKind = storeKind{name: "memstore", serverSide: true, make: func(*testing.T) sessions.Store {
		return memstore.NewStore(SessionKeyPairs(testSecret)...)
	}}
	redisKind = storeKind{name: "redis", serverSide: true, make: func(t *testing.T) sessions.Store {
		return newRedisSessionStore(t, redisTargetFor(t)).store
	}}
)

// allStoreKinds lists every session store; serverSideKinds only those that
// keep the session server-side.
func allStoreKinds() []storeKind   { return []storeKind{cookieKind, memstoreKind, redisKind} }
func serverSideKinds() []storeKind { return []storeKind{memstoreKind, redisKind} }

// sessionView is what the /sess route reports: the session ID (empty for
// the cookie store) and every value as text.
type sessionView struct {
	ID     string            `json:"id"`
	Values map[string]string `json:"values"`
}

// addSessionRoutes registers routes that read and write the raw session,
// as an application's own handlers would:
//
//	/sess                 the session's ID and values
//	/sess/set?k=..&v=..   store an application value and save
func addSessionRoutes(a *testApp) {
	a.engine.GET("/sess", func(c *gin.Context) {
		s := sessions.Default(c)
		view := sessionView{ID: s.ID(), Values: map[string]string{}}
		gs, err := a.mgr.store.Get(c.Request, a.cfg.SessionCookie.Name)
		if err == nil {
			for k, v := range gs.Values {
				view.Values[fmt.Sprint(k)] = fmt.Sprint(v)
			}
		}
		c.JSON(200, view)
	})
	a.engine.GET("/sess/set", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set(c.Query("k"), c.Query("v"))
		if err := s.Save(); err != nil {
			c.String(500, err.Error())
			return
		}
		c.String(200, "set")
	})
}

// sess returns the browser's session as /sess reports it.
func (b *browser) sessView() sessionView {
	b.t.Helper()
	rec := b.get("/sess")
	require.Equal(b.t, 200, rec.Code, rec.Body.String())
	var v sessionView
	require.NoError(b.t, json.Unmarshal(rec.Body.Bytes(), &v))
	return v
}

// getStatus sends a GET and requires the status.
func (b *browser) getStatus(target string, status int) *httptest.ResponseRecorder {
	b.t.Helper()
	rec := b.get(target)
	require.Equal(b.t, status, rec.Code, "GET %s: %s", target, rec.Body.String())
	return rec
}

// getScoped is get for cookies scoped to a Path other than "/": it sends
// the cookies the browser holds for the request's own path, as a browser
// does (browser.get always asks the jar for "/").
func (b *browser) getScoped(target string) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://app.example"+target, nil)
	req.RemoteAddr = b.remoteAddr
	req.Header.Set("User-Agent", b.userAgent)
	for _, ck := range b.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	b.jar.SetCookies(req.URL, rec.Result().Cookies())
	return rec
}

// withCookies returns a new browser of the same app holding only the given
// cookies (name, value pairs): a replay of copied values.
func (a *testApp) withCookies(pairs ...string) *browser {
	b := a.browser()
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			b.setCookie(pairs[i], pairs[i+1])
		}
	}
	return b
}

// stamped returns a user with an AuthStamp and puts it in the app's users.
func (a *testApp) stamped(id, stamp string) *stampedUser {
	u := &stampedUser{testUser: testUser{id: id, name: "Stamped " + id}, stamp: stamp}
	a.users.put(u)
	return u
}

// addAccountRoutes registers the account routes of a typical application:
//
//	/password/:stamp     change the logged-in user's credentials (a new
//	                     AuthStamp) and keep this browser logged in
//	/everywhere          log out on every device
//	/devices             the user's devices (JSON)
//	/revoke/:id          revoke one device by its public ID
func addAccountRoutes(a *testApp) {
	a.engine.GET("/password/:stamp", LoginRequired(), func(c *gin.Context) {
		u, ok := Current[*stampedUser](c)
		if !ok {
			c.String(400, "not a stamped user")
			return
		}
		updated := &stampedUser{testUser: u.testUser, stamp: c.Param("stamp")}
		a.users.put(updated) // the new credentials are saved first
		if err := UpdateAuthStamp(c, updated); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "password changed")
	})
	a.engine.GET("/everywhere", func(c *gin.Context) {
		if err := LogoutEverywhere(c); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "logged out everywhere")
	})
	a.engine.GET("/devices", func(c *gin.Context) {
		devs, err := Devices(c)
		if err != nil {
			c.String(401, err.Error())
			return
		}
		c.JSON(200, devs)
	})
	a.engine.GET("/revoke/:id", func(c *gin.Context) {
		if err := RevokeDevice(c, c.Param("id")); err != nil {
			c.String(404, err.Error())
			return
		}
		c.String(200, "revoked")
	})
}

// devices returns the browser's device list.
func (b *browser) devices() []DeviceInfo {
	b.t.Helper()
	rec := b.getStatus("/devices", 200)
	var out []DeviceInfo
	require.NoError(b.t, json.Unmarshal(rec.Body.Bytes(), &out))
	return out
}

// parsedSetCookies parses the response's Set-Cookie lines for name.
func parsedSetCookies(t *testing.T, rec *httptest.ResponseRecorder, name string) []*http.Cookie {
	t.Helper()
	var out []*http.Cookie
	for _, line := range setCookieHeaders(rec, name) {
		ck, err := http.ParseSetCookie(line)
		require.NoError(t, err, line)
		out = append(out, ck)
	}
	return out
}

// isDeletion reports whether a Set-Cookie line deletes its cookie.
func isDeletion(ck *http.Cookie) bool {
	return ck.MaxAge < 0 || (ck.Value == "" && !ck.Expires.IsZero() && ck.Expires.Before(time.Now()))
}

// deletesCookie reports whether the response deletes the cookie name.
func deletesCookie(t *testing.T, rec *httptest.ResponseRecorder, name string) bool {
	t.Helper()
	for _, ck := range parsedSetCookies(t, rec, name) {
		if isDeletion(ck) {
			return true
		}
	}
	return false
}

// logBuffer collects the lines a Manager logs, safely from any goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the non-empty lines logged so far.
func (l *logBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (l *logBuffer) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}

// captureLogs makes the Manager log into the returned buffer.
func captureLogs(cfg *Config) *logBuffer {
	lb := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return lb
}

// secEvents records which hooks ran, with their arguments.
type secEvents struct {
	mu     sync.Mutex
	events []string
}

func (h *secEvents) add(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, fmt.Sprintf(format, args...))
}

func (h *secEvents) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

// storedDevices returns every device in a MemoryStore, sorted by selector.
func storedDevices(s *MemoryStore) []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Device, 0, len(s.devices))
	for _, d := range s.devices {
		out = append(out, cloneDevice(d))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Selector < out[j].Selector })
	return out
}

// newSQLiteRememberStore returns a migrated SQLStore in a new SQLite file.
// WAL and a busy timeout let concurrent writers wait for each other
// instead of failing with "database is locked".
func newSQLiteRememberStore(t *testing.T) (*SQLStore, *sql.DB) {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "devices.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	store, err := NewSQLStore(db, SQLite, "")
	require.NoError(t, err)
	require.NoError(t, store.Migrate(context.Background()))
	return store, db
}

// newPostgresRememberStore returns a migrated SQLStore in a new schema of
// DATABASE_URL's database, or skips the test without DATABASE_URL.
func newPostgresRememberStore(t *testing.T) RememberStore {
	t.Helper()
	dsn := testsupport.PostgresSchema(t, "ginlogin_remember_")
	if dsn == "" {
		t.Skip("DATABASE_URL is not set: skipping the PostgreSQL remember store")
	}
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	store, err := NewSQLStore(db, Postgres, "")
	require.NoError(t, err)
	require.NoError(t, store.Migrate(context.Background()))
	return store
}

// userDeviceCount counts the user's devices in a RememberStore.
func userDeviceCount(t *testing.T, s RememberStore, userID string) int {
	t.Helper()
	devs, err := s.UserDevices(context.Background(), userID)
	require.NoError(t, err)
	return len(devs)
}
