package app_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storeSetup is one way to share stores between instances. apply points a
// configuration at them, or skips the test when its engines are not there.
type storeSetup struct {
	name  string
	apply func(t *testing.T, cfg *app.Config)
}

// storeSetups are the shared stores the scale-out tests run on: the
// embedded default (one SQLite file, cookie sessions), Redis sessions on
// miniredis with one SQLite file (so `make test` runs them without
// engines), and the real engines of REDIS_URL and DATABASE_URL, each test
// in a key prefix and a schema of its own.
var storeSetups = []storeSetup{
	{"cookie+sqlite", func(*testing.T, *app.Config) {}},
	{"miniredis+sqlite", func(t *testing.T, cfg *app.Config) {
		cfg.RedisURL = "redis://" + miniredis.RunT(t).Addr() + "/0"
	}},
	{"redis+postgres", func(t *testing.T, cfg *app.Config) {
		if os.Getenv("REDIS_URL") == "" || os.Getenv("DATABASE_URL") == "" {
			t.Skip("REDIS_URL and DATABASE_URL are not both set: skipping the Redis + PostgreSQL variant (CI sets them); the miniredis + SQLite variant ran instead")
		}
		backends := redisBackends(t)
		shared := backends[len(backends)-1]
		cfg.RedisURL, cfg.RedisKeyPrefix = shared.url, shared.prefix
		cfg.DatabaseURL = postgresURL(t)
	}},
}

// newInstance serves an app built from cfg on a listener of its own, with
// its own log.
func newInstance(t *testing.T, cfg app.Config, clk *clock) *site {
	t.Helper()
	logs := &testenv.LockedBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	a, err := app.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &site{t: t, app: a, srv: srv, clock: clk, logs: logs, cfg: cfg}
}

// newPair starts two instances of the site on two ports, sharing the
// secret key, the clock and the stores of setup, as behind a load
// balancer.
func newPair(t *testing.T, setup storeSetup, opts ...func(*app.Config)) (a, b *site) {
	t.Helper()
	clk := newClock()
	cfg := testConfig(t, clk, io.Discard)
	setup.apply(t, &cfg)
	for _, o := range opts {
		o(&cfg)
	}
	a, b = newInstance(t, cfg, clk), newInstance(t, cfg, clk)
	require.NotEqual(t, a.srv.URL, b.srv.URL)
	return a, b
}

// on points the browser at instance s. Cookie jars keep cookies per host,
// not per port, so the browser keeps its cookies: it is the same browser
// whose requests a load balancer sends to another instance.
func (b *browser) on(s *site) *browser {
	b.s = s
	return b
}

// replay returns a second browser holding a copy of b's cookies, as an
// attacker who copied them would, pointed at s.
func (b *browser) replay(s *site) *browser {
	b.t.Helper()
	c := s.browser()
	u := mustURL(b.t, s.srv.URL)
	c.jar.SetCookies(u, b.jar.Cookies(u))
	return c
}

// dashboardOf returns the dashboard's status and whether it greets name.
func (b *browser) dashboardOf(name string) (int, bool) {
	b.t.Helper()
	res := b.get("/dashboard")
	return res.status, strings.Contains(res.body, "Hello, "+name)
}

// me returns the e-mail /api/me answers for the browser's session, or ""
// with the status when it is not 200.
func (b *browser) me() (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.s.srv.URL+"/api/me", nil)
	require.NoError(b.t, err)
	req.Header.Set("Accept", "application/json")
	res := b.do(req)
	if res.status != http.StatusOK {
		return res.status, ""
	}
	var me struct{ Email string }
	require.NoError(b.t, json.Unmarshal([]byte(res.body), &me), res.body)
	return res.status, me.Email
}

const newTestPassword = "a much better passphrase"

