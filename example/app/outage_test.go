package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A database that fails answers 503 with a page (JSON for the API), never
// 500 or a panic.
func TestDatabaseFailureAnswers503(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	require.NoError(t, s.app.Database().DB.Close())

	for _, path := range []string{"/dashboard", "/", "/profile"} {
		res := b.get(path)
		assert.Equal(t, http.StatusServiceUnavailable, res.status, path)
		assert.Contains(t, res.body, "Temporarily unavailable", path)
		assert.Equal(t, "5", res.header.Get("Retry-After"), path)
		assert.Equal(t, "no-store", res.header.Get("Cache-Control"), path)
	}

	res := s.api(http.MethodGet, "/api/me", token, nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.body, `"error":"unavailable"`)

	anon := s.browser()
	anon.get("/login")
	res = anon.login("ada@example.com", testPassword, false)
	assert.Equal(t, http.StatusServiceUnavailable, res.status, "login")
	assert.Contains(t, res.body, "Temporarily unavailable")

	res = anon.post("/register", map[string][]string{"email": {"bob@example.com"}, "name": {"Bob"}, "password": {testPassword}, "confirm_password": {testPassword}})
	assert.Equal(t, http.StatusServiceUnavailable, res.status, "register")

	res = anon.get("/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.body, `"database":"unavailable"`)
}

func TestHealth(t *testing.T) {
	s := newSite(t)
	res := s.browser().get("/healthz")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `"database":"ok"`)
}
