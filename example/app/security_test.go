package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCrossOriginPostsAreRefusedAndChangeNothing(t *testing.T) {
	s := newSite(t)
	victim := s.browser()
	victim.register("ada@example.com", "Ada", testPassword)
	_, othersBefore := victim.devices()

	forms := []struct {
		path string
		form url.Values
	}{
		{"/logout-all", url.Values{}},
		{"/logout", url.Values{}},
		{"/profile/password", url.Values{"current_password": {testPassword}, "new_password": {"attacker chosen pass"}, "confirm_password": {"attacker chosen pass"}}},
		{"/register", url.Values{"email": {"evil@example.com"}, "name": {"Evil"}, "password": {testPassword}, "confirm_password": {testPassword}}},
		{"/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}},
		{"/api/tokens", url.Values{}},
	}
	for _, f := range forms {
		t.Run(f.path, func(t *testing.T) {
			f.form.Set("csrf_token", victim.csrf) // even a stolen token does not help
			req, err := http.NewRequest(http.MethodPost, s.srv.URL+f.path, strings.NewReader(f.form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example")
			res := victim.do(req)
			assert.Equal(t, http.StatusForbidden, res.status)
			assert.Contains(t, res.body, "came from another site")
		})
	}
	assert.True(t, victim.loggedIn(), "still logged in")
	_, othersAfter := victim.devices()
	assert.Equal(t, othersBefore, othersAfter)
	assert.Equal(t, 1, s.userCount(), "no account was created")
	assert.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", testPassword, false).status, "the password did not change")
	var tokens int
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM api_tokens").Scan(&tokens))
	assert.Zero(t, tokens)
	assert.Contains(t, s.logs.String(), "refused a cross-origin request")
}

func TestCrossOriginCheckComparesOriginWithHost(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/logout", strings.NewReader(url.Values{"csrf_token": {b.csrf}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res := b.do(withoutFetchMetadata(req))
	assert.Equal(t, http.StatusForbidden, res.status)
	assert.True(t, b.loggedIn())
}

// withoutFetchMetadata marks req so that browser.do adds no Sec-Fetch-Site
// (an older browser that sends only Origin).
func withoutFetchMetadata(req *http.Request) *http.Request {
	req.Header["Sec-Fetch-Site"] = []string{}
	return req
}

func TestFormsNeedTheCSRFToken(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	for _, token := range []string{"", "wrong-token", b.csrf + "x"} {
		res := b.post("/logout", url.Values{"csrf_token": {token}})
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.Contains(t, res.body, "This form has expired")
		assert.True(t, b.loggedIn())
	}

	t.Run("the header works too", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/logout", nil)
		require.NoError(t, err)
		req.Header.Set("X-CSRF-Token", b.csrf)
		assert.Equal(t, http.StatusSeeOther, b.do(req).status)
		assert.False(t, b.loggedIn())
	})

	t.Run("a request without browser headers still needs the token", func(t *testing.T) {
		fresh := s.browser()
		fresh.get("/login")
		res := fresh.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "csrf_token": {""}})
		assert.Equal(t, http.StatusForbidden, res.status)
	})

	t.Run("the token changes at login", func(t *testing.T) {
		fresh := s.browser()
		fresh.get("/login")
		before := fresh.csrf
		require.Equal(t, http.StatusSeeOther, fresh.login("ada@example.com", testPassword, false).status)
		assert.NotEqual(t, before, fresh.csrf)
		assert.Equal(t, http.StatusForbidden, fresh.post("/logout", url.Values{"csrf_token": {before}}).status)
	})
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	for _, path := range []string{"/", "/login", "/dashboard", "/profile", "/admin", "/static/style.css", "/no-such-page", "/api/me"} {
		t.Run(path, func(t *testing.T) {
			res := b.get(path)
			csp := res.header.Get("Content-Security-Policy")
			assert.Contains(t, csp, "frame-ancestors 'none'")
			assert.Contains(t, csp, "default-src 'none'")
			assert.NotContains(t, csp, "script-src", "no scripts at all")
			assert.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
			assert.Equal(t, "same-origin", res.header.Get("Referrer-Policy"))
			assert.Equal(t, "DENY", res.header.Get("X-Frame-Options"))
		})
	}
}

