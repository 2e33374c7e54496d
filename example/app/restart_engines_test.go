package app_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// After Redis or PostgreSQL restarts, the first request on every instance
// succeeds: also on an instance that stayed idle through the outage and
// still holds pooled connections to the old server, which it must notice
// before it answers 503. The engines are private children of the test (see
// outage_engines_test.go), so restarting them disturbs no other test.

func TestRedisRestartFirstRequestOnEveryInstanceSucceeds(t *testing.T) {
	rs := startPrivateRedis(t)
	busy, idle := newPair(t, storeSetup{"private redis", func(t *testing.T, cfg *app.Config) {
		cfg.RedisURL = rs.url()
		if os.Getenv("DATABASE_URL") != "" {
			cfg.DatabaseURL = postgresURL(t)
		}
	}})
	firstRequestAfterRestart(t, rs, busy, idle)
}

func TestPostgresRestartFirstRequestOnEveryInstanceSucceeds(t *testing.T) {
	pg := startPrivatePostgres(t)
	// Cookie sessions: only the database restarts.
	busy, idle := newPair(t, storeSetup{"private postgres", func(t *testing.T, cfg *app.Config) {
		cfg.DatabaseURL = pg.url()
	}})
	firstRequestAfterRestart(t, pg, busy, idle)
}

// firstRequestAfterRestart fills both instances' connection pools, stops
// eng while busy keeps serving (503s) and idle gets no request at all,
// starts eng again and sends each instance exactly one request, which must
// be answered 200. The browser that sends it logged in with "remember me",
// so its login survives a Redis that forgot every session: the request
// reads and writes the session store and reads the database.
func firstRequestAfterRestart(t *testing.T, eng engine, busy, idle *site) {
	busy.browser().register("ada@example.com", "Ada", testPassword)
	remembered := map[*site]*browser{}
	for _, s := range []*site{busy, idle} {
		b := s.browser()
		require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status)
		require.True(t, b.loggedIn())
		fillPool(t, s, b, 8)
		remembered[s] = b
	}
	during := busy.browser()
	require.Equal(t, http.StatusSeeOther, during.login("ada@example.com", testPassword, false).status)

	eng.stop(t)
	res := during.get("/dashboard")
	require.Equal(t, http.StatusServiceUnavailable, res.status, "the busy instance notices the outage: %.200s", res.body)
	eng.start(t)
	t.Logf("%s restarted", eng.name())

	for _, s := range []*site{idle, busy} { // the idle one first: nothing has touched its pool since the outage
		status, greets := remembered[s].dashboardOf("Ada")
		assert.Equal(t, http.StatusOK, status, "%s instance: the first request after the restart", map[*site]string{busy: "busy", idle: "idle"}[s])
		assert.True(t, greets)
	}
	assert.NotContains(t, idle.logs.String(), "status=503", "the idle instance never answered 503")
}

// fillPool sends n requests at once as b, so that the instance's pools
// hold several connections, idle afterwards.
func fillPool(t *testing.T, s *site, b *browser, n int) {
	t.Helper()
	u := mustURL(t, s.srv.URL)
	var cookies []string
	for _, c := range b.jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/dashboard", nil)
			if err != nil {
				t.Errorf("request: %v", err)
				return
			}
			req.Header.Set("Cookie", strings.Join(cookies, "; "))
			req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("GET /dashboard: %v", err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET /dashboard while filling the pools: %s", fmt.Sprint(res.StatusCode))
			}
		}()
	}
	wg.Wait()
}
