package ginlogin

// Flask-Login parity tests, part 1: the shared test app, and the ports of
// Flask-Login's static, initialization, login and logout tests (#1-#18).
//
// Every test names the Flask-Login test it ports as
// "Flask-Login #N test_name", numbered as in docs/PARITY.md. Where ginlogin
// differs on purpose the comment says why and the test asserts ginlogin's
// behaviour.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookLog records every Hooks call: how often each ran and with which user
// ("" for nobody and for hooks without one).
type hookLog struct {
	mu      sync.Mutex
	calls   map[string][]string
	reasons []error
}

func newHookLog() *hookLog { return &hookLog{calls: map[string][]string{}} }

func (l *hookLog) record(name string, u User) {
	l.mu.Lock()
	defer l.mu.Unlock()
	who := ""
	if u != nil {
		who = u.LoginID()
	}
	l.calls[name] = append(l.calls[name], who)
}

// count returns how often the hook ran.
func (l *hookLog) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls[name])
}

// users returns the users the hook ran with, in order.
func (l *hookLog) users(name string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls[name]...)
}

// endReasons returns the reasons SessionEnded was given.
func (l *hookLog) endReasons() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.reasons...)
}

// reset forgets every call, so a test can count the hooks of one request.
func (l *hookLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = map[string][]string{}
	l.reasons = nil
}

// Hook names, as Flask-Login's signals.
const (
	hookLoggedIn          = "user_logged_in"
	hookLoggedOut         = "user_logged_out"
	hookLoadedFromCookie  = "user_loaded_from_cookie"
	hookLoadedFromRequest = "user_loaded_from_request"
	hookLoginConfirmed    = "user_login_confirmed"
	hookUnauthorized      = "user_unauthorized"
	hookNeedsRefresh      = "user_needs_refresh"
	hookAccessed          = "user_accessed"
	hookSessionProtected  = "session_protected"
	hookSessionEnded      = "session_ended"
	hookTokenTheft        = "token_theft"
)

// hooks returns Hooks that record into l.
func (l *hookLog) hooks() Hooks {
	return Hooks{
		LoggedIn:          func(_ *gin.Context, u User) { l.record(hookLoggedIn, u) },
		LoggedOut:         func(_ *gin.Context, u User) { l.record(hookLoggedOut, u) },
		LoadedFromCookie:  func(_ *gin.Context, u User) { l.record(hookLoadedFromCookie, u) },
		LoadedFromRequest: func(_ *gin.Context, u User) { l.record(hookLoadedFromRequest, u) },
		LoginConfirmed:    func(_ *gin.Context, u User) { l.record(hookLoginConfirmed, u) },
		Denied: func(_ *gin.Context, reason error) {
			switch {
			case errors.Is(reason, ErrNotAuthenticated):
				l.record(hookUnauthorized, nil)
			case errors.Is(reason, ErrNeedsRefresh):
				l.record(hookNeedsRefresh, nil)
			}
		},
		Accessed:         func(*gin.Context) { l.record(hookAccessed, nil) },
		SessionProtected: func(*gin.Context) { l.record(hookSessionProtected, nil) },
		SessionEnded: func(_ *gin.Context, reason error) {
			l.record(hookSessionEnded, nil)
			l.mu.Lock()
			l.reasons = append(l.reasons, reason)
			l.mu.Unlock()
		},
		TokenTheft: func(*gin.Context, string) { l.record(hookTokenTheft, nil) },
	}
}

// parityConfig is a valid configuration for tests that call New directly:
// the test secret, a cookie store, an empty user table, quiet logging.
func parityConfig() Config { return testConfig(newUserDB()) }

// parityApp is the harness's test app with Flask-Login's test routes added
// and every hook recorded.
type parityApp struct {
	*testApp
	hooks *hookLog
}

