package ginlogin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
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

// newTestApp builds an app on the cookie store with the users above, the
// fake clock and quiet logging; mutate adjusts the configuration.
func newTestApp(t testing.TB, mutate func(*Config)) *testApp {
	t.Helper()
	a := &testApp{t: t, clock: newClock(), users: newUserDB(notch, steve, creeper, germanJ)}
	cfg := Config{
		SecretKeys:   [][]byte{testSecret},
		SessionStore: NewCookieStore(testSecret),
		UserLoader:   a.users.load,
		Now:          a.clock.Now,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
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
	r.GET("/login/:id", func(c *gin.Context) {
		a.users.mu.Lock()
		u := a.users.users[c.Param("id")]
		a.users.mu.Unlock()
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
		c.String(200, "logged in")
	})
	r.GET("/logout", func(c *gin.Context) {
		if err := Logout(c); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "logged out")
	})
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

func (b *browser) who() whoami {
	b.t.Helper()
	rec := b.get("/whoami")
	require.Equal(b.t, 200, rec.Code, rec.Body.String())
	var w whoami
	require.NoError(b.t, json.Unmarshal(rec.Body.Bytes(), &w))
	return w
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

var _ sessions.Store // the sessions package is used by tests that swap stores

// idOf returns the LoginID of the request's logged-in user, "" for nobody.
func idOf(c *gin.Context) string {
	if u, _ := CurrentUser(c); u != nil {
		return u.LoginID()
	}
	return ""
}
