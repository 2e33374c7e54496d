package app_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisBackend is a Redis to test against: a miniredis, or the server of
// REDIS_URL, with a key prefix of the test's own.
type redisBackend struct {
	name, url, prefix string
	keys              func(t *testing.T) []string
}

func redisBackends(t *testing.T) []redisBackend {
	mr := miniredis.RunT(t)
	backends := []redisBackend{{
		name: "miniredis", url: "redis://" + mr.Addr() + "/0", prefix: "test:",
		keys: func(*testing.T) []string { return mr.Keys() },
	}}
	if u := os.Getenv("REDIS_URL"); u != "" {
		prefix := "ginlogin-example-test-" + testenv.RandomName(t) + ":"
		keys := func(t *testing.T) []string {
			conn, err := redis.DialURL(u)
			require.NoError(t, err)
			defer conn.Close()
			keys, err := redis.Strings(conn.Do("KEYS", prefix+"*"))
			require.NoError(t, err)
			return keys
		}
		t.Cleanup(func() {
			conn, err := redis.DialURL(u)
			if err != nil {
				return
			}
			defer conn.Close()
			for _, k := range keys(t) {
				_, _ = conn.Do("DEL", k)
			}
		})
		backends = append(backends, redisBackend{name: "REDIS_URL", url: u, prefix: prefix, keys: keys})
	} else {
		t.Log("REDIS_URL is not set: testing Redis sessions against miniredis only")
	}
	return backends
}

func TestRedisSessions(t *testing.T) {
	for _, rb := range redisBackends(t) {
		t.Run(rb.name, func(t *testing.T) {
			s := newSite(t, func(c *app.Config) { c.RedisURL, c.RedisKeyPrefix = rb.url, rb.prefix })
			assert.Contains(t, s.app.Stores(), "sessions in redis:")

			b := s.browser()
			b.register("ada@example.com", "Ada", testPassword)
			keys := rb.keys(t)
			require.NotEmpty(t, keys, "the session lives in Redis")
			for _, k := range keys {
				assert.True(t, strings.HasPrefix(k, rb.prefix), k)
			}
			assert.Less(t, len(b.cookie("session").Value), 200, "the cookie holds only the signed session ID")
			assert.Contains(t, b.get("/dashboard").body, "Hello, Ada")

			copied := s.browser()
			copied.jar.SetCookies(mustURL(t, s.srv.URL), b.jar.Cookies(mustURL(t, s.srv.URL)))
			require.Equal(t, http.StatusSeeOther, b.post("/logout", nil).status)
			assert.Contains(t, b.get("/").body, "You have been logged out.")
			assert.False(t, b.loggedIn())
			assert.False(t, copied.loggedIn(), "the old session was deleted from Redis")

			require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status)
			b.dropCookie("session")
			assert.True(t, b.loggedIn(), "remember me works with Redis sessions")
			assert.Equal(t, http.StatusOK, b.get("/healthz").status)
		})
	}
}

func TestRedisDownAtStartupFailsWithAClearMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	cfg := testConfig(t, newClock(), &testenv.LockedBuffer{})
	cfg.RedisURL = "redis://" + addr + "/0"
	_, err = app.New(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "REDIS_URL")
	assert.Contains(t, err.Error(), "cannot reach Redis at redis://"+addr)
}

func TestRedisOutageAnswers503AndRecovers(t *testing.T) {
	mr := miniredis.RunT(t)
	s := newSite(t, func(c *app.Config) { c.RedisURL = "redis://" + mr.Addr() + "/0" })
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	require.True(t, b.loggedIn())

	mr.Close()
	for range 3 { // the first request meets the pooled connection, the next ones a refused dial
		res := b.get("/dashboard")
		assert.Equal(t, http.StatusServiceUnavailable, res.status)
		assert.Contains(t, res.body, "Temporarily unavailable")
	}
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/api/me", nil)
	require.NoError(t, err)
	res := b.do(req)
	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.body, `"error":"unavailable"`)
	assert.Equal(t, http.StatusServiceUnavailable, b.get("/healthz").status)

	require.NoError(t, mr.Restart())
	assert.True(t, b.loggedIn(), "the site recovers by itself, and the session survived")
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}
