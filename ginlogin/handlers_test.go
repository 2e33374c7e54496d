package ginlogin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/internal/testsupport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adminSecret keys the admin Manager of the nested-Middleware tests.
var adminSecret = []byte("admin-0123456789abcdefghijklmnopqrstuvwxyzABCDEF")

// admin is a user only the admin Manager knows.
var admin = &testUser{id: "a1", name: "Admin"}

// addAdminSite mounts an admin site with its own Manager (own users, own
// session store, own cookie names unless mutate says otherwise) under
// /admin, below the test app's Middleware. Its routes:
//
//	/admin/login/:id   log an admin user in (?remember=1)
//	/admin/logout      log out of the admin site
//	/admin/whoami      the admin user, and whether FromContext saw a user
//	                   before the admin Manager loaded its own
//	/admin/protected   LoginRequired of the admin Manager
//	/admin/sess        write the admin session through sessions.Default
func addAdminSite(t *testing.T, a *testApp, mutate func(*Config)) (*Manager, RememberStore) {
	t.Helper()
	users := newUserDB(admin)
	store := NewMemoryStore()
	cfg := Config{
		SecretKeys:     [][]byte{adminSecret},
		SessionStore:   NewCookieStore(adminSecret),
		SessionCookie:  SessionCookieConfig{Name: "admin_session"},
		RememberCookie: RememberCookieConfig{Name: "admin_remember"},
		RememberStore:  store,
		UserLoader:     users.load,
		Now:            a.clock.Now,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	mgr, err := New(cfg)
	require.NoError(t, err)
	// An outer middleware that loads the public user first, as a layout
	// that shows "logged in as" on every page would.
	g := a.engine.Group("/admin", func(c *gin.Context) { _, _ = CurrentUser(c); c.Next() }, Middleware(mgr))
	g.GET("/login/:id", loginHandler(users, answer("admin logged in")))
	g.GET("/logout", logoutHandler(answer("admin logged out")))
	g.GET("/whoami", func(c *gin.Context) {
		_, before := FromContext(c.Request.Context())
		c.JSON(200, gin.H{"id": idOf(c), "before": before})
	})
	g.GET("/protected", LoginRequired(), func(c *gin.Context) { c.String(200, "admin area") })
	g.GET("/sess", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("k", "v")
		if err := s.Save(); err != nil {
			c.String(500, err.Error())
			return
		}
		c.String(200, "saved")
	})
	return mgr, store
}

// A Middleware of a second Manager on a route group takes over below it:
// each route sees the Manager of its innermost Middleware, with that
// Manager's session, cookies, users and guards, and the two logins live
// side by side in one browser.
func TestNestedMiddlewareUsesInnermostManager(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	_, adminStore := addAdminSite(t, a, nil)
	b := a.browser()

	b.getStatus("/login/1", 200)
	assert.Equal(t, "1", b.who().ID, "logged in to the public site")
	assert.Equal(t, 401, b.get("/admin/protected").Code, "the public login is no admin login")
	assert.JSONEq(t, `{"id":"","before":false}`, b.getStatus("/admin/whoami", 200).Body.String(),
		"the public user loaded by an outer middleware is not the admin user")
	assert.Equal(t, 404, b.get("/admin/login/1").Code, "the admin Manager has its own users")

	rec := b.getStatus("/admin/login/a1?remember=1", 200)
	assert.NotEmpty(t, setCookieHeaders(rec, "admin_session"), "the admin session cookie is set")
	assert.NotEmpty(t, setCookieHeaders(rec, "admin_remember"), "the admin remember cookie is set")
	assert.Empty(t, setCookieHeaders(rec, "session"), "the public session is untouched")
	assert.Equal(t, 1, userDeviceCount(t, adminStore, "a1"), "the device is in the admin RememberStore")
	assert.Equal(t, 200, b.get("/admin/protected").Code, "the admin login works on admin routes")
	assert.JSONEq(t, `{"id":"a1","before":false}`, b.getStatus("/admin/whoami", 200).Body.String())
	assert.Equal(t, "1", b.who().ID, "the public login still works on public routes")
	assert.Equal(t, 200, b.get("/protected").Code)

	rec = b.getStatus("/admin/sess", 200)
	assert.NotEmpty(t, setCookieHeaders(rec, "admin_session"), "sessions.Default is the admin session on admin routes")
	assert.Empty(t, setCookieHeaders(rec, "session"))

	b.dropCookie("admin_session") // the admin remember cookie restores the admin login
	assert.Equal(t, 200, b.get("/admin/protected").Code)

	b.getStatus("/admin/logout", 200)
	assert.Equal(t, 401, b.get("/admin/protected").Code, "logged out of the admin site")
	assert.Equal(t, "1", b.who().ID, "and still logged in to the public site")
	b.getStatus("/logout", 200)
	assert.True(t, b.who().Anonymous)
}

