package ginlogin

// The test harness every internal test shares: users and their loader, a
// fake clock, a test app with the usual routes, a cookie-keeping browser,
// the session stores the guarantees are proven on, and small assertions on
// Set-Cookie lines and logs.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
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
	gsessions "github.com/gorilla/sessions"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// testSecret is a fixed 48-byte key for tests.
var testSecret = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL")

// testUser is a user with Flask-Login's defaults.
type testUser struct {
	UserMixin
	id, name string
}

func (u *testUser) LoginID() string { return u.id }

// stampedUser also has an auth stamp.
type stampedUser struct {
	testUser
	stamp string
}

func (u *stampedUser) AuthStamp() string { return u.stamp }

// userDB is an in-memory user table whose loader can be made to fail.
type userDB struct {
	mu    sync.Mutex
	users map[string]User
	err   error
	calls int
}

func newUserDB(users ...User) *userDB {
	db := &userDB{users: map[string]User{}}
	for _, u := range users {
		db.users[u.LoginID()] = u
	}
	return db
}

func (db *userDB) put(u User) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.users[u.LoginID()] = u
}

func (db *userDB) remove(id string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	delete(db.users, id)
}

func (db *userDB) fail(err error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.err = err
}

func (db *userDB) load(_ context.Context, id string) (User, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.calls++
	if db.err != nil {
		return nil, db.err
	}
	u, ok := db.users[id]
	if !ok {
		return nil, nil
	}
	return u, nil
}

func (db *userDB) loaderCalls() int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.calls
}

// fakeClock is an injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	notch   = &testUser{id: "1", name: "Notch"}
	steve   = &testUser{id: "2", name: "Steve"}
	creeper = &testUser{id: "3", name: "Creeper", UserMixin: UserMixin{Inactive: true}}
	germanJ = &testUser{id: "佐藤", name: "Müller"}
)

// testApp is a gin engine with ginlogin and routes that exercise it.
type testApp struct {
	t      testing.TB
	mgr    *Manager
	engine *gin.Engine
	clock  *fakeClock
	users  *userDB
	cfg    Config
}

// testConfig is a valid configuration: the test secret, a cookie store,
// users' loader and quiet logging.
func testConfig(users *userDB) Config {
	return Config{
		SecretKeys:   [][]byte{testSecret},
		SessionStore: NewCookieStore(testSecret),
		UserLoader:   users.load,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// newTestApp builds an app on the cookie store with the users above, the
// fake clock and quiet logging; mutate adjusts the configuration.
func newTestApp(t testing.TB, mutate func(*Config)) *testApp {
	t.Helper()
	a := &testApp{t: t, clock: newClock(), users: newUserDB(notch, steve, creeper, germanJ)}
	cfg := testConfig(a.users)
	cfg.Now = a.clock.Now
	if mutate != nil {
		mutate(&cfg)
	}
	mgr, err := New(cfg)
	require.NoError(t, err)
	a.mgr, a.cfg = mgr, mgr.Config()
	a.engine = gin.New()
	a.engine.Use(Middleware(mgr))
	a.routes()
	return a
}

func (a *testApp) routes() {
	r := a.engine
	r.GET("/", func(c *gin.Context) { c.String(200, "home") })
	r.GET("/login/:id", loginHandler(a.users, answer("logged in")))
	r.GET("/logout", logoutHandler(answer("logged out")))
	r.GET("/whoami", func(c *gin.Context) {
		u, err := CurrentUser(c)
		if err != nil {
			Fail(c, err)
			return
		}
		if u == nil {
			c.JSON(200, whoami{Anonymous: true})
			return
		}
		c.JSON(200, whoami{ID: u.LoginID(), LoggedIn: true, Fresh: IsFresh(c), Remembered: IsRemembered(c)})
	})
	r.GET("/protected", LoginRequired(), func(c *gin.Context) { c.String(200, "Access Granted") })
	r.GET("/fresh", FreshLoginRequired(), func(c *gin.Context) { c.String(200, "Fresh Access") })
	r.GET("/confirm", func(c *gin.Context) {
		if err := ConfirmLogin(c); err != nil {
			c.String(401, err.Error())
			return
		}
		c.String(200, "confirmed")
	})
	r.GET("/nothing", func(c *gin.Context) { c.String(200, "nothing") })
}

// answer returns a handler that answers 200 with text.
func answer(text string) gin.HandlerFunc {
	return func(c *gin.Context) { c.String(200, text) }
}

// loginHandler is the login route of the test apps: it logs in the user of
// users named by the :id parameter (404 for an unknown user, 403 for an
// inactive one, Fail for other errors) with the options the query asks
// for, then runs done:
//
//	?remember=1     Remember()
//	?duration=1h    RememberFor(1h)
//	?force=1        Force()
//	?fresh=0        NotFresh()
//
// It reads the user table directly, so it counts no loader call.
func loginHandler(users *userDB, done gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		users.mu.Lock()
		u := users.users[c.Param("id")]
		users.mu.Unlock()
		if u == nil {
			c.String(404, "no such user")
			return
		}
		var opts []LoginOption
		if c.Query("remember") != "" {
			opts = append(opts, Remember())
		}
		if d := c.Query("duration"); d != "" {
			dur, _ := time.ParseDuration(d)
			opts = append(opts, RememberFor(dur))
		}
		if c.Query("force") != "" {
			opts = append(opts, Force())
		}
		if c.Query("fresh") == "0" {
			opts = append(opts, NotFresh())
		}
		if err := Login(c, u, opts...); err != nil {
			if errors.Is(err, ErrInactiveUser) {
				c.String(403, "inactive")
				return
			}
			Fail(c, err)
			return
		}
		done(c)
	}
}

// logoutHandler is the logout route of the test apps: Logout, Fail on an
// error, then done.
func logoutHandler(done gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := Logout(c); err != nil {
			Fail(c, err)
			return
		}
		done(c)
	}
}

