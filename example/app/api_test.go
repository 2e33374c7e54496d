package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// api sends a request as an API client: no browser headers, JSON wanted
// unless accept says otherwise.
func (s *site) api(method, path, bearer string, header http.Header) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, nil)
	require.NoError(s.t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

// createToken makes an API token from the browser's session.
func (b *browser) createToken() string {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.s.srv.URL+"/api/tokens", nil)
	require.NoError(b.t, err)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	res := b.do(req)
	require.Equal(b.t, http.StatusCreated, res.status, res.body)
	assert.Equal(b.t, "no-store", res.header.Get("Cache-Control"))
	var out struct{ Token string }
	require.NoError(b.t, json.Unmarshal([]byte(res.body), &out))
	require.NotEmpty(b.t, out.Token)
	return out.Token
}

func TestAPITokensAreShownOnceAndStoredHashed(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	assert.True(t, strings.HasPrefix(token, "glx_"))

	var stored string
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT token_hash FROM api_tokens").Scan(&stored))
	assert.NotContains(t, stored, token)
	assert.NotContains(t, stored, strings.TrimPrefix(token, "glx_"))
	assert.Len(t, stored, 64, "a hex SHA-256")
	assert.NotContains(t, b.get("/profile").body, token, "the profile never shows it again")

	res := s.api(http.MethodGet, "/api/me", token, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	var me map[string]string
	require.NoError(t, json.Unmarshal([]byte(res.body), &me))
	assert.Equal(t, "ada@example.com", me["email"])
	assert.Equal(t, "Ada", me["name"])
	assert.NotEmpty(t, me["id"])
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
}

func TestAPITokenFromABrowserFormIsShownOnAPage(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res := b.post("/api/tokens", nil)
	require.Equal(t, http.StatusCreated, res.status)
	m := regexp.MustCompile(`<pre class="token" id="token">(glx_[^<]+)</pre>`).FindStringSubmatch(res.body)
	require.NotNil(t, m, res.body)
	assert.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", m[1], nil).status)
}

func TestAPIMe(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()

	t.Run("with the session", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/api/me", nil)
		require.NoError(t, err)
		res := b.do(req)
		assert.Equal(t, http.StatusOK, res.status)
		assert.Contains(t, res.body, `"email":"ada@example.com"`)
	})
	for _, tt := range []struct {
		name, bearer string
		header       http.Header
	}{
		{"anonymous without Accept", "", nil},
		{"anonymous curl", "", http.Header{"Accept": {"*/*"}}},
		{"anonymous fetch() asking for HTML", "", http.Header{"Accept": {"text/html"}, "X-Requested-With": {"XMLHttpRequest"}}},
		{"unknown token", "glx_not-a-real-token", nil},
		{"token without the prefix", strings.TrimPrefix(token, "glx_"), nil},
		{"other scheme", "", http.Header{"Authorization": {"Basic " + token}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.api(http.MethodGet, "/api/me", tt.bearer, tt.header)
			assert.Equal(t, http.StatusUnauthorized, res.status)
			assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
			assert.Contains(t, res.body, `"error":"unauthorized"`)
			assert.Equal(t, "Bearer", res.header.Get("WWW-Authenticate"), "the token scheme is announced")
		})
	}
	t.Run("a browser's page request is sent to log in", func(t *testing.T) {
		res := s.api(http.MethodGet, "/api/me", "", http.Header{"Accept": {"text/html,*/*;q=0.8"}})
		assert.Equal(t, http.StatusFound, res.status)
		assert.Equal(t, "/login?next=%2Fapi%2Fme", res.header.Get("Location"))
	})
	t.Run("a token cannot make tokens", func(t *testing.T) {
		res := s.api(http.MethodPost, "/api/tokens", token, nil)
		assert.Equal(t, http.StatusForbidden, res.status)
	})
	t.Run("tokens only work on the API", func(t *testing.T) {
		res := s.api(http.MethodGet, "/dashboard", token, nil)
		assert.Equal(t, http.StatusUnauthorized, res.status, "an API client is told, not redirected")
	})
	t.Run("anonymous cannot make tokens", func(t *testing.T) {
		res := s.api(http.MethodPost, "/api/tokens", "", nil)
		assert.Equal(t, http.StatusUnauthorized, res.status)
	})
}

func TestAPITokensOfDeactivatedUsersStopWorking(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	require.NoError(t, app.RunUserCommand(context.Background(), s.cfg, []string{"deactivate", "ada@example.com"}, nil, new(strings.Builder)))
	assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)
	require.NoError(t, app.RunUserCommand(context.Background(), s.cfg, []string{"activate", "ada@example.com"}, nil, new(strings.Builder)))
	assert.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
}

func TestAPITokenRevocation(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	m := regexp.MustCompile(`action="/profile/tokens/revoke"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="id" value="([^"]+)">`).FindStringSubmatch(b.get("/profile").body)
	require.NotNil(t, m, "the profile lists the token with a revoke button")

	res := b.post("/profile/tokens/revoke", url.Values{"id": {m[1]}})
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Contains(t, b.get("/profile").body, "The API token was revoked.")
	assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)

	b.post("/profile/tokens/revoke", url.Values{"id": {m[1]}})
	assert.Contains(t, b.get("/profile").body, "That API token was not found.")
}
