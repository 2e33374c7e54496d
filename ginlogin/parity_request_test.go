package ginlogin

// Flask-Login parity tests, part 5: the request loader, with a user loader
// (#14, #15, #46) and alone (#77-#84), and the load order.

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queryRequestLoader authenticates ?user_id=ID, like the request loader of
// Flask-Login's LoginTestCase.
func queryRequestLoader(db *userDB) func(*gin.Context) (User, error) {
	return func(c *gin.Context) (User, error) {
		id := c.Query("user_id")
		if id == "" {
			return nil, nil
		}
		return db.load(c.Request.Context(), id)
	}
}

// sessionOrQueryRequestLoader is the request loader of Flask-Login's
// LoginViaRequestTestCase: ?user_id=ID, else the session's login.
func sessionOrQueryRequestLoader(db *userDB) func(*gin.Context) (User, error) {
	return func(c *gin.Context) (User, error) {
		id := c.Query("user_id")
		if id == "" {
			raw, _ := sessions.Default(c).Get(keyLogin).(string)
			rec, _ := parseLoginRecord(raw)
			id = rec.UserID
		}
		if id == "" {
			return nil, nil
		}
		return db.load(c.Request.Context(), id)
	}
}

// bothLoaders adds the query request loader to the harness's user loader.
func bothLoaders(c *Config) {
	c.RequestLoader = queryRequestLoader(newUserDB(notch, steve, creeper, germanJ))
}

// newRequestOnlyApp builds an app whose manager has only a request loader.
func newRequestOnlyApp(t *testing.T) *parityApp {
	t.Helper()
	return newParityApp(t, func(c *Config) {
		c.UserLoader = nil
		c.RequestLoader = sessionOrQueryRequestLoader(newUserDB(notch, steve, creeper, germanJ))
	})
}

// Flask-Login #14 test_login_user_with_request
func TestParity_LoginUserWithRequest(t *testing.T) {
	a := newParityApp(t, bothLoaders)
	_, body := a.browser().text("/username?user_id=2")
	assert.Equal(t, "Steve", body)
}

// Flask-Login #15 test_login_invalid_user_with_request
func TestParity_LoginInvalidUserWithRequest(t *testing.T) {
	a := newParityApp(t, bothLoaders)
	_, body := a.browser().text("/username?user_id=9000")
	assert.Equal(t, "Anonymous", body)
	assert.Equal(t, 0, a.hooks.count(hookLoadedFromRequest))
}

// Flask-Login #46 test_user_loaded_from_request_fired
func TestParity_UserLoadedFromRequestFired(t *testing.T) {
	a := newParityApp(t, bothLoaders)
	_, body := a.browser().text("/username?user_id=1")
	assert.Equal(t, "Notch", body)
	assert.Equal(t, []string{"1"}, a.hooks.users(hookLoadedFromRequest))
}

// Flask-Login §2.2: the session comes first, then the remember cookie, then
// the request loader; the request loader runs only when neither gave a user.
func TestParity_LoadOrder(t *testing.T) {
	a := newParityApp(t, bothLoaders)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	_, body := b.text("/username?user_id=2")
	assert.Equal(t, "Notch", body, "the session wins")
	b.dropCookie("session")
	_, body = b.text("/username?user_id=2")
	assert.Equal(t, "Notch", body, "the remember cookie wins")
	assert.Equal(t, 0, a.hooks.count(hookLoadedFromRequest))
	require.Equal(t, 200, b.get("/logout").Code)
	_, body = b.text("/username?user_id=2")
	assert.Equal(t, "Steve", body)
	assert.Equal(t, 1, a.hooks.count(hookLoadedFromRequest))
}

// Flask-Login: no test ("an invalid cookie blocks the request_loader",
// open PR #901). An invalid or expired remember cookie does not stop the
// request loader: an API client with a stale cookie and a valid key is
// authenticated.
func TestParity_InvalidCookieDoesNotBlockRequestLoader(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, chain(withRememberStore(scheme.store()), bothLoaders))
			b := a.browser()
			b.setCookie(DefaultRememberCookieName, "foo")
			_, body := b.text("/username?user_id=2")
			assert.Equal(t, "Steve", body)

			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			expired := b.cookie(DefaultRememberCookieName)
			a.clock.Advance(DefaultRememberDuration)
			api := a.browser()
			api.setCookie(DefaultRememberCookieName, expired)
			_, body = api.text("/username?user_id=2")
			assert.Equal(t, "Steve", body)
		})
	}
}

