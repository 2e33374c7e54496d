package ginlogin

// Flask-Login parity tests, part 2: unauthorized and needs-refresh
// responses, login views, the guards (#19-#28, #49-#55, #73-#75, #102,
// #103) and the related behaviours Flask-Login has no test for.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Flask-Login #19 test_unauthorized_fires_unauthorized_signal
func TestParity_UnauthorizedFiresUnauthorizedSignal(t *testing.T) {
	a := newParityApp(t, nil)
	assert.Equal(t, 401, a.browser().get("/secret").Code)
	assert.Equal(t, 1, a.hooks.count(hookUnauthorized))
}

// Flask-Login #20 test_unauthorized_flashes_message_with_login_view
func TestParity_UnauthorizedFlashesMessageWithLoginView(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.LoginMessage = "Log in!"
		c.LoginMessageCategory = "login"
	})
	b := a.browser()
	require.Equal(t, 302, b.get("/secret").Code)
	assert.Equal(t, []FlashMessage{{Category: "login", Message: "Log in!"}}, b.flashes())
	assert.Empty(t, b.flashes(), "a flash is shown once")
}

// Flask-Login #21 test_unauthorized_flash_message_localized
func TestParity_UnauthorizedFlashMessageLocalized(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.LoginMessage = "Log in!"
		c.LoginMessageCategory = "login"
		c.Localize = func(_ *gin.Context, msg string) string {
			if msg == "Log in!" {
				return "Einloggen"
			}
			return msg
		}
	})
	b := a.browser()
	require.Equal(t, 302, b.get("/secret").Code)
	assert.Equal(t, []FlashMessage{{Category: "login", Message: "Einloggen"}}, b.flashes())
}

// Flask-Login #22 test_unauthorized_uses_authorized_handler
// Config.DenyHandler is Flask's unauthorized_handler: its response is the
// response, and Hooks.Denied still runs first.
func TestParity_UnauthorizedUsesAuthorizedHandler(t *testing.T) {
	var reasons []error
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.DenyHandler = func(c *gin.Context, reason error) {
			reasons = append(reasons, reason)
			c.String(401, "This is secret!")
		}
	})
	code, body := a.browser().text("/secret")
	assert.Equal(t, 401, code)
	assert.Equal(t, "This is secret!", body)
	assert.Equal(t, 1, a.hooks.count(hookUnauthorized))
	require.Len(t, reasons, 1)
	assert.ErrorIs(t, reasons[0], ErrNotAuthenticated)
}

// Flask-Login #23 test_unauthorized_aborts_with_401
// Without a login URL the answer is 401, as JSON (Flask: Werkzeug's HTML
// 401 page), and nothing is flashed.
func TestParity_UnauthorizedAbortsWith401(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	rec := b.get("/secret")
	assert.Equal(t, 401, rec.Code)
	assert.Empty(t, rec.Header().Get("Location"))
	assert.JSONEq(t, `{"error":"unauthorized","message":"Please log in to access this page."}`, rec.Body.String())
	assert.Empty(t, b.flashes())
}

// Flask-Login #24 test_unauthorized_redirects_to_login_view
func TestParity_UnauthorizedRedirectsToLoginView(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "/login" })
	rec := a.browser().get("/secret")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/login?next=%2Fsecret", rec.Header().Get("Location"))
}

// Flask-Login #25 test_unauthorized_with_next_in_session
func TestParity_UnauthorizedWithNextInSession(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.NextInSession = true
	})
	b := a.browser()
	rec := b.get("/secret")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/login", rec.Header().Get("Location"))
	_, body := b.text("/login")
	assert.Equal(t, "/secret", body)
	_, body = b.text("/login")
	assert.Empty(t, body, "NextURL removes the value, as session.pop does")
}

// Flask-Login #26 test_unauthorized_with_next_in_strong_session
// Flask writes _id next to `next` so strong protection does not wipe it.
// ginlogin's protection only looks at sessions with a login (Flask #569),
// so `next` survives without that, even when the client changes.
func TestParity_UnauthorizedWithNextInStrongSession(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.NextInSession = true
		c.SessionProtection = ProtectionStrong
	})
	b := a.browser()
	rec := b.get("/secret")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/login", rec.Header().Get("Location"))
	b.userAgent = "different"
	_, body := b.text("/login")
	assert.Equal(t, "/secret", body)
	assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
}

