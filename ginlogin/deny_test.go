package ginlogin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// denyApp is a test app with a login page, a refresh page and one route per
// guard, for the content-negotiation tests.
func denyApp(t *testing.T, mutate func(*Config)) *testApp {
	t.Helper()
	a := newTestApp(t, func(c *Config) {
		c.LoginURL, c.RefreshURL = "/login", "/reauth"
		c.RequestLoader = queryRequestLoader(newUserDB(notch, steve))
		if mutate != nil {
			mutate(c)
		}
	})
	ok := func(c *gin.Context) { c.String(200, "ok") }
	a.engine.GET("/page", LoginRequired(), ok)
	a.engine.GET("/api/page", LoginRequired(AsAPI()), ok)
	a.engine.GET("/fresh-page", FreshLoginRequired(), ok)
	a.engine.GET("/admin-page", Require(func(u User) bool { return u.LoginID() == "2" }), ok)
	return a
}

// Guards answer what the client asked for: only a browser's page request
// (Accept lists text/html) is redirected or shown a page; curl's and
// fetch()'s */*, no Accept, JSON and XHR get JSON with the status.
func TestDenyFitsTheClient(t *testing.T) {
	t.Parallel()
	const (
		browserAccept = navigationAccept
		curlAccept    = "*/*"
	)
	type answer struct {
		code     int
		location string // for redirects
		json     string // the JSON error code, or "" for a page
	}
	for _, tc := range []struct {
		name, path, accept, xhr string
		loggedIn                string // user to log in first ("" for nobody)
		want                    answer
	}{
		{"browser, nobody", "/page", browserAccept, "", "", answer{302, "/login?next=%2Fpage", ""}},
		{"curl, nobody", "/page", curlAccept, "", "", answer{401, "", "unauthorized"}},
		{"no Accept, nobody", "/page", "", "", "", answer{401, "", "unauthorized"}},
		{"JSON client, nobody", "/page", "application/json", "", "", answer{401, "", "unauthorized"}},
		{"XHR with HTML Accept, nobody", "/page", browserAccept, "XMLHttpRequest", "", answer{401, "", "unauthorized"}},
		{"AsAPI route, browser", "/api/page", browserAccept, "", "", answer{401, "", "unauthorized"}},
		{"browser, stale login", "/fresh-page", browserAccept, "", "stale", answer{302, "/reauth?next=%2Ffresh-page", ""}},
		{"curl, stale login", "/fresh-page", curlAccept, "", "stale", answer{401, "", "reauthentication_required"}},
		{"browser, forbidden", "/admin-page", browserAccept, "", "fresh", answer{403, "", ""}},
		{"curl, forbidden", "/admin-page", curlAccept, "", "fresh", answer{403, "", "forbidden"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := denyApp(t, nil)
			b := a.browser()
			switch tc.loggedIn {
			case "stale":
				b.getStatus("/login/1?fresh=0", 200)
			case "fresh":
				b.getStatus("/login/1", 200)
			}
			rec := b.get(tc.path, "Accept", tc.accept, "X-Requested-With", tc.xhr)
			require.Equal(t, tc.want.code, rec.Code, rec.Body.String())
			assert.Equal(t, tc.want.location, rec.Header().Get("Location"))
			if tc.want.json != "" {
				var body struct{ Error string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
				assert.Equal(t, tc.want.json, body.Error)
				assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
			} else if tc.want.location == "" {
				assert.Contains(t, rec.Header().Get("Content-Type"), "text/html")
				assert.Contains(t, rec.Body.String(), "<h1>Forbidden</h1>")
			}
			if tc.want.code == 401 && tc.want.json == "unauthorized" {
				assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"), "a request loader is configured")
			}
		})
	}
}

// Without a request loader there is no scheme to announce: no
// WWW-Authenticate header.
func TestDenyAnnouncesNoSchemeWithoutRequestLoader(t *testing.T) {
	t.Parallel()
	a := denyApp(t, func(c *Config) { c.RequestLoader = nil })
	rec := a.browser().get("/page", "Accept", "*/*")
	assert.Equal(t, 401, rec.Code)
	assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
}

// A login that came from the request loader (an API key) is never sent to
// an HTML page: there is no password to re-enter there. Even a browser's
// Accept gets the JSON answer.
func TestDenyNeverSendsRequestLoaderLoginsToPages(t *testing.T) {
	t.Parallel()
	a := denyApp(t, nil)
	b := a.browser()
	rec := b.get("/fresh-page?user_id=1")
	require.Equal(t, 401, rec.Code, rec.Body.String())
	assert.Empty(t, rec.Header().Get("Location"))
	assert.JSONEq(t, `{"error":"reauthentication_required","message":"Please reauthenticate to access this page."}`, rec.Body.String())

	rec = b.get("/admin-page?user_id=1")
	require.Equal(t, 403, rec.Code)
	assert.JSONEq(t, `{"error":"forbidden","message":"You do not have permission to access this page."}`, rec.Body.String())

	assert.Equal(t, 200, b.get("/admin-page?user_id=2").Code, "the request loader's user passes Require")
}

// Deny answers as the guards do, for each reason, and runs Hooks.Denied
// and Config.DenyHandler with the reason.
func TestDenyRunsTheHandlerWithTheReason(t *testing.T) {
	t.Parallel()
	var hooked, handled []error
	a := denyApp(t, func(c *Config) {
		c.Hooks.Denied = func(_ *gin.Context, reason error) { hooked = append(hooked, reason) }
		c.DenyHandler = func(c *gin.Context, reason error) {
			handled = append(handled, reason)
			c.String(499, "custom")
		}
	})
	reasons := []error{ErrNotAuthenticated, ErrNeedsRefresh, ErrForbidden}
	for i, reason := range reasons {
		a.engine.GET("/deny/"+strconv.Itoa(i), func(c *gin.Context) {
			Deny(c, reason)
			if !c.IsAborted() {
				c.String(200, "not aborted")
			}
		})
	}
	b := a.browser()
	for i := range reasons {
		rec := b.get("/deny/" + strconv.Itoa(i))
		assert.Equal(t, 499, rec.Code)
		assert.Equal(t, "custom", rec.Body.String())
	}
	b.getStatus("/login/1?fresh=0", 200)
	b.getStatus("/fresh-page", 499)
	b.getStatus("/admin-page", 499)
	want := []error{ErrNotAuthenticated, ErrNeedsRefresh, ErrForbidden, ErrNeedsRefresh, ErrForbidden}
	assert.Equal(t, want, hooked)
	assert.Equal(t, want, handled)
}

// Guard options are checked when the guard is made: a bad URL or a nil
// predicate panics while the routes are built, with a message saying what
// to fix, never on a request.
func TestGuardOptionsAreCheckedWhenTheRouteIsBuilt(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		build func()
		want  string
	}{
		"script URL":  {func() { LoginRequired(WithLoginURL("javascript:alert(1)")) }, "WithLoginURL"},
		"empty URL":   {func() { FreshLoginRequired(WithRefreshURL("")) }, `WithRefreshURL("")`},
		"relative":    {func() { Require(func(User) bool { return true }, WithLoginURL("login")) }, "WithLoginURL"},
		"nil option":  {func() { LoginRequired(nil) }, "nil GuardOption"},
		"nil require": {func() { Require(nil) }, "Require(nil)"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				require.NotNil(t, r, "the guard is refused when it is made")
				assert.Contains(t, fmt.Sprint(r), tc.want)
			}()
			tc.build()
		})
	}
	assert.NotPanics(t, func() {
		LoginRequired(WithLoginURL("/admin/login"), WithRefreshURL("https://auth.example/reauth"), AsAPI())
	})
}