// Running the same Manager's Middleware twice changes nothing: the user
// loaded before the second one stays loaded.
func TestNestedMiddlewareSameManager(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	loads := 0
	a.engine.GET("/twice", func(c *gin.Context) { _, _ = CurrentUser(c); c.Next() }, Middleware(a.mgr), func(c *gin.Context) {
		u, ok := FromContext(c.Request.Context())
		if ok {
			loads++
		}
		c.String(200, u.LoginID())
	})
	b := a.browser()
	b.getStatus("/login/1", 200)
	calls := a.users.loaderCalls()
	assert.Equal(t, "1", b.getStatus("/twice", 200).Body.String())
	assert.Equal(t, 1, loads)
	assert.Equal(t, calls+1, a.users.loaderCalls(), "the user was loaded once")
}

// A nested Manager whose cookie names clash with the outer Manager's
// refuses every request with a 500 and a log line that says what to change.
func TestNestedMiddlewareRefusesSharedCookieNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		mutate func(*Config)
		clash  string
	}{
		{"session cookie", func(c *Config) { c.SessionCookie.Name = DefaultSessionName }, `"session"`},
		{"remember cookie", func(c *Config) { c.RememberCookie.Name = DefaultRememberCookieName }, `"remember_token"`},
		{"crossed", func(c *Config) { c.SessionCookie.Name = DefaultRememberCookieName }, `"remember_token"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, nil)
			logs := &testsupport.LockedBuffer{}
			addAdminSite(t, a, func(c *Config) {
				tt.mutate(c)
				c.Logger = slog.New(slog.NewTextHandler(logs, nil))
			})
			b := a.browser()
			rec := b.get("/admin/whoami")
			require.Equal(t, 500, rec.Code, "the request is refused")
			assert.Contains(t, logs.String(), strings.Trim(tt.clash, `"`))
			assert.Contains(t, logs.String(), "give the inner Manager its own Config.SessionCookie.Name and Config.RememberCookie.Name")
			assert.Equal(t, 200, b.get("/").Code, "routes outside the group are unaffected")
		})
	}
}

// ownUser is an application's user type that does not embed UserMixin.
type ownUser struct {
	id     string
	active *atomic.Bool
}

func (u *ownUser) LoginID() string { return u.id }

func (u *ownUser) IsActive() bool { return u.active.Load() }

// Every guard, accessor and helper that needs a logged-in user refuses a
// user whose IsActive is false, whether it was
// deactivated after the session was created or logged in with Force, and
// whether it came from the session or from the request loader.
func TestGuardsRefuseAuthenticatedInactiveUser(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deactivated after login", "forced login", "request loader"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			store := NewMemoryStore()
			active := &atomic.Bool{}
			u := &ownUser{id: "own", active: active}
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				if how == "request loader" {
					c.RequestLoader = func(*gin.Context) (User, error) { return u, nil }
				}
			})
			a.users.put(u)
			addAccountRoutes(a)
			a.engine.GET("/require", Require(func(User) bool { return true }), func(c *gin.Context) { c.String(200, "allowed") })
			a.engine.GET("/accessors", func(c *gin.Context) {
				_, current := Current[*ownUser](c)
				c.JSON(200, gin.H{
					"logged_in": idOf(c) != "",
					"current":   current,
					"fresh":     IsFresh(c),
					"confirm":   errors.Is(ConfirmLogin(c), ErrNotAuthenticated),
					"update":    UpdateAuthStamp(c, u) != nil,
					"revoke":    errors.Is(RevokeDevice(c, "x"), ErrNotAuthenticated),
					"logout":    errors.Is(LogoutEverywhere(c), ErrNotAuthenticated),
				})
			})
			b := a.browser()
			switch how {
			case "deactivated after login":
				active.Store(true)
				b.getStatus("/login/own?remember=1", 200)
				require.Equal(t, 200, b.get("/protected").Code, "logged in while active")
				active.Store(false)
			case "forced login":
				b.getStatus("/login/own?force=1", 200)
			}
			require.True(t, b.who().Anonymous, "an inactive user is nobody to the accessors")

			assert.False(t, isLoggedIn(u))
			assert.Equal(t, 401, b.get("/protected").Code, "LoginRequired")
			assert.Equal(t, 401, b.get("/fresh").Code, "FreshLoginRequired")
			assert.Equal(t, 401, b.get("/require").Code, "Require (not its 403, not through)")
			assert.Equal(t, 401, b.get("/devices").Code, "Devices")
			assert.JSONEq(t, `{"logged_in":false,"current":false,"fresh":false,"confirm":true,"update":true,"revoke":true,"logout":true}`,
				b.getStatus("/accessors", 200).Body.String())
			if how != "request loader" {
				assert.Equal(t, 1, userDeviceCount(t, store, "own"), "nothing was revoked by the refused calls")
			}
		})
	}
}