type whoami struct {
	ID         string `json:"id"`
	Anonymous  bool   `json:"anonymous"`
	LoggedIn   bool   `json:"logged_in"`
	Fresh      bool   `json:"fresh"`
	Remembered bool   `json:"remembered"`
}

// browser sends requests straight to the engine and keeps cookies like a
// browser would, from a chosen address and User-Agent.
type browser struct {
	t          testing.TB
	handler    http.Handler
	jar        *cookiejar.Jar
	remoteAddr string
	userAgent  string
}

var testOrigin, _ = url.Parse("https://app.example/")

// navigationAccept is the Accept header of a browser's page navigation: the
// test browser sends it unless a request gives its own.
const navigationAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, handler: a.engine, jar: jar, remoteAddr: "192.0.2.10:4711", userAgent: "TestBrowser/1.0"}
}

// do sends a request and returns the recorded response.
func (b *browser) do(method, target string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(method, "https://app.example"+target, body)
	req.RemoteAddr = b.remoteAddr
	req.Header.Set("User-Agent", b.userAgent)
	req.Header.Set("Accept", navigationAccept) // a header below may replace it
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for _, ck := range b.jar.Cookies(testOrigin) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	b.jar.SetCookies(testOrigin, rec.Result().Cookies())
	return rec
}

func (b *browser) get(target string, headers ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.do(http.MethodGet, target, nil, headers...)
}

// getJSON sends a GET, requires a 200 and decodes its JSON body.
func getJSON[T any](b *browser, target string) T {
	b.t.Helper()
	rec := b.getStatus(target, 200)
	var v T
	require.NoError(b.t, json.Unmarshal(rec.Body.Bytes(), &v), "GET %s: %s", target, rec.Body.String())
	return v
}

// who returns the browser's user as /whoami reports it.
func (b *browser) who() whoami {
	b.t.Helper()
	return getJSON[whoami](b, "/whoami")
}

// cookie returns the browser's cookie value, or "".
func (b *browser) cookie(name string) string {
	for _, ck := range b.jar.Cookies(testOrigin) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// dropCookie deletes a cookie, as a browser restart does to session cookies.
func (b *browser) dropCookie(name string) {
	b.jar.SetCookies(testOrigin, []*http.Cookie{{Name: name, Value: "", MaxAge: -1, Path: "/"}})
}

// setCookie plants a cookie, as a copied or forged one.
func (b *browser) setCookie(name, value string) {
	b.jar.SetCookies(testOrigin, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// clone returns a second browser holding copies of b's cookies: an attacker
// who copied them.
func (b *browser) clone() *browser {
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(testOrigin, b.jar.Cookies(testOrigin))
	return &browser{t: b.t, handler: b.handler, jar: jar, remoteAddr: b.remoteAddr, userAgent: b.userAgent}
}

// setCookieHeaders returns the response's Set-Cookie lines for name.
func setCookieHeaders(rec *httptest.ResponseRecorder, name string) []string {
	var out []string
	for _, l := range rec.Header().Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			out = append(out, l)
		}
	}
	return out
}

// idOf returns the LoginID of the request's logged-in user, "" for nobody.
func idOf(c *gin.Context) string {
	if u, _ := CurrentUser(c); u != nil {
		return u.LoginID()
	}
	return ""
}

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

// eachKind runs test once per session store of kinds, in parallel
// subtests named after the store.
func eachKind(t *testing.T, kinds []storeKind, test func(t *testing.T, kind storeKind)) {
	t.Helper()
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			test(t, kind)
		})
	}
}

