package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"

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

func TestExpiredDevicesAreDeletedInTheBackground(t *testing.T) {
	s := newSite(t, func(c *app.Config) { c.CleanupInterval = 10 * time.Millisecond })
	s.browser().register("ada@example.com", "Ada", testPassword)
	count := func() int {
		var n int
		require.NoError(t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM ginlogin_devices").Scan(&n))
		return n
	}
	require.Equal(t, 1, count())
	s.clock.Advance(13 * time.Hour) // past the session's absolute timeout
	deadline := time.Now().Add(10 * time.Second)
	for count() != 0 {
		require.True(t, time.Now().Before(deadline), "the expired device was not deleted")
		time.Sleep(10 * time.Millisecond)
	}
	assert.Contains(t, s.logs.String(), "deleted expired devices")
}
