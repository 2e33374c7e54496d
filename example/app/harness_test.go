package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

var testSecret = []byte("example-app-test-secret-0123456789-abcdefghijklmnop")

// testPassword meets the rules: 12 characters or more.
const testPassword = "correct horse battery"

// clock is a controllable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// site is the app served by an httptest.Server, with a controllable clock
// and a captured log.
type site struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	clock *clock
	logs  *testenv.LockedBuffer
	cfg   app.Config
}

// testConfig is a fast configuration: bcrypt's minimum cost, generous
// throttling (tests of throttling set their own), a SQLite file of the
// test's own.
func testConfig(t *testing.T, clk *clock, logs io.Writer) app.Config {
	t.Helper()
	return app.Config{
		SQLitePath:       filepath.Join(t.TempDir(), "test.db"),
		SecretKey:        testSecret,
		BcryptCost:       bcrypt.MinCost,
		AllowWeakHashing: true,
		CleanupInterval:  -1,
		Throttle: app.ThrottleConfig{
			LoginPerAddress:    app.Limit{Burst: 1000, Every: time.Millisecond},
			FailuresPerAccount: app.Limit{Burst: 1000, Every: time.Millisecond},
			RegisterPerAddress: app.Limit{Burst: 1000, Every: time.Millisecond},
		},
		Now:    clk.Now,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
}

func newSite(t *testing.T, opts ...func(*app.Config)) *site {
	t.Helper()
	clk, logs := newClock(), &testenv.LockedBuffer{}
	cfg := testConfig(t, clk, logs)
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &site{t: t, app: a, srv: srv, clock: clk, logs: logs, cfg: cfg}
}

// browser is one client with its own cookie jar that does not follow
// redirects and sends the headers a browser sends on same-origin requests.
type browser struct {
	t      *testing.T
	s      *site
	client *http.Client
	jar    *cookiejar.Jar
	csrf   string // the last CSRF token seen in a page
}

func (s *site) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(s.t, err)
	return &browser{t: s.t, s: s, jar: jar, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location() string { return r.header.Get("Location") }

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request. Same-origin browser headers are added unless the
// request already has a Sec-Fetch-Site entry (an empty one sends none).
func (b *browser) do(req *http.Request) response {
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8") // as every browser request
	}
	b.t.Helper()
	if _, ok := req.Header["Sec-Fetch-Site"]; !ok {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
	}
	res, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.s.srv.URL+path, nil)
	require.NoError(b.t, err)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	return b.do(req)
}

// post submits a form with the browser's current CSRF token (fetching a
// page first when it has none), unless the form sets csrf_token itself.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		if b.csrf == "" {
			b.get("/login")
		}
		form.Set("csrf_token", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.s.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Origin", b.s.srv.URL)
	return b.do(req)
}

// register creates an account through the form and leaves the browser
// logged in.
func (b *browser) register(email, name, password string) {
	b.t.Helper()
	res := b.post("/register", url.Values{"email": {email}, "name": {name}, "password": {password}, "confirm_password": {password}})
	require.Equal(b.t, http.StatusSeeOther, res.status, res.body)
	require.Equal(b.t, "/dashboard", res.location())
	b.get(res.location()) // as a browser does, which also picks up the new CSRF token
}

// login opens the login page, submits the form and, on success, follows
// the redirect.
func (b *browser) login(email, password string, remember bool) response {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	if remember {
		form.Set("remember", "on")
	}
	b.get("/login") // as a user does, which also picks up the form's CSRF token
	res := b.post("/login", form)
	if res.status == http.StatusSeeOther {
		b.get(res.location()) // as a browser does, which also picks up the new CSRF token
	}
	return res
}

// loggedIn reports whether the dashboard opens.
func (b *browser) loggedIn() bool {
	b.t.Helper()
	res := b.get("/dashboard")
	switch res.status {
	case http.StatusOK:
		return true
	case http.StatusFound:
		return false
	}
	b.t.Fatalf("GET /dashboard: unexpected status %d", res.status)
	return false
}

// cookie returns the named cookie of the site in the jar, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.s.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// dropCookie deletes a cookie from the jar, as a browser restart deletes
// session cookies.
func (b *browser) dropCookie(name string) {
	u, _ := url.Parse(b.s.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: "", Path: "/", MaxAge: -1}})
}

// userCount counts the accounts in the database.
func (s *site) userCount() int {
	s.t.Helper()
	var n int
	require.NoError(s.t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM users").Scan(&n))
	return n
}