// Flask-Login #27 test_unauthorized_uses_blueprint_login_view
// Blueprints become route groups: Config.GroupLoginURLs maps a route prefix
// to its login page; other routes use Config.LoginURL.
func TestParity_UnauthorizedUsesBlueprintLoginView(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/app_login"
		c.GroupLoginURLs = map[string]string{"/first": "/first_login", "/second": "/second_login"}
	})
	for _, prefix := range []string{"/first", "/second"} {
		a.engine.Group(prefix, LoginRequired()).GET("/protected", func(c *gin.Context) { c.String(200, "Access Granted") })
	}
	b := a.browser()
	for _, tc := range []struct{ path, want string }{
		{"/protected", "/app_login?next=%2Fprotected"},
		{"/first/protected", "/first_login?next=%2Ffirst%2Fprotected"},
		{"/second/protected", "/second_login?next=%2Fsecond%2Fprotected"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := b.get(tc.path)
			assert.Equal(t, 302, rec.Code)
			assert.Equal(t, tc.want, rec.Header().Get("Location"))
		})
	}
}

// Flask-Login #28 test_set_login_view_without_blueprints
// set_login_view is Config.LoginURL.
func TestParity_SetLoginViewWithoutBlueprints(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "/app_login" })
	rec := a.browser().get("/protected")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/app_login?next=%2Fprotected", rec.Header().Get("Location"))
}

// Flask-Login #49 test_needs_refresh_uses_handler
func TestParity_NeedsRefreshUsesHandler(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.DenyHandler = func(c *gin.Context, reason error) {
			if errors.Is(reason, ErrNeedsRefresh) {
				c.String(200, "Needs Refresh!")
			}
		}
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	_, body := b.text("/needs-refresh")
	assert.Equal(t, "Needs Refresh!", body)
}

// Flask-Login #50 test_needs_refresh_fires_needs_refresh_signal
func TestParity_NeedsRefreshFiresNeedsRefreshSignal(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	assert.Equal(t, 401, b.get("/needs-refresh").Code)
	assert.Equal(t, 1, a.hooks.count(hookNeedsRefresh))
}

// Flask-Login #51 test_needs_refresh_fires_flash_when_redirect_to_refresh_view
func TestParity_NeedsRefreshFiresFlashWhenRedirectToRefreshView(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.RefreshURL = "/refresh_view"
		c.RefreshMessage = "Refresh"
		c.RefreshMessageCategory = "refresh"
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	require.Equal(t, 302, b.get("/needs-refresh").Code)
	assert.Equal(t, []FlashMessage{{Category: "refresh", Message: "Refresh"}}, b.flashes())
}

// Flask-Login #52 test_needs_refresh_flash_message_localized
func TestParity_NeedsRefreshFlashMessageLocalized(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.RefreshURL = "/refresh_view"
		c.RefreshMessage = "Refresh"
		c.RefreshMessageCategory = "refresh"
		c.Localize = func(_ *gin.Context, msg string) string {
			if msg == "Refresh" {
				return "Aktualisieren"
			}
			return msg
		}
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	require.Equal(t, 302, b.get("/needs-refresh").Code)
	assert.Equal(t, []FlashMessage{{Category: "refresh", Message: "Aktualisieren"}}, b.flashes())
}

// Flask-Login #53 test_needs_refresh_aborts_401
func TestParity_NeedsRefreshAborts401(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	rec := b.get("/needs-refresh")
	assert.Equal(t, 401, rec.Code)
	assert.JSONEq(t, `{"error":"reauthentication_required","message":"Please reauthenticate to access this page."}`, rec.Body.String())
}

// Flask-Login #54 test_redirects_to_refresh_view
func TestParity_RedirectsToRefreshView(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.RefreshURL = "/refresh-view" })
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	rec := b.get("/needs-refresh")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/refresh-view?next=%2Fneeds-refresh", rec.Header().Get("Location"))
}

// Flask-Login #55 test_refresh_with_next_in_session
func TestParity_RefreshWithNextInSession(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.RefreshURL = "/refresh-view"
		c.NextInSession = true
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	rec := b.get("/needs-refresh")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/refresh-view", rec.Header().Get("Location"))
	_, body := b.text("/refresh-view")
	assert.Equal(t, "/needs-refresh", body)
}

