package app_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postAtOnce sends n copies of form to path at the same moment, with b's
// cookies and CSRF token, and returns the answers' statuses. It does not
// touch b's state, so the requests may run in parallel.
func (b *browser) postAtOnce(path string, form url.Values, n int) []int {
	b.t.Helper()
	form.Set("csrf_token", b.csrf)
	body := form.Encode()
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, b.s.srv.URL+path, strings.NewReader(body))
			if err != nil {
				b.t.Errorf("request: %v", err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			req.Header.Set("Origin", b.s.srv.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36")
			<-start
			res, err := b.client.Do(req)
			if err != nil {
				b.t.Errorf("POST %s: %v", path, err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

// count returns how many of statuses are want.
func count(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

// throttleStores are the stores the policy tests run on: the in-process
// limiters, and the Redis of REDIS_URL (skipped when it is not set).
var throttleStores = []storeSetup{
	{"memory", func(*testing.T, *app.Config) {}},
	{"REDIS_URL", func(t *testing.T, cfg *app.Config) {
		u := os.Getenv("REDIS_URL")
		if u == "" {
			t.Skip("REDIS_URL is not set: skipping the Redis variant of the throttle (CI sets it)")
		}
		prefix := "ginlogin-example-test-" + testenv.RandomName(t) + ":"
		t.Cleanup(func() { deleteRedisKeys(t, u, prefix) })
		cfg.RedisURL, cfg.RedisKeyPrefix = u, prefix
	}},
}

// Twenty wrong passwords sent at once to each password form: only the
// account's burst is checked, every other attempt is answered 429 without
// its password being looked at. bcrypt runs at a cost that keeps each check
// busy for a while, so that without the reservation all twenty would pass
// the check before the first failure was counted.
func TestPasswordChecksAreReservedAtomically(t *testing.T) {
	const burst, parallel = 5, 20
	endpoints := []struct {
		name, path string
		form       url.Values
		checked    int // the status of a checked wrong password
	}{
		{"login", "/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password"}}, http.StatusUnauthorized},
		{"reauthenticate", "/reauthenticate", url.Values{"password": {"wrong password"}}, http.StatusUnauthorized},
		{"password change", "/profile/password", url.Values{"current_password": {"wrong password"},
			"new_password": {"another long password"}, "confirm_password": {"another long password"}}, http.StatusBadRequest},
	}
	for _, store := range throttleStores {
		t.Run(store.name, func(t *testing.T) {
			for _, ep := range endpoints {
				t.Run(ep.name, func(t *testing.T) {
					s := newSite(t, func(c *app.Config) {
						store.apply(t, c)
						c.BcryptCost = 8
						c.Throttle.FailuresPerAccount = app.Limit{Burst: burst, Every: time.Hour}
						c.Throttle.ReauthPerAddress = app.Limit{Burst: 1000, Every: time.Millisecond}
					})
					b := s.browser()
					b.register("ada@example.com", "Ada", testPassword)
					statuses := b.postAtOnce(ep.path, ep.form, parallel)
					assert.Equal(t, burst, count(statuses, ep.checked), "checked: %v", statuses)
					assert.Equal(t, parallel-burst, count(statuses, http.StatusTooManyRequests), "throttled: %v", statuses)
				})
			}
		})
	}
}

// /reauthenticate and the password change share a per-address limit, for
// every account behind the address.
func TestReauthIsThrottledPerAddress(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.ReauthPerAddress = app.Limit{Burst: 3, Every: time.Hour}
	})
	ada, bob := s.browser(), s.browser()
	ada.register("ada@example.com", "Ada", testPassword)
	bob.register("bob@example.com", "Bob", testPassword)
	for range 2 {
		assert.Equal(t, http.StatusUnauthorized, ada.post("/reauthenticate", url.Values{"password": {"wrong password"}}).status)
	}
	assert.Equal(t, http.StatusBadRequest, ada.post("/profile/password", url.Values{"current_password": {"wrong password"}}).status)
	res := bob.post("/reauthenticate", url.Values{"password": {testPassword}})
	assert.Equal(t, http.StatusTooManyRequests, res.status, "another account from the same address")
	assert.NotEmpty(t, res.header.Get("Retry-After"))
	assert.Equal(t, http.StatusTooManyRequests, bob.post("/profile/password", url.Values{"current_password": {testPassword}}).status)
	assert.Equal(t, http.StatusUnauthorized, s.browser().login("ada@example.com", "wrong password", false).status,
		"the login form has its own per-address limit")
}

var csrfValue = regexp.MustCompile(`value="[A-Za-z0-9_-]{20,}"`)

// A throttled attempt is refused before its password is checked: the
// right password and a wrong one get the same answer, and the right one
// does not count as a success.
func TestThrottledAnswerIsTheSameWhateverThePassword(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.FailuresPerAccount = app.Limit{Burst: 2, Every: time.Hour}
	})
	s.browser().register("ada@example.com", "Ada", testPassword)
	attacker := s.browser()
	for range 2 {
		require.Equal(t, http.StatusUnauthorized, attacker.login("ada@example.com", "wrong password", false).status)
	}
	right := attacker.login("ada@example.com", testPassword, false)
	wrong := attacker.login("ada@example.com", "wrong password", false)
	assert.Equal(t, http.StatusTooManyRequests, right.status)
	assert.Equal(t, right.status, wrong.status)
	assert.Equal(t, right.header.Get("Retry-After"), wrong.header.Get("Retry-After"))
	assert.Equal(t, csrfValue.ReplaceAllString(right.body, ""), csrfValue.ReplaceAllString(wrong.body, ""))
	assert.Nil(t, attacker.cookie(app.DeviceCookieName), "no device cookie for a password that was not checked")
	assert.False(t, attacker.loggedIn())
}

