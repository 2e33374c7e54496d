package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withRoutes serves s's app with routes added the way a new route would
// be declared, and returns a site pointing at that server.
func withRoutes(t *testing.T, s *site, add func(r *gin.Engine)) *site {
	t.Helper()
	srv := httptest.NewServer(app.HandlerWithRoutes(s.app, add))
	t.Cleanup(srv.Close)
	copied := *s
	copied.srv = srv
	return &copied
}

func TestARouteAddedWithoutAGuardNeedsALogin(t *testing.T) {
	s := withRoutes(t, newSite(t), func(r *gin.Engine) {
		r.GET("/reports", func(c *gin.Context) { c.String(http.StatusOK, "secret report") })
	})
	anon := s.browser()
	res := anon.get("/reports")
	assert.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/login?next=%2Freports", res.location())
	assert.NotContains(t, res.body, "secret report")

	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/reports", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	res = anon.do(req)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, `"error":"unauthorized"`)

	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res = b.get("/reports")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "secret report", res.body)
}

// Every route of the app needs a login except those declared with
// ginlogin.Public: an anonymous request to any other one is sent to the
// login page. The list of open routes is written out here, so opening a
// route is a change a reviewer sees twice.
func TestOnlyTheRoutesDeclaredPublicAreOpen(t *testing.T) {
	var routes gin.RoutesInfo
	s := withRoutes(t, newSite(t), func(r *gin.Engine) { routes = r.Routes() })
	require.NotEmpty(t, routes)
	want := []string{
		"GET /", "GET /healthz", "GET /login", "GET /logout", "GET /register", "GET /static/style.css",
		"POST /login", "POST /logout", "POST /register",
	}
	var open []string
	for _, rt := range routes {
		b := s.browser()
		var res response
		if rt.Method == http.MethodGet {
			res = b.get(rt.Path)
		} else {
			res = b.post(rt.Path, url.Values{}) // with the anonymous session's CSRF token
		}
		if !strings.HasPrefix(res.location(), "/login?next=") {
			open = append(open, rt.Method+" "+rt.Path)
		}
	}
	assert.ElementsMatch(t, want, open)
	assert.Equal(t, http.StatusNotFound, s.browser().get("/no-such-page").status, "unknown pages answer 404 to everybody")
}