// Flask-Login #73 test_login_required_decorator
func TestParity_LoginRequiredDecorator(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	assert.Equal(t, 401, b.get("/protected").Code)
	require.Equal(t, 200, b.get("/login/1").Code)
	code, body := b.text("/protected")
	assert.Equal(t, 200, code)
	assert.Contains(t, body, "Access Granted")
}

// Flask-Login #74 test_login_required_decorator_with_async
// Different on purpose: Go handlers are synchronous, there is no async view
// to support. What a Go handler does concurrently is covered instead: work it
// starts in a goroutine reads the user from the request's context.
func TestParity_LoginRequiredDecoratorWithAsync(t *testing.T) {
	a := newParityApp(t, nil)
	a.engine.GET("/async", LoginRequired(), func(c *gin.Context) {
		ctx := c.Request.Context()
		done := make(chan string, 1)
		go func() {
			u, ok := FromContext(ctx)
			if !ok {
				done <- "no user"
				return
			}
			done <- u.LoginID()
		}()
		c.String(200, "Access Granted to "+<-done)
	})
	b := a.browser()
	assert.Equal(t, 401, b.get("/async").Code)
	require.Equal(t, 200, b.get("/login/1").Code)
	code, body := b.text("/async")
	assert.Equal(t, 200, code)
	assert.Equal(t, "Access Granted to 1", body)
}

// Flask-Login #75 test_fresh_login_required_decorator
// Also the behaviour Flask-Login has no test for: its fresh_login_required
// runs a view twice when the view raises AttributeError. FreshLoginRequired
// calls the handler once, even when it panics.
func TestParity_FreshLoginRequiredDecorator(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			calls := 0
			a.engine.GET("/very-protected", FreshLoginRequired(), func(c *gin.Context) {
				calls++
				c.String(200, "Access Granted")
			})
			b := a.browser()
			assert.Equal(t, 401, b.get("/very-protected").Code)
			assert.Equal(t, 0, calls)

			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			code, body := b.text("/very-protected")
			assert.Equal(t, 200, code)
			assert.Equal(t, "Access Granted", body)

			b.dropCookie("session")
			assert.Equal(t, 401, b.get("/very-protected").Code, "a restored login is stale")

			require.Equal(t, 200, b.get("/confirm").Code)
			code, body = b.text("/very-protected")
			assert.Equal(t, 200, code)
			assert.Equal(t, "Access Granted", body)
			assert.Equal(t, 2, calls, "the handler ran once per allowed request")
		})
	}
}

// Flask-Login: no test ("fresh_login_required running the view twice on
// AttributeError"). A handler behind FreshLoginRequired that panics runs
// once.
func TestParity_FreshLoginRequiredNeverRunsViewTwice(t *testing.T) {
	a := newParityApp(t, nil)
	calls := 0
	recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(500) })
	a.engine.GET("/panics", recovery, FreshLoginRequired(), func(c *gin.Context) {
		calls++
		panic("the handler failed")
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	assert.Equal(t, 500, b.get("/panics").Code)
	assert.Equal(t, 1, calls)
}

// Flask-Login #102 test_unauthorized_uses_host_from_next_url
// The redirect is relative whatever the Host and X-Forwarded-Host headers
// say: ginlogin never builds URLs from them.
func TestParity_UnauthorizedUsesHostFromNextURL(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "/login" })
	for _, tc := range []struct {
		name    string
		headers map[string]string
	}{
		{"foreign host", nil},
		{"forwarded host", map[string]string{"X-Forwarded-Host": "proxy.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://foo.example/secret", nil)
			req.Header.Set("Accept", navigationAccept)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			a.engine.ServeHTTP(rec, req)
			assert.Equal(t, 302, rec.Code)
			assert.Equal(t, "/login?next=%2Fsecret", rec.Header().Get("Location"))
		})
	}
}