// A correct password gives its attempt back: only failures use up the
// account's allowance, so an owner who logs in often is never throttled,
// and the failures before a success still count.
func TestCorrectPasswordGivesItsAttemptBack(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.FailuresPerAccount = app.Limit{Burst: 3, Every: time.Hour}
	})
	s.browser().register("ada@example.com", "Ada", testPassword)
	b := s.browser()
	for range 5 {
		require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, false).status)
		require.Equal(t, http.StatusSeeOther, b.post("/logout", nil).status)
		b.dropCookie(app.DeviceCookieName) // as a browser without a device cookie
	}
	for range 2 {
		assert.Equal(t, http.StatusUnauthorized, b.login("ada@example.com", "wrong password", false).status)
	}
	assert.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, false).status)
	b.post("/logout", nil)
	b.dropCookie(app.DeviceCookieName)
	assert.Equal(t, http.StatusUnauthorized, b.login("ada@example.com", "wrong password", false).status, "the third failure")
	assert.Equal(t, http.StatusTooManyRequests, b.login("ada@example.com", "wrong password", false).status)
}

// With REDIS_URL the counters live in Redis and every instance shares
// them: wrong passwords spread over two instances (each with a database of
// its own, so nothing else is shared) get the account's burst in total,
// not once per instance. Runs on miniredis and on the Redis of REDIS_URL.
func TestThrottleIsSharedByInstances(t *testing.T) {
	const burst = 5
	redisURLs := map[string]string{"miniredis": "redis://" + miniredis.RunT(t).Addr() + "/0"}
	if u := os.Getenv("REDIS_URL"); u != "" {
		redisURLs["REDIS_URL"] = u
	}
	for name, redisURL := range redisURLs {
		t.Run(name, func(t *testing.T) {
			prefix := "ginlogin-example-test-" + testenv.RandomName(t) + ":"
			t.Cleanup(func() { deleteRedisKeys(t, redisURL, prefix) })
			shared := func(c *app.Config) {
				c.RedisURL, c.RedisKeyPrefix = redisURL, prefix
				c.Throttle.FailuresPerAccount = app.Limit{Burst: burst, Every: time.Hour}
				c.Throttle.LoginPerAddress = app.Limit{Burst: 1000, Every: time.Millisecond}
			}
			instances := []*site{newSite(t, shared), newSite(t, shared)}
			for _, s := range instances {
				s.browser().register("ada@example.com", "Ada", testPassword)
			}
			var statuses []int
			for i := range 2 * burst {
				b := instances[i%2].browser() // no device cookie: the account's bucket
				statuses = append(statuses, b.login("ada@example.com", "wrong password", false).status)
			}
			assert.Equal(t, burst, count(statuses, http.StatusUnauthorized), "checked over both instances: %v", statuses)
			assert.Equal(t, burst, count(statuses, http.StatusTooManyRequests), "throttled: %v", statuses)
		})
	}
}
