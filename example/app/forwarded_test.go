package app_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forgedHeaders are the forwarding headers a client can send to pose as a
// proxy's client, or to change the paths and hosts the site builds.
var forgedHeaders = []struct{ name, value string }{
	{"X-Forwarded-For", "203.0.113.9"},
	{"X-Real-IP", "203.0.113.9"},
	{"X-Forwarded-Prefix", "/evil"},
	{"X-Forwarded-Host", "evil.example"},
	{"X-Forwarded-Proto", "https"},
	{"Forwarded", "for=203.0.113.9;host=evil.example;proto=https"},
}

// serve sends one request straight to the handler from the peer address.
func serve(t *testing.T, h http.Handler, peer, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = peer
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// randomValues matches the parts of a page that differ on every request.
var randomValues = regexp.MustCompile(`name="csrf_token" value="[^"]*"`)

func TestForwardedHeadersFromUntrustedPeersShapeNothing(t *testing.T) {
	s := newSite(t)
	h := s.app.Handler()
	const peer = "198.51.100.20:41234"
	requests := []struct{ method, target string }{
		{http.MethodGet, "/dashboard/"}, // Gin's trailing-slash redirect
		{http.MethodGet, "/dashboard"},  // the login redirect with next
		{http.MethodGet, "/login?next=%2Fprofile"},
		{http.MethodGet, "/api/me"},
		{http.MethodGet, "/no-such-page"},
		{http.MethodGet, "/healthz"},
	}
	for _, r := range requests {
		want := serve(t, h, peer, r.method, r.target, nil)
		for _, f := range forgedHeaders {
			t.Run(f.name+" "+r.method+" "+r.target, func(t *testing.T) {
				got := serve(t, h, peer, r.method, r.target, http.Header{http.CanonicalHeaderKey(f.name): {f.value}})
				assert.Equal(t, want.Code, got.Code)
				assert.Equal(t, want.Header().Get("Location"), got.Header().Get("Location"))
				assert.Equal(t, randomValues.ReplaceAllString(want.Body.String(), ""), randomValues.ReplaceAllString(got.Body.String(), ""))
				assert.NotContains(t, got.Header().Get("Location"), "evil")
			})
		}
	}
}

func TestForwardedPrefixIsHonouredOnlyFromATrustedProxy(t *testing.T) {
	s := newSite(t, func(c *app.Config) { c.TrustedProxies = []string{"198.51.100.0/28"} })
	h := s.app.Handler()
	prefix := http.Header{"X-Forwarded-Prefix": {"/site"}}

	res := serve(t, h, "198.51.100.5:41234", http.MethodGet, "/dashboard/", prefix)
	assert.Equal(t, http.StatusMovedPermanently, res.Code)
	assert.Equal(t, "/site/dashboard", res.Header().Get("Location"), "the proxy's prefix is honoured")

	res = serve(t, h, "198.51.100.99:41234", http.MethodGet, "/dashboard/", prefix)
	assert.Equal(t, http.StatusMovedPermanently, res.Code)
	assert.Equal(t, "/dashboard", res.Header().Get("Location"), "a client outside the proxy range is not")

	res = serve(t, h, "[::ffff:198.51.100.5]:41234", http.MethodGet, "/dashboard/", prefix)
	assert.Equal(t, "/site/dashboard", res.Header().Get("Location"), "an IPv4-mapped peer is the same proxy")
}

// headerTransport adds headers to every request of a test browser, as a
// client forging them (or a proxy setting them) would.
type headerTransport struct {
	header http.Header
}

func (h *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range h.header {
		req.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(req)
}

// withHeaders makes the browser send header on every request from now on.
func (b *browser) withHeaders(header http.Header) *headerTransport {
	tr := &headerTransport{header: header}
	b.client.Transport = tr
	return tr
}

// With strong session protection a session used from another address is
// logged out. The address is the TCP peer unless a trusted proxy names the
// client: forged X-Forwarded-For or X-Real-IP headers neither change it nor
// keep it (the test server's clients connect from 127.0.0.1).
func TestSessionProtectionUsesForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	strong := func(c *app.Config) { c.SessionProtection = ginlogin.ProtectionStrong }

	t.Run("untrusted", func(t *testing.T) {
		s := newSite(t, strong)
		s.browser().register("ada@example.com", "Ada", testPassword)
		b := s.browser()
		tr := b.withHeaders(http.Header{"X-Forwarded-For": {"203.0.113.7"}, "X-Real-Ip": {"203.0.113.7"}})
		require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, false).status)
		tr.header = http.Header{"X-Forwarded-For": {"198.51.100.9"}, "X-Real-Ip": {"198.51.100.9"}}
		assert.True(t, b.loggedIn(), "the forged client address did not change the session's address")
		tr.header = nil
		assert.True(t, b.loggedIn())
	})
	t.Run("trusted proxy", func(t *testing.T) {
		s := newSite(t, strong, func(c *app.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
		s.browser().register("ada@example.com", "Ada", testPassword)
		b := s.browser()
		tr := b.withHeaders(http.Header{"X-Forwarded-For": {"203.0.113.7"}})
		require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, false).status)
		assert.True(t, b.loggedIn())
		tr.header = http.Header{"X-Forwarded-For": {"198.51.100.9"}}
		assert.False(t, b.loggedIn(), "the proxy says the session moved to another client: strong protection logs it out")
	})
}