// Flask-Login #103 test_unauthorized_uses_host_from_config_when_available
// Different on purpose: there is no FORCE_HOST_FOR_REDIRECTS. An absolute
// Config.LoginURL keeps its own host, whatever host the request named, and
// `next` stays a relative path.
func TestParity_UnauthorizedUsesHostFromConfigWhenAvailable(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "https://good.example/login" })
	req := httptest.NewRequest(http.MethodGet, "http://bad.example/secret", nil)
	req.Header.Set("Accept", navigationAccept)
	req.Header.Set("X-Forwarded-Host", "proxy.example")
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "https://good.example/login?next=%2Fsecret", rec.Header().Get("Location"))
}

// Flask-Login: no test ("blueprint_login_views[None] semantics beyond
// set_login_view"). The "/" group is the default for every route; longer
// prefixes win, and a prefix matches whole path segments only.
func TestParity_GroupLoginURLDefault(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/app_login"
		c.GroupLoginURLs = map[string]string{"/": "/default_login", "/admin": "/admin_login"}
	})
	ok := func(c *gin.Context) { c.String(200, "ok") }
	a.engine.GET("/admin/users", LoginRequired(), ok)
	a.engine.GET("/administrators", LoginRequired(), ok)
	b := a.browser()
	for _, tc := range []struct{ path, want string }{
		{"/protected", "/default_login?next=%2Fprotected"},
		{"/admin/users", "/admin_login?next=%2Fadmin%2Fusers"},
		{"/administrators", "/default_login?next=%2Fadministrators"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := b.get(tc.path)
			assert.Equal(t, 302, rec.Code)
			assert.Equal(t, tc.want, rec.Header().Get("Location"))
		})
	}
}

// Flask-Login: no test ("set_login_view AttributeError"). Flask's
// set_login_view fails when called without a blueprint after one was set.
// ginlogin's login URLs are plain configuration with a fixed precedence: a
// guard's WithLoginURL, then the longest GroupLoginURLs prefix, then
// LoginURL; WithRefreshURL overrides RefreshURL the same way.
func TestParity_LoginURLPrecedence(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.LoginURL = "/app_login"
		c.RefreshURL = "/app_refresh"
		c.GroupLoginURLs = map[string]string{"/shop": "/shop_login"}
	})
	ok := func(c *gin.Context) { c.String(200, "ok") }
	shop := a.engine.Group("/shop")
	shop.GET("/cart", LoginRequired(), ok)
	shop.GET("/checkout", LoginRequired(WithLoginURL("/checkout_login")), ok)
	a.engine.GET("/settings", FreshLoginRequired(WithRefreshURL("/settings_refresh")), ok)
	b := a.browser()
	for _, tc := range []struct{ path, want string }{
		{"/shop/cart", "/shop_login?next=%2Fshop%2Fcart"},
		{"/shop/checkout", "/checkout_login?next=%2Fshop%2Fcheckout"},
	} {
		rec := b.get(tc.path)
		assert.Equal(t, 302, rec.Code, tc.path)
		assert.Equal(t, tc.want, rec.Header().Get("Location"), tc.path)
	}
	require.Equal(t, 200, b.get("/login/1?fresh=0").Code)
	rec := b.get("/settings")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/settings_refresh?next=%2Fsettings", rec.Header().Get("Location"))
}

// Flask-Login: no test. Decision: the login message is flashed only on the
// redirect path. API and XHR requests get a JSON 401 carrying the message,
// and nothing waits in the session for a page that will never be shown.
func TestParity_APIRequestsGetJSONWithoutFlash(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "/login" })
	b := a.browser()
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"accept json", []string{"Accept", "application/json"}},
		{"xhr", []string{"X-Requested-With", "XMLHttpRequest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := b.get("/protected", tc.headers...)
			assert.Equal(t, 401, rec.Code)
			assert.Empty(t, rec.Header().Get("Location"))
			var body map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, "unauthorized", body["error"])
			assert.Equal(t, DefaultLoginMessage, body["message"])
			assert.Empty(t, b.flashes())
		})
	}
	// The page request still gets the flash and a 303 after a POST.
	a.engine.POST("/protected", LoginRequired(), func(c *gin.Context) { c.String(200, "posted") })
	rec := b.do(http.MethodPost, "/protected", nil)
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/login?next=%2Fprotected", rec.Header().Get("Location"))
	assert.Equal(t, []FlashMessage{{Category: DefaultMessageCategory, Message: DefaultLoginMessage}}, b.flashes())
}
