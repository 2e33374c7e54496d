package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginSuccessRedirectsToTheDashboard(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)

	b := s.browser()
	res := b.get("/login")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Remember me on this device for 30 days")

	res = b.login("ADA@example.com", testPassword, false)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/dashboard", res.location())
	assert.Nil(t, b.cookie("remember_token"), "no remember cookie unless asked")
	assert.True(t, b.loggedIn())
	assert.Equal(t, http.StatusFound, b.get("/login").status, "a logged-in user is sent on from the login page")
}

func TestLoginFailureIsTheSameForUnknownEmailWrongPasswordAndDeactivatedAccount(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)
	s.browser().register("bob@example.com", "Bob", testPassword)
	var out bytes.Buffer
	require.NoError(t, app.RunUserCommand(context.Background(), s.cfg, []string{"deactivate", "bob@example.com"}, nil, &out))

	b := s.browser()
	b.get("/login")
	attempts := []struct{ name, email, password string }{
		{"unknown email", "nobody@example.com", testPassword},
		{"wrong password", "ada@example.com", "not the password"},
		{"deactivated account", "bob@example.com", testPassword},
	}
	var bodies []string
	for _, a := range attempts {
		res := b.login(a.email, a.password, false)
		assert.Equal(t, http.StatusUnauthorized, res.status, a.name)
		assert.Contains(t, res.body, "Invalid email or password.", a.name)
		assert.Equal(t, 1, strings.Count(res.body, `class="flash flash-error"`), "one message")
		bodies = append(bodies, strings.ReplaceAll(res.body, a.email, "EMAIL"))
	}
	assert.Equal(t, bodies[0], bodies[1], "unknown email and wrong password look the same")
	assert.Equal(t, bodies[0], bodies[2], "unknown email and deactivated account look the same")
	assert.False(t, b.loggedIn())
}

func TestLoginRefusesPasswordsOver72Bytes(t *testing.T) {
	s := newSite(t)
	password := strings.Repeat("p", 72)
	s.browser().register("ada@example.com", "Ada", password)

	b := s.browser()
	res := b.login("ada@example.com", password+"anything", false)
	assert.Equal(t, http.StatusBadRequest, res.status, "bcrypt would accept it, having read only 72 bytes")
	assert.Contains(t, res.body, "at most 72 bytes")
	assert.False(t, b.loggedIn())

	res = b.login("ada@example.com", password, false)
	assert.Equal(t, http.StatusSeeOther, res.status)
}

func TestLoginRefusesControlCharactersInThePassword(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	res := b.login("ada@example.com", "pass\x00word-long-enough", false)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body, "control characters")
}

func TestLoginNext(t *testing.T) {
	tests := []struct {
		name, next, want string
	}{
		{"safe path", "/profile", "/profile"},
		{"safe path with query", "/profile?tab=devices", "/profile?tab=devices"},
		{"absolute URL", "https://evil.example/", "/dashboard"},
		{"scheme-relative", "//evil.example", "/dashboard"},
		{"backslash", "/\\evil.example", "/dashboard"},
		{"javascript", "javascript:alert(1)", "/dashboard"},
		{"empty", "", "/dashboard"},
	}
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := s.browser()
			res := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "next": {tt.next}})
			require.Equal(t, http.StatusSeeOther, res.status)
			assert.Equal(t, tt.want, res.location())
		})
	}

	t.Run("from the query of the login page", func(t *testing.T) {
		b := s.browser()
		res := b.get("/profile")
		require.Equal(t, http.StatusFound, res.status)
		assert.Equal(t, "/login?next=%2Fprofile", res.location())
		res = b.get(res.location())
		assert.Contains(t, res.body, "Please log in to access this page.", "the guard's message is flashed")
		assert.Contains(t, res.body, `name="next" value="/profile"`)
		res = b.post("/login?next=%2Fprofile", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
		assert.Equal(t, "/profile", res.location())
	})

	t.Run("unsafe next is not put in the form", func(t *testing.T) {
		res := s.browser().get("/login?next=https%3A%2F%2Fevil.example")
		assert.NotContains(t, res.body, "evil.example")
	})
}