// AsAPI: an API route group answers JSON without the client asking for it.
func TestAsAPIGuardAnswersJSON(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.LoginURL = "/login" })
	api := a.engine.Group("/api", LoginRequired(AsAPI()))
	api.GET("/me", func(c *gin.Context) { c.String(200, idOf(c)) })
	a.engine.GET("/api-fail", LoginRequired(AsAPI()), func(c *gin.Context) {
		Fail(c, fmt.Errorf("db: %w", ErrStoreUnavailable))
	})
	b := a.browser()

	rec := b.get("/api/me")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.JSONEq(t, `{"error":"unauthorized","message":"Please log in to access this page."}`, rec.Body.String())
	assert.Empty(t, rec.Header().Get("Location"))

	page := b.get("/protected")
	assert.Equal(t, http.StatusFound, page.Code, "routes without AsAPI still redirect pages")

	require.Equal(t, 200, b.get("/login/1").Code)
	assert.Equal(t, "1", b.get("/api/me").Body.String())
	fail := b.get("/api-fail")
	assert.Equal(t, http.StatusServiceUnavailable, fail.Code)
	assert.JSONEq(t, `{"error":"unavailable","message":"Service Unavailable"}`, fail.Body.String())
}

// Guarantee 10: concurrent logins, restores and logouts of many browsers
// against one Manager share no state they should not (run under -race).
func TestManyBrowsersConcurrently(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	a := newTestApp(t, func(c *Config) {
		c.SessionStore = memstoreKind.make(t)
		c.RememberStore = store
	})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			user := []string{"1", "2"}[i%2]
			rec := serveRaw(a.engine, "/login/"+user+"?remember=1", nil)
			if rec.Code != 200 {
				t.Errorf("login %d: %d", i, rec.Code)
				return
			}
			cookies := rec.Result().Cookies()
			for range 3 {
				rec = serveRaw(a.engine, "/whoami", cookies)
				if !strings.Contains(rec.Body.String(), `"id":"`+user+`"`) {
					t.Errorf("browser %d sees %s", i, rec.Body.String())
				}
			}
			rec = serveRaw(a.engine, "/logout", cookies)
			if rec.Code != 200 {
				t.Errorf("logout %d: %d", i, rec.Code)
			}
			if rec = serveRaw(a.engine, "/whoami", cookies); !strings.Contains(rec.Body.String(), `"anonymous":true`) {
				t.Errorf("browser %d after logout: %s", i, rec.Body.String())
			}
		})
	}
	wg.Wait()
	assert.Zero(t, userDeviceCount(t, store, "1")+userDeviceCount(t, store, "2"), "every logout revoked its device")
}

// Guarantee 9: a guard on a route without the Middleware is a set-up
// mistake: in every gin mode alike it answers 500, logs what to fix and
// never lets the request through or panics. It changes gin's mode, so it
// does not run in parallel.
func TestGuardWithoutMiddleware(t *testing.T) {
	defer gin.SetMode(gin.Mode())
	tests := []struct {
		name  string
		guard gin.HandlerFunc
	}{
		{"LoginRequired", LoginRequired()},
		{"FreshLoginRequired", FreshLoginRequired()},
		{"Require", Require(func(User) bool { return true })},
	}
	for _, tt := range tests {
		for _, mode := range []string{gin.DebugMode, gin.TestMode, gin.ReleaseMode} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				gin.SetMode(mode)
				engine := gin.New()
				engine.GET("/guarded", tt.guard, func(c *gin.Context) { c.String(200, "Access Granted") })
				engine.GET("/user", func(c *gin.Context) {
					u, err := CurrentUser(c)
					c.String(200, "%v %v", u == nil, errors.Is(err, ErrNoMiddleware))
				})
				var logs bytes.Buffer
				defer slog.SetDefault(slog.Default())
				slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))

				rec := httptest.NewRecorder()
				assert.NotPanics(t, func() {
					engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/guarded", nil))
				})
				assert.Equal(t, 500, rec.Code)
				assert.NotContains(t, rec.Body.String(), "Access Granted")
				assert.Contains(t, logs.String(), "ginlogin.Middleware(mgr)", "the log says what to fix")

				rec = httptest.NewRecorder()
				engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/user", nil))
				assert.Equal(t, "true true", rec.Body.String(), "CurrentUser never panics: nobody, and the reason")
			})
		}
	}
}