// eachKindScheme runs test once per session store of kinds and remember
// scheme, in parallel subtests named "store/scheme".
func eachKindScheme(t *testing.T, kinds []storeKind, test func(t *testing.T, kind storeKind, scheme rememberScheme)) {
	t.Helper()
	for _, kind := range kinds {
		for _, scheme := range rememberSchemes {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				test(t, kind, scheme)
			})
		}
	}
}

// eachScheme runs test once per remember scheme, in parallel subtests
// named after the scheme; store is the scheme's RememberStore (nil for
// signed tokens).
func eachScheme(t *testing.T, test func(t *testing.T, store RememberStore)) {
	t.Helper()
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			test(t, scheme.store())
		})
	}
}

// eachRememberStore runs test once per RememberStore of rememberStoreKinds,
// in parallel subtests named after the store.
func eachRememberStore(t *testing.T, test func(t *testing.T, store RememberStore)) {
	t.Helper()
	for _, sk := range rememberStoreKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			test(t, sk.make(t))
		})
	}
}

// newStoreApp is newTestApp on a new session store of kind; mutate (may be
// nil) adjusts the configuration further.
func newStoreApp(t *testing.T, kind storeKind, mutate func(*Config)) *testApp {
	t.Helper()
	return newTestApp(t, func(c *Config) {
		c.SessionStore = kind.make(t)
		if mutate != nil {
			mutate(c)
		}
	})
}

// allStoreKinds lists every session store; serverSideKinds only those that
// keep the session server-side.
func allStoreKinds() []storeKind { return []storeKind{cookieKind, memstoreKind, redisKind} }

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