func TestLoginThrottlingPerAccount(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.FailuresPerAccount = app.Limit{Burst: 3, Every: time.Minute}
	})
	s.browser().register("ada@example.com", "Ada", testPassword)

	attacker := s.browser()
	for range 3 {
		assert.Equal(t, http.StatusUnauthorized, attacker.login("ada@example.com", "wrong password", false).status)
	}
	res := attacker.login("Ada@Example.com", "wrong password", false)
	assert.Equal(t, http.StatusTooManyRequests, res.status, "the email is normalized for the count")
	assert.NotEmpty(t, res.header.Get("Retry-After"))
	assert.Contains(t, res.body, "Too many attempts")

	owner := s.browser()
	assert.Equal(t, http.StatusTooManyRequests, owner.login("ada@example.com", testPassword, false).status,
		"the account is throttled from every address")
	assert.Equal(t, http.StatusUnauthorized, owner.login("bob@example.com", "wrong password", false).status,
		"other accounts are not")

	s.clock.Advance(time.Minute)
	assert.Equal(t, http.StatusSeeOther, owner.login("ada@example.com", testPassword, false).status)
}

func TestLoginThrottlingPerAddressIgnoresForwardedHeaders(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.LoginPerAddress = app.Limit{Burst: 3, Every: time.Minute}
	})
	b := s.browser()
	for i := range 3 {
		assert.Equal(t, http.StatusUnauthorized, b.login("user"+string(rune('a'+i))+"@example.com", "wrong password", false).status)
	}
	form := url.Values{"email": {"other@example.com"}, "password": {"wrong password"}, "csrf_token": {b.csrf}}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Real-IP", "203.0.113.8")
	assert.Equal(t, http.StatusTooManyRequests, b.do(req).status, "a forged forwarding header does not give a new address")

	s.clock.Advance(time.Minute)
	assert.Equal(t, http.StatusUnauthorized, b.login("other@example.com", "wrong password", false).status)
}

// Behind a trusted proxy (TRUSTED_PROXIES), the throttle keys on the client
// address the proxy forwards: clients behind one balancer do not share a
// bucket. The test server's clients connect from 127.0.0.1, the "proxy".
func TestLoginThrottlingBehindTrustedProxy(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.TrustedProxies = []string{"127.0.0.1"}
		c.Throttle.LoginPerAddress = app.Limit{Burst: 2, Every: time.Minute}
	})
	b := s.browser()
	b.get("/login") // picks up the form's CSRF token
	from := func(client, email string) int {
		t.Helper()
		form := url.Values{"email": {email}, "password": {"wrong password"}, "csrf_token": {b.csrf}}
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		return b.do(req).status
	}
	assert.Equal(t, http.StatusUnauthorized, from("203.0.113.7", "a@example.com"))
	assert.Equal(t, http.StatusUnauthorized, from("203.0.113.7", "b@example.com"))
	assert.Equal(t, http.StatusTooManyRequests, from("203.0.113.7", "c@example.com"), "one client's bucket is empty")
	assert.Equal(t, http.StatusUnauthorized, from("198.51.100.9", "d@example.com"), "another client behind the same proxy is not throttled")
}

func TestRegisterThrottlingPerAddress(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.RegisterPerAddress = app.Limit{Burst: 1, Every: time.Hour}
	})
	s.browser().register("ada@example.com", "Ada", testPassword)
	res := s.browser().post("/register", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}, "password": {testPassword}, "confirm_password": {testPassword}})
	assert.Equal(t, http.StatusTooManyRequests, res.status)
	assert.Equal(t, 1, s.userCount())
}

func TestRememberMeSurvivesABrowserRestart(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)

	b := s.browser()
	require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status)
	require.NotNil(t, b.cookie("remember_token"))

	b.dropCookie("session")
	res := b.get("/dashboard")
	require.Equal(t, http.StatusOK, res.status, "the remember cookie restores the login")
	assert.Contains(t, res.body, "Remembered on this device</dt><dd><span class=\"badge ok\">Yes")
	assert.Contains(t, s.logs.String(), "login restored from a remember cookie")

	res = b.get("/admin")
	assert.Equal(t, http.StatusFound, res.status, "a restored login is not fresh")
	assert.Equal(t, "/reauthenticate?next=%2Fadmin", res.location())
}

func TestWithoutRememberMeLosingTheSessionCookieLogsOut(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)
	b := s.browser()
	require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, false).status)
	b.dropCookie("session")
	assert.False(t, b.loggedIn())
}