// newParityApp builds the app. Hooks record into a.hooks unless mutate
// replaces them. Routes added to the harness's:
//
//	/secret          returns Unauthorized(c), like Flask's /secret
//	/needs-refresh   returns NeedsRefresh(c)
//	/login, /refresh-view   login pages that touch the user and answer NextURL
//	/username        the user's name, or "Anonymous" (Flask's /username)
//	/flashes         the waiting flash messages as JSON
//	/session/:key    reads (GET) or, with ?set=v, writes an application value
func newParityApp(t *testing.T, mutate func(*Config)) *parityApp {
	t.Helper()
	log := newHookLog()
	a := newTestApp(t, func(c *Config) {
		c.Hooks = log.hooks()
		if mutate != nil {
			mutate(c)
		}
	})
	r := a.engine
	r.GET("/secret", func(c *gin.Context) { Deny(c, ErrNotAuthenticated) })
	r.GET("/needs-refresh", func(c *gin.Context) { Deny(c, ErrNeedsRefresh) })
	loginPage := func(c *gin.Context) {
		_, _ = CurrentUser(c) // Flask's test touches current_user here
		c.String(200, NextURL(c, ""))
	}
	r.GET("/login", loginPage)
	r.GET("/refresh-view", loginPage)
	r.GET("/username", func(c *gin.Context) {
		if u, ok := Current[*testUser](c); ok {
			c.String(200, u.name)
			return
		}
		c.String(200, "Anonymous")
	})
	r.GET("/flashes", func(c *gin.Context) {
		f := Flashes(c)
		if f == nil {
			f = []FlashMessage{}
		}
		c.JSON(200, f)
	})
	r.GET("/session/:key", func(c *gin.Context) {
		s := sessions.Default(c)
		if v, ok := c.GetQuery("set"); ok {
			s.Set(c.Param("key"), v)
			if err := s.Save(); err != nil {
				Fail(c, err)
				return
			}
		}
		v, _ := s.Get(c.Param("key")).(string)
		c.String(200, v)
	})
	return &parityApp{testApp: a, hooks: log}
}

// flashes reads and clears the browser's waiting flash messages.
func (b *browser) flashes() []FlashMessage {
	b.t.Helper()
	return getJSON[[]FlashMessage](b, "/flashes")
}

// Flask-Login #1 test_static_loads_anonymous
// A static file served behind the middleware runs with nobody.
func TestParity_StaticLoadsAnonymous(t *testing.T) {
	a := newParityApp(t, nil)
	var seen User
	static := a.engine.Group("/static", func(c *gin.Context) {
		c.Next()
		seen, _ = CurrentUser(c)
	})
	static.StaticFS("/", http.FS(fstest.MapFS{"favicon.ico": {Data: []byte("icon")}}))

	rec := a.browser().get("/static/favicon.ico")
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, "icon", rec.Body.String())
	assert.Nil(t, seen, "nobody")
}

// Flask-Login #2 test_static_loads_without_accessing_session
// Loading is lazy: a static file fires no Accessed hook, reads no user and
// writes no session cookie and no Vary: Cookie.
func TestParity_StaticLoadsWithoutAccessingSession(t *testing.T) {
	a := newParityApp(t, nil)
	a.engine.StaticFS("/static", http.FS(fstest.MapFS{"favicon.ico": {Data: []byte("icon")}}))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	calls := a.users.loaderCalls()
	a.hooks.reset()

	rec := b.get("/static/favicon.ico")
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, 0, a.hooks.count(hookAccessed))
	assert.Equal(t, calls, a.users.loaderCalls(), "no user loaded")
	assert.Empty(t, rec.Header().Values("Set-Cookie"))
	assert.Empty(t, rec.Header().Values("Vary"))
}

// Flask-Login #3 test_init_app
// Flask's init_app attaches a manager created earlier to an app. In Go the
// Manager is not bound to an engine: one Manager serves two engines, and a
// login made on one is valid on the other.
func TestParity_InitApp(t *testing.T) {
	a := newParityApp(t, nil)
	other := gin.New()
	other.Use(Middleware(a.mgr))
	other.GET("/whoami", func(c *gin.Context) { c.String(200, idOf(c)) })

	b := a.browser()
	require.Equal(t, 200, b.get("/login/2").Code)
	b.handler = other
	code, body := b.text("/whoami")
	assert.Equal(t, 200, code)
	assert.Equal(t, "2", body)
}