func TestUserPagesAreNeverCached(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	for _, path := range []string{"/", "/dashboard", "/profile", "/admin", "/api/me", "/login", "/register", "/logout"} {
		res := b.get(path)
		assert.Equal(t, "no-store", res.header.Get("Cache-Control"), path)
	}
	assert.Contains(t, b.get("/dashboard").header.Values("Vary"), "Cookie")
	assert.Equal(t, "public, max-age=3600", b.get("/static/style.css").header.Get("Cache-Control"), "the stylesheet is the same for everyone")
}

func TestRequestBodiesAreCapped(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.get("/login")
	form := url.Values{"email": {"ada@example.com"}, "password": {strings.Repeat("x", 70<<10)}, "csrf_token": {b.csrf}}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := b.do(req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	assert.Contains(t, res.body, "Request too large")
}

func TestUnknownPagesAndMethods(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res := b.get("/no-such-page")
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, res.body, "Page not found")
	assert.Contains(t, res.body, "Signed in as <strong>Ada</strong>", "error pages show who is logged in")

	res = b.post("/dashboard", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.status)

	res = s.api(http.MethodGet, "/api/nothing", "", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, res.body, `"error":"not_found"`, "JSON under /api/")
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	b.get("/login?next=%2Fsecret-query-value")
	logs := s.logs.String()
	assert.Contains(t, logs, "method=GET path=/login status=302")
	assert.NotContains(t, logs, "secret-query-value")
	assert.NotContains(t, logs, testPassword)
	assert.NotContains(t, logs, b.csrf)
	assert.NotContains(t, logs, b.cookie("session").Value)
}

// A session restored from the remember cookie holds no CSRF token yet: an
// empty or missing token must not match its empty one.
func TestCSRFEmptyTokenNeverMatchesASessionWithoutOne(t *testing.T) {
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"empty field", url.Values{"csrf_token": {""}}},
		{"no field", url.Values{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			s.browser().register("ada@example.com", "Ada", testPassword)
			b := s.browser()
			require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status)
			b.dropCookie("session") // a browser restart: only the remember cookie is left
			req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/logout-all", strings.NewReader(tt.form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := b.do(withoutFetchMetadata(req)) // an old browser: no Sec-Fetch-Site, no Origin
			assert.Equal(t, http.StatusForbidden, res.status)
			assert.Contains(t, res.body, "This form has expired")
			assert.True(t, b.loggedIn(), "the restored login was not logged out everywhere")
		})
	}
}

// Browsers attach "Authorization: Basic" by themselves behind HTTP
// authentication, so that header exempts no form post from the CSRF token;
// only a request authenticated by an API bearer token skips it.
func TestCSRFAuthorizationHeaderExemptsOnlyBearerTokens(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	before := s.tokenCount()

	for _, path := range []string{"/api/tokens", "/logout-all", "/logout"} {
		t.Run("Basic on "+path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(""))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			req.SetBasicAuth("ada", "site-password")
			res := b.do(withoutFetchMetadata(req))
			assert.Equal(t, http.StatusForbidden, res.status, res.body)
			assert.Contains(t, res.body, "too old or came from another site", "the CSRF check refused it")
		})
	}
	assert.Equal(t, before, s.tokenCount(), "no token was made")
	assert.True(t, b.loggedIn())

	t.Run("Bearer on the API", func(t *testing.T) {
		res := s.api(http.MethodPost, "/api/tokens", token, nil)
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.Contains(t, res.body, "can only be created from a logged-in browser session", "the handler answered: no CSRF check ran")
	})
	t.Run("Bearer with the session cookie still needs the token", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/api/tokens", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer glx_not-a-real-token")
		res := b.do(withoutFetchMetadata(req))
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.Contains(t, res.body, "too old or came from another site")
	})
	t.Run("Bearer outside the API", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/logout-all", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res := b.do(withoutFetchMetadata(req))
		assert.Equal(t, http.StatusForbidden, res.status)
	})
	assert.Equal(t, before, s.tokenCount())
	assert.True(t, b.loggedIn())
}