// sessView returns the browser's session as /sess reports it.
func (b *browser) sessView() sessionView {
	b.t.Helper()
	return getJSON[sessionView](b, "/sess")
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

// threeDevices logs user 1 in on three browsers: this one and a phone
// with remember-me, a tablet without.
func threeDevices(a *testApp) (this, phone, tablet *browser) {
	a.t.Helper()
	this, phone, tablet = a.browser(), a.browser(), a.browser()
	phone.userAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/605.1.15"
	this.getStatus("/login/1?remember=1", 200)
	phone.getStatus("/login/1?remember=1", 200)
	tablet.getStatus("/login/1", 200)
	return this, phone, tablet
}

// devices returns the browser's device list.
func (b *browser) devices() []DeviceInfo {
	b.t.Helper()
	return getJSON[[]DeviceInfo](b, "/devices")
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

// rememberStoreKinds are the RememberStores the remember-token guarantees
// are proven on.
var rememberStoreKinds = []struct {
	name string
	make func(t *testing.T) RememberStore
}{
	{"memory", func(*testing.T) RememberStore { return NewMemoryStore() }},
	{"sqlite", func(t *testing.T) RememberStore { s, _ := newSQLiteRememberStore(t); return s }},
	{"postgres", newPostgresRememberStore},
}

// failingSessionStore is a session store whose reads or saves fail on
// demand. Its sessions are always new (it reads no cookie) and are saved
// through it.
type failingSessionStore struct {
	sessions.Store
	mu            sync.Mutex
	getErr, saved error
}

func (s *failingSessionStore) New(_ *http.Request, name string) (*gsessions.Session, error) {
	sess := gsessions.NewSession(s, name)
	sess.Options = &gsessions.Options{Path: "/", HttpOnly: true}
	sess.IsNew = true
	return sess, nil
}

func (s *failingSessionStore) set(get, save error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getErr, s.saved = get, save
}

func (s *failingSessionStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	sess, err := gsessions.GetRegistry(r).Get(s, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.getErr != nil {
		return sess, s.getErr
	}
	return sess, err
}

func (s *failingSessionStore) Save(r *http.Request, w http.ResponseWriter, sess *gsessions.Session) error {
	s.mu.Lock()
	err := s.saved
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Store.Save(r, w, sess)
}

// flakyRememberStore is a RememberStore whose operations fail on demand.
type flakyRememberStore struct {
	*MemoryStore
	mu   sync.Mutex
	fail map[string]error
}

var _ RememberStore = (*flakyRememberStore)(nil)

func newFlakyRememberStore() *flakyRememberStore {
	return &flakyRememberStore{MemoryStore: NewMemoryStore(), fail: map[string]error{}}
}

// failOn makes op fail with err (nil heals it).
func (s *flakyRememberStore) failOn(op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = err
}

func (s *flakyRememberStore) err(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail[op]
}

func (s *flakyRememberStore) CreateDevice(ctx context.Context, d Device) error {
	if err := s.err("CreateDevice"); err != nil {
		return err
	}
	return s.MemoryStore.CreateDevice(ctx, d)
}

func (s *flakyRememberStore) Device(ctx context.Context, selector string) (Device, error) {
	if err := s.err("Device"); err != nil {
		return Device{}, err
	}
	return s.MemoryStore.Device(ctx, selector)
}

func (s *flakyRememberStore) SwapValidators(ctx context.Context, selector string, old, next Device, at time.Time) error {
	if err := s.err("SwapValidators"); err != nil {
		return err
	}
	return s.MemoryStore.SwapValidators(ctx, selector, old, next, at)
}

func (s *flakyRememberStore) TouchDevice(ctx context.Context, selector string, lastUsed, expires time.Time) error {
	if err := s.err("TouchDevice"); err != nil {
		return err
	}
	return s.MemoryStore.TouchDevice(ctx, selector, lastUsed, expires)
}

func (s *flakyRememberStore) DeleteDevice(ctx context.Context, selector string) error {
	if err := s.err("DeleteDevice"); err != nil {
		return err
	}
	return s.MemoryStore.DeleteDevice(ctx, selector)
}

func (s *flakyRememberStore) DeleteUserDevices(ctx context.Context, userID string) error {
	if err := s.err("DeleteUserDevices"); err != nil {
		return err
	}
	return s.MemoryStore.DeleteUserDevices(ctx, userID)
}

func (s *flakyRememberStore) UserDevices(ctx context.Context, userID string) ([]Device, error) {
	if err := s.err("UserDevices"); err != nil {
		return nil, err
	}
	return s.MemoryStore.UserDevices(ctx, userID)
}

// text sends a GET and returns the status and body.
func (b *browser) text(target string, headers ...string) (int, string) {
	b.t.Helper()
	rec := b.get(target, headers...)
	return rec.Code, rec.Body.String()
}

// parsedSetCookie returns the one Set-Cookie of the response for name,
// parsed.
func parsedSetCookie(t *testing.T, rec *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	cks := parsedSetCookies(t, rec, name)
	require.Len(t, cks, 1, "expected one Set-Cookie for %q, got %v", name, rec.Header().Values("Set-Cookie"))
	return cks[0]
}

// rememberScheme is a kind of remember token: store makes the
// RememberStore it needs (nil for signed tokens).
type rememberScheme struct {
	name  string
	store func() RememberStore
}

// rememberSchemes are the two remember-token codecs: stateless signed tokens
// (no RememberStore) and split tokens with a store.
var rememberSchemes = []rememberScheme{
	{"signed", func() RememberStore { return nil }},
	{"split", func() RememberStore { return NewMemoryStore() }},
}

// withRememberStore sets the scheme's store, if any.
func withRememberStore(store RememberStore) func(*Config) {
	return func(c *Config) {
		if store != nil {
			c.RememberStore = store
		}
	}
}

// chain applies several config mutations in order.
func chain(fs ...func(*Config)) func(*Config) {
	return func(c *Config) {
		for _, f := range fs {
			if f != nil {
				f(c)
			}
		}
	}
}

// recordTheft records the user IDs Hooks.TokenTheft gets, as "theft <id>".
func recordTheft(events *secEvents) func(*Config) {
	return func(c *Config) {
		c.Hooks.TokenTheft = func(_ *gin.Context, id string) { events.add("theft %s", id) }
	}
}

// endedReasons records the reasons Hooks.SessionEnded gets.
func endedReasons(events *secEvents) func(*Config) {
	return func(c *Config) {
		c.Hooks.SessionEnded = func(_ *gin.Context, reason error) { events.add("%v", reason) }
	}
}