// TestTwoInstancesBehaveAsOneSite checks, on every shared store setup, that
// two instances on two ports are one site: a login, a logout, a password
// change and a remember token made on one are in force on the other.
func TestTwoInstancesBehaveAsOneSite(t *testing.T) {
	for _, setup := range storeSetups {
		t.Run(setup.name, func(t *testing.T) {
			a, b := newPair(t, setup)
			for _, s := range []*site{a, b} {
				assert.Contains(t, s.app.Stores(), map[bool]string{true: "postgres:", false: "sqlite:"}[s.cfg.DatabaseURL != ""])
				assert.Contains(t, s.app.Stores(), map[bool]string{true: "sessions in redis:", false: "sessions in encrypted cookies"}[s.cfg.RedisURL != ""])
			}

			t.Run("a login on A is a login on B", func(t *testing.T) {
				ada := a.browser()
				ada.register("ada@example.com", "Ada", testPassword)
				status, greets := ada.on(b).dashboardOf("Ada")
				assert.Equal(t, http.StatusOK, status)
				assert.True(t, greets, "B greets the user who logged in on A")
				status, email := ada.me()
				assert.Equal(t, http.StatusOK, status)
				assert.Equal(t, "ada@example.com", email)
				status, email = ada.on(a).me()
				assert.Equal(t, http.StatusOK, status)
				assert.Equal(t, "ada@example.com", email)

				res := ada.on(b).post("/logout", nil) // the CSRF token from A's page works on B
				require.Equal(t, http.StatusSeeOther, res.status, res.body)
				require.Equal(t, http.StatusSeeOther, ada.on(a).login("ada@example.com", testPassword, false).status, "A knows the account registered on A")
				require.Equal(t, http.StatusSeeOther, ada.on(b).post("/logout", nil).status)
				require.Equal(t, http.StatusSeeOther, ada.on(b).login("ada@example.com", testPassword, false).status, "so does B")
				assert.True(t, ada.on(a).loggedIn())
			})

			t.Run("a logout on B ends the cookies on A", func(t *testing.T) {
				laptop := a.browser()
				require.Equal(t, http.StatusSeeOther, laptop.login("ada@example.com", testPassword, true).status)
				require.NotNil(t, laptop.cookie("remember_token"))
				stolenSession, stolenRemember := laptop.replay(a), laptop.replay(a)
				stolenRemember.dropCookie("session")
				require.True(t, stolenSession.loggedIn(), "the copies work while the login lasts")

				res := laptop.on(b).post("/logout", nil)
				require.Equal(t, http.StatusSeeOther, res.status, res.body)
				assert.False(t, laptop.loggedIn())
				assert.False(t, laptop.on(a).loggedIn())
				status, _ := stolenSession.me()
				assert.Equal(t, http.StatusUnauthorized, status, "A refuses the old session cookie on the API")
				assert.False(t, stolenSession.loggedIn(), "and on pages")
				require.NotNil(t, stolenRemember.cookie("remember_token"))
				require.Nil(t, stolenRemember.cookie("session"))
				assert.False(t, stolenRemember.loggedIn(), "A refuses the old remember cookie")
			})

			t.Run("a password change on A logs the other devices out on B", func(t *testing.T) {
				changer := a.browser()
				require.Equal(t, http.StatusSeeOther, changer.login("ada@example.com", testPassword, true).status)
				phone := b.browser()
				require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)
				phoneRemember := phone.replay(b)
				phoneRemember.dropCookie("session")
				token := changer.createToken()
				require.True(t, phone.loggedIn())

				require.Equal(t, http.StatusOK, changer.get("/admin").status, "a login made with the password is fresh")
				res := changer.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {newTestPassword}, "confirm_password": {newTestPassword}})
				require.Equal(t, http.StatusSeeOther, res.status, res.body)

				assert.False(t, phone.loggedIn(), "B ends the phone's session")
				assert.False(t, phoneRemember.loggedIn(), "B refuses the phone's remember cookie")
				assert.True(t, changer.loggedIn(), "the browser that changed the password stays logged in on A")
				assert.True(t, changer.on(b).loggedIn(), "and on B")
				assert.Equal(t, http.StatusUnauthorized, b.api(http.MethodGet, "/api/me", token, nil).status, "B refuses the API tokens the password change revoked")
				assert.Equal(t, http.StatusUnauthorized, b.browser().login("ada@example.com", testPassword, false).status, "B refuses the old password")
				assert.Equal(t, http.StatusSeeOther, b.browser().login("ada@example.com", newTestPassword, false).status, "B accepts the new one")
			})

			t.Run("a remember token restored on B rotates and A accepts the new one", func(t *testing.T) {
				br := a.browser()
				require.Equal(t, http.StatusSeeOther, br.login("ada@example.com", newTestPassword, true).status)
				first := br.cookie("remember_token").Value
				br.dropCookie("session") // the browser restarted

				status, greets := br.on(b).dashboardOf("Ada")
				require.Equal(t, http.StatusOK, status)
				assert.True(t, greets, "B restores the login from the remember cookie")
				assert.Contains(t, b.logs.String(), "login restored from a remember cookie")
				second := br.cookie("remember_token").Value
				assert.NotEqual(t, first, second, "B rotated the token")

				br.dropCookie("session")
				status, greets = br.on(a).dashboardOf("Ada")
				require.Equal(t, http.StatusOK, status)
				assert.True(t, greets, "A accepts the token B issued")
				third := br.cookie("remember_token").Value
				assert.NotEqual(t, second, third, "A rotated it again")

				// A request that left with the token before the rotation and
				// reached the other instance: accepted within the grace window.
				parallel := br.replay(b)
				parallel.dropCookie("session")
				parallel.jar.SetCookies(mustURL(t, b.srv.URL), []*http.Cookie{{Name: "remember_token", Value: second, Path: "/"}})
				assert.True(t, parallel.loggedIn(), "the previous token is accepted for %s", ginlogin.DefaultRotationGrace)

				// The browser comes back with the session A gave it, which
				// confirms that the rotated token arrived.
				require.True(t, br.on(a).loggedIn())
				a.clock.Advance(ginlogin.DefaultRotationGrace + time.Second)
				late := b.browser()
				late.jar.SetCookies(mustURL(t, b.srv.URL), []*http.Cookie{{Name: "remember_token", Value: second, Path: "/"}})
				assert.False(t, late.loggedIn(), "after the grace window B refuses the superseded token")
				assert.Contains(t, b.logs.String(), "a remember token was used by two browsers")
				br.dropCookie("session")
				assert.False(t, br.on(a).loggedIn(), "a replayed token is taken for theft: A refuses every token of the user")
			})
		})
	}
}