// Flask-Login #4 test_class_init
// Flask's LoginManager(app) form: New then Middleware. Middleware also works
// when the application installed gin-contrib/sessions itself.
func TestParity_ClassInit(t *testing.T) {
	a := newParityApp(t, nil)
	r := gin.New()
	r.Use(sessions.Sessions(a.cfg.SessionCookie.Name, a.cfg.SessionStore), Middleware(a.mgr))
	r.GET("/login/:id", func(c *gin.Context) {
		if err := Login(c, notch); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "ok")
	})
	r.GET("/whoami", func(c *gin.Context) { c.String(200, idOf(c)) })
	b := a.browser()
	b.handler = r
	require.Equal(t, 200, b.get("/login/1").Code)
	_, body := b.text("/whoami")
	assert.Equal(t, "1", body)
}

// Flask-Login #5 test_no_user_loader_raises
// Flask raises on the first request; ginlogin refuses the configuration in
// New, before any request (different on purpose: fail at start-up).
func TestParity_NoUserLoaderRaises(t *testing.T) {
	cfg := parityConfig()
	cfg.UserLoader = nil
	_, err := New(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing user loader")
	assert.Contains(t, err.Error(), "Config.UserLoader")
}

// Flask-Login #6 test_options_call_exempt
// OPTIONS passes LoginRequired and FreshLoginRequired for an anonymous
// client, and the handler runs with nobody.
func TestParity_OptionsCallExempt(t *testing.T) {
	a := newParityApp(t, nil)
	seen := User(&testUser{id: "not called"})
	a.engine.OPTIONS("/secret", LoginRequired(), FreshLoginRequired(), func(c *gin.Context) {
		seen, _ = CurrentUser(c)
		c.Status(200)
	})
	rec := a.browser().do(http.MethodOptions, "/secret", nil)
	assert.Equal(t, 200, rec.Code)
	assert.Nil(t, seen, "the handler ran, for nobody")
	assert.Equal(t, 0, a.hooks.count(hookUnauthorized))
}

// Flask-Login #7 test_test_request_context_users_are_anonymous
// A bare gin.Context (no request through the middleware) has no user;
// CurrentUser says why.
func TestParity_TestRequestContextUsersAreAnonymous(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	u, err := CurrentUser(c)
	assert.Nil(t, u)
	assert.ErrorIs(t, err, ErrNoMiddleware)
}

// Flask-Login #8 test_defaults_anonymous
func TestParity_DefaultsAnonymous(t *testing.T) {
	a := newParityApp(t, nil)
	code, body := a.browser().text("/username")
	assert.Equal(t, 200, code)
	assert.Equal(t, "Anonymous", body)
}

// inlineResult is what the in-handler login routes report.
type inlineResult struct {
	Err        string `json:"err"`
	User       string `json:"user"`
	Anonymous  bool   `json:"anonymous"`
	Fresh      bool   `json:"fresh"`
	Remembered bool   `json:"remembered"`
}

// inlineRoute registers a route that runs action and then reports the
// request's user, as Flask's tests do inside one test_request_context.
func (a *parityApp) inlineRoute(path string, action func(c *gin.Context) error) {
	a.engine.GET(path, func(c *gin.Context) {
		var res inlineResult
		if err := action(c); err != nil {
			res.Err = err.Error()
		}
		if u, _ := CurrentUser(c); u != nil {
			res.User = u.LoginID()
		} else {
			res.Anonymous = true
		}
		res.Fresh, res.Remembered = IsFresh(c), IsRemembered(c)
		c.JSON(200, res)
	})
}

func (b *browser) inline(target string) inlineResult {
	b.t.Helper()
	rec := b.get(target)
	require.Equal(b.t, 200, rec.Code, rec.Body.String())
	var res inlineResult
	require.NoError(b.t, json.Unmarshal(rec.Body.Bytes(), &res))
	return res
}

// Flask-Login #9 test_login_user
// Login succeeds (nil error is Flask's True), the user is the current
// user at once, the login is fresh and not remembered.
func TestParity_LoginUser(t *testing.T) {
	a := newParityApp(t, nil)
	a.inlineRoute("/inline", func(c *gin.Context) error { return Login(c, notch) })
	res := a.browser().inline("/inline")
	assert.Empty(t, res.Err)
	assert.Equal(t, "1", res.User)
	assert.True(t, res.Fresh)
	assert.False(t, res.Remembered)
}

// Flask-Login #10 test_login_user_not_fresh
func TestParity_LoginUserNotFresh(t *testing.T) {
	a := newParityApp(t, nil)
	a.inlineRoute("/inline", func(c *gin.Context) error { return Login(c, notch, NotFresh()) })
	b := a.browser()
	res := b.inline("/inline")
	assert.Empty(t, res.Err)
	assert.Equal(t, "1", res.User)
	assert.False(t, res.Fresh)
	w := b.who()
	assert.Equal(t, "1", w.ID)
	assert.False(t, w.Fresh, "still not fresh on the next request")
}

// Flask-Login #11 test_login_user_emits_signal
func TestParity_LoginUserEmitsSignal(t *testing.T) {
	a := newParityApp(t, nil)
	require.Equal(t, 200, a.browser().get("/login/1").Code)
	assert.Equal(t, []string{"1"}, a.hooks.users(hookLoggedIn))
}

// Flask-Login #12 test_login_inactive_user
// Flask returns False; ginlogin returns ErrInactiveUser. Nothing changes and
// no hook runs.
func TestParity_LoginInactiveUser(t *testing.T) {
	a := newParityApp(t, nil)
	a.inlineRoute("/inline", func(c *gin.Context) error {
		err := Login(c, creeper)
		if !errors.Is(err, ErrInactiveUser) {
			t.Errorf("Login(inactive) = %v, want ErrInactiveUser", err)
		}
		return err
	})
	b := a.browser()
	res := b.inline("/inline")
	assert.Equal(t, ErrInactiveUser.Error(), res.Err)
	assert.True(t, res.Anonymous)
	assert.Equal(t, 0, a.hooks.count(hookLoggedIn))
	assert.True(t, b.who().Anonymous)
}

// Flask-Login #13 test_login_inactive_user_forced
// Force logs the inactive user in (Hooks.LoggedIn runs, the session holds
// the login); as with Flask's UserMixin (authenticated follows active) the
// guards and accessors still treat it as nobody.
func TestParity_LoginInactiveUserForced(t *testing.T) {
	a := newParityApp(t, nil)
	a.inlineRoute("/inline", func(c *gin.Context) error { return Login(c, creeper, Force()) })
	b := a.browser()
	res := b.inline("/inline")
	assert.Empty(t, res.Err)
	assert.True(t, res.Anonymous)
	assert.Equal(t, []string{"3"}, a.hooks.users(hookLoggedIn))
	w := b.who()
	assert.True(t, w.Anonymous)
	assert.False(t, w.LoggedIn)
	assert.Equal(t, 401, b.get("/protected").Code)
	assert.Equal(t, []string{"3"}, a.hooks.users(hookLoggedIn))
}

// Flask-Login #16 test_logout_logs_out_current_user
func TestParity_LogoutLogsOutCurrentUser(t *testing.T) {
	a := newParityApp(t, nil)
	a.inlineRoute("/inline", func(c *gin.Context) error {
		if err := Login(c, notch); err != nil {
			return err
		}
		return Logout(c)
	})
	b := a.browser()
	res := b.inline("/inline")
	assert.Empty(t, res.Err)
	assert.True(t, res.Anonymous)
	assert.True(t, b.who().Anonymous)
}

// Flask-Login #17 test_logout_emits_signal
func TestParity_LogoutEmitsSignal(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	require.Equal(t, 200, b.get("/logout").Code)
	assert.Equal(t, []string{"1"}, a.hooks.users(hookLoggedOut))
}

// Flask-Login #18 test_logout_without_current_user
// Logging out when nobody is logged in is not an error and runs LoggedOut
// once, with nobody.
func TestParity_LogoutWithoutCurrentUser(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/logout").Code)
	assert.Equal(t, []string{""}, a.hooks.users(hookLoggedOut), "LoggedOut ran for nobody")
}

// Flask-Login: no test ("current_user outside a request is None").
// Outside a request there is no user: CurrentUser(nil) is nil with
// ErrNoMiddleware (accessors never panic), FromContext of a background
// context finds none.
func TestParity_CurrentUserOutsideRequest(t *testing.T) {
	u, ok := FromContext(context.Background())
	assert.False(t, ok)
	assert.Nil(t, u)
	u, err := CurrentUser(nil)
	assert.Nil(t, u)
	assert.ErrorIs(t, err, ErrNoMiddleware)
}
