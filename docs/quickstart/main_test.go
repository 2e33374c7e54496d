package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	gin.DefaultWriter = io.Discard // the request log
	os.Exit(m.Run())
}

var testSecret = []byte("quickstart-test-secret-0123456789-abcdefghijklmnop")

// startSite serves the quick start and returns a client with a cookie jar
// that does not follow redirects, as curl -c/-b does.
func startSite(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	h, err := newSite(testSecret)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return srv, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func send(t *testing.T, client *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func loginRequest(t *testing.T, srv *httptest.Server, header http.Header) *http.Request {
	t.Helper()
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery staple"}}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return req
}

// TestQuickStartRefusesCrossSiteLogin: another site cannot post its own
// credentials to /login for a visitor's browser (login CSRF); the right
// password does not help.
func TestQuickStartRefusesCrossSiteLogin(t *testing.T) {
	srv, client := startSite(t)
	for _, tt := range []struct {
		name   string
		header http.Header
	}{
		{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}},
		{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"Origin of another host, no Sec-Fetch-Site", http.Header{"Origin": {"https://evil.example"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := send(t, client, loginRequest(t, srv, tt.header))
			assert.Equal(t, http.StatusForbidden, res.StatusCode)
			assert.Empty(t, res.Header.Values("Set-Cookie"), "no session was made")
		})
	}
	for _, tt := range []struct {
		name   string
		header http.Header
	}{
		{"the site's own form", http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {srv.URL}}},
		{"curl, which sends neither header", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := send(t, client, loginRequest(t, srv, tt.header))
			assert.Equal(t, http.StatusSeeOther, res.StatusCode)
			assert.Equal(t, "/dashboard", res.Header.Get("Location"))
		})
	}
}

// TestQuickStartTranscript replays the README's curl transcript.
func TestQuickStartTranscript(t *testing.T) {
	srv, client := startSite(t)
	get := func(path string, header http.Header) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		return send(t, client, req)
	}

	res, _ := get("/dashboard", http.Header{"Accept": {"text/html"}}) // a browser
	assert.Equal(t, http.StatusFound, res.StatusCode)
	assert.Equal(t, "/login?next=%2Fdashboard", res.Header.Get("Location"))
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Contains(t, res.Header.Get("Set-Cookie"), "; Path=/; HttpOnly; Secure; SameSite=Lax")

	req := loginRequest(t, srv, nil)
	form := url.Values{"email": {"ada@example.com"}, "password": {"correct horse battery staple"}, "remember": {"on"}}
	req.Body = io.NopCloser(strings.NewReader(form.Encode()))
	req.ContentLength = int64(len(form.Encode()))
	res, _ = send(t, client, req)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/dashboard", res.Header.Get("Location"))
	cookies := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	assert.Contains(t, cookies, "session=")
	assert.Contains(t, cookies, "remember_token=")
	assert.Contains(t, cookies, "Max-Age=2592000; HttpOnly; Secure; SameSite=Lax")

	res, body := get("/dashboard", nil)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Hello, Ada!\n", body)
	assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))

	res, body = send(t, http.DefaultClient, mustRequest(t, srv.URL+"/api/me", http.Header{"Accept": {"*/*"}})) // plain curl
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"error":"unauthorized","message":"Please log in to access this page."}`, body)
}

func mustRequest(t *testing.T, target string, header http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	req.Header = header
	return req
}

// TestQuickStartIsTheREADMEs: the README shows this program, from
// "package main" to its end.
func TestQuickStartIsTheREADMEs(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	program := string(src[strings.Index(string(src), "package main"):])
	assert.True(t, strings.Contains(string(readme), "```go\n"+program+"```\n"), "the README's quick start differs from docs/quickstart/main.go: copy it over")
}