// Flask-Login #77 test_has_no_user_loader_callback
// A manager with only a request loader is valid.
func TestParity_HasNoUserLoaderCallback(t *testing.T) {
	a := newRequestOnlyApp(t)
	assert.Nil(t, a.mgr.Config().UserLoader)
	assert.NotNil(t, a.mgr.Config().RequestLoader)
}

// Flask-Login #78 test_request_context_users_are_anonymous
func TestParity_RequestContextUsersAreAnonymous(t *testing.T) {
	a := newRequestOnlyApp(t)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	Middleware(a.mgr)(c)
	u, err := CurrentUser(c)
	require.NoError(t, err)
	assert.Nil(t, u)
}

// Flask-Login #79 test_defaults_anonymous (LoginViaRequestTestCase)
func TestParity_RequestLoaderDefaultsAnonymous(t *testing.T) {
	a := newRequestOnlyApp(t)
	assert.Equal(t, 401, a.browser().get("/protected").Code)
}

// Flask-Login #80 test_login_via_request
func TestParity_LoginViaRequest(t *testing.T) {
	a := newRequestOnlyApp(t)
	_, body := a.browser().text("/username?user_id=2")
	assert.Equal(t, "Steve", body)
	assert.Equal(t, []string{"2"}, a.hooks.users(hookLoadedFromRequest))
}

// Flask-Login #81 test_login_via_request_uses_cookie_when_already_logged_in
// Without a user loader the session's login is not loaded by the library:
// the request loader runs on every request and decides, here reading the
// session's user ID as Flask's test does, with ?user_id taking precedence.
func TestParity_LoginViaRequestUsesCookieWhenAlreadyLoggedIn(t *testing.T) {
	a := newRequestOnlyApp(t)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	_, body := b.text("/username")
	assert.Equal(t, "Notch", body)
	_, body = b.text("/username?user_id=2")
	assert.Equal(t, "Steve", body)
}

// Flask-Login #82 test_login_invalid_user_with_request (LoginViaRequestTestCase)
func TestParity_RequestLoaderInvalidUser(t *testing.T) {
	a := newRequestOnlyApp(t)
	assert.Equal(t, 401, a.browser().get("/protected?user_id=9000").Code)
}

// Flask-Login #83 test_login_invalid_user_with_request_when_already_logged_in
func TestParity_LoginInvalidUserWithRequestWhenAlreadyLoggedIn(t *testing.T) {
	a := newRequestOnlyApp(t)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	require.Equal(t, 200, b.get("/protected").Code)
	assert.Equal(t, 401, b.get("/protected?user_id=9000").Code)
}

// Flask-Login #84 test_login_user_with_request_does_not_modify_session
func TestParity_LoginUserWithRequestDoesNotModifySession(t *testing.T) {
	a := newRequestOnlyApp(t)
	b := a.browser()
	rec := b.get("/username?user_id=2")
	assert.Equal(t, "Steve", rec.Body.String())
	assert.Empty(t, rec.Header().Values("Set-Cookie"))
	_, body := b.text("/username")
	assert.Equal(t, "Anonymous", body)
}

// Flask-Login's user_loader "must not raise" (docs); an exception there is a
// 500. ginlogin makes the contract explicit: (nil, nil) is "not found" and
// makes the request anonymous, a non-nil error is a system failure that the
// guards answer with 503 (IsUnavailable) or 500, never with "anonymous".
func TestParity_LoaderErrorIsNotAnonymous(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"outage", fmt.Errorf("users: %w", ErrStoreUnavailable), http.StatusServiceUnavailable},
		{"bug", errors.New("users: unexpected row"), http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newParityApp(t, func(c *Config) { c.LoginURL = "/login" })
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1").Code)
			a.users.fail(tc.err)
			rec := b.get("/protected")
			assert.Equal(t, tc.want, rec.Code)
			assert.Empty(t, rec.Header().Get("Location"), "not sent to the login page")
			assert.Equal(t, 0, a.hooks.count(hookUnauthorized))

			a.users.fail(nil)
			assert.Equal(t, 200, b.get("/protected").Code, "the login survived the outage")
		})
	}
}
