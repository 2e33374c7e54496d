package app_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deviceCookieHeader returns the Set-Cookie header of the device cookie in
// res, or "".
func deviceCookieHeader(res response) string {
	for _, h := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(h, app.DeviceCookieName+"=") {
			return h
		}
	}
	return ""
}

// lockAccount fails the login of email from a fresh browser until the
// account's bucket is empty.
func lockAccount(t *testing.T, s *site, email string) {
	t.Helper()
	attacker := s.browser()
	for range s.cfg.Throttle.FailuresPerAccount.Burst {
		require.Equal(t, http.StatusUnauthorized, attacker.login(email, "wrong password", false).status)
	}
	require.Equal(t, http.StatusTooManyRequests, attacker.login(email, testPassword, false).status,
		"the account is locked for browsers without a device cookie")
}

// An attacker who keeps failing on an account locks out the browsers
// without a device cookie, not the browser its owner logged in with.
func TestDeviceCookieKeepsTheOwnerIn(t *testing.T) {
	for _, store := range throttleStores {
		t.Run(store.name, func(t *testing.T) {
			s := newSite(t, func(c *app.Config) {
				store.apply(t, c)
				c.Throttle.FailuresPerAccount = app.Limit{Burst: 3, Every: time.Hour}
			})
			owner := s.browser()
			owner.register("ada@example.com", "Ada", testPassword)
			require.Equal(t, http.StatusSeeOther, owner.post("/logout", nil).status)
			owner.get("/login")
			res := owner.post("/login", map[string][]string{"email": {"ada@example.com"}, "password": {testPassword}})
			require.Equal(t, http.StatusSeeOther, res.status)
			header := deviceCookieHeader(res)
			require.NotEmpty(t, header, "a successful login sets a device cookie")
			for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=15552000"} {
				assert.Contains(t, header, attr)
			}
			owner.get(res.location()) // picks up the new CSRF token
			require.Equal(t, http.StatusSeeOther, owner.post("/logout", nil).status)
			require.NotNil(t, owner.cookie(app.DeviceCookieName), "logging out keeps the device cookie")

			lockAccount(t, s, "ada@example.com")

			assert.Equal(t, http.StatusSeeOther, owner.login("ada@example.com", testPassword, false).status,
				"the owner's browser has its own allowance")
			assert.True(t, owner.loggedIn())
			assert.Equal(t, http.StatusTooManyRequests, s.browser().login("ada@example.com", testPassword, false).status,
				"a browser without a device cookie is still locked out")
			assert.Equal(t, http.StatusSeeOther, owner.post("/reauthenticate", map[string][]string{"password": {testPassword}}).status,
				"the device cookie counts on /reauthenticate too")
		})
	}
}

// A device cookie that keeps failing is locked out by its own limit, which
// does not touch the account's allowance.
func TestDeviceCookieLocksItselfOut(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.FailuresPerAccount = app.Limit{Burst: 2, Every: time.Hour}
		c.Throttle.FailuresPerDevice = app.Limit{Burst: 2, Every: time.Hour}
	})
	s.browser().register("ada@example.com", "Ada", testPassword)
	device := s.browser()
	require.Equal(t, http.StatusSeeOther, device.login("ada@example.com", testPassword, false).status)
	device.post("/logout", nil)
	for range 2 {
		assert.Equal(t, http.StatusUnauthorized, device.login("ada@example.com", "wrong password", false).status)
	}
	res := device.login("ada@example.com", testPassword, false)
	assert.Equal(t, http.StatusTooManyRequests, res.status, "the device's own limit")
	assert.Empty(t, deviceCookieHeader(res))

	other := s.browser()
	assert.Equal(t, http.StatusUnauthorized, other.login("ada@example.com", "wrong password", false).status,
		"the device's failures did not use the account's allowance")
	assert.Equal(t, http.StatusSeeOther, other.login("ada@example.com", testPassword, false).status)
}

// A device cookie counts only when it is authentic, unexpired and bound to
// the account being tried; otherwise the attempt is untrusted and meets the
// account's lockout.
func TestDeviceCookieIsIgnoredWhenNotValid(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.Throttle.FailuresPerAccount = app.Limit{Burst: 2, Every: 24 * time.Hour}
		c.Throttle.DeviceCookieFor = time.Hour
	})
	s.browser().register("ada@example.com", "Ada", testPassword)
	s.browser().register("bob@example.com", "Bob", testPassword)
	issued := func(email string) string {
		b := s.browser()
		require.Equal(t, http.StatusSeeOther, b.login(email, testPassword, false).status)
		return b.cookie(app.DeviceCookieName).Value
	}
	ada, bob := issued("ada@example.com"), issued("bob@example.com")
	lockAccount(t, s, "ada@example.com")

	withCookie := func(value string) *browser {
		b := s.browser()
		b.jar.SetCookies(mustURL(t, s.srv.URL), []*http.Cookie{{Name: app.DeviceCookieName, Value: value, Path: "/"}})
		return b
	}
	require.Equal(t, http.StatusSeeOther, withCookie(ada).login("ada@example.com", testPassword, false).status,
		"the genuine cookie, for comparison")

	parts := strings.Split(ada, ".")
	require.Len(t, parts, 3)
	bobParts := strings.Split(bob, ".")
	bobPayload, err := base64.RawURLEncoding.DecodeString(bobParts[1])
	require.NoError(t, err)
	forged := strings.Replace(string(bobPayload), "bob@example.com", "ada@example.com", 1)

	for name, value := range map[string]string{
		"another account's":  bob,
		"account rewritten":  bobParts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + bobParts[2],
		"mac changed":        parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"unknown version":    "v2." + parts[1] + "." + parts[2],
		"not a device token": "garbage",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, http.StatusTooManyRequests, withCookie(value).login("ada@example.com", testPassword, false).status)
		})
	}
	t.Run("expired", func(t *testing.T) {
		s.clock.Advance(time.Hour)
		assert.Equal(t, http.StatusTooManyRequests, withCookie(ada).login("ada@example.com", testPassword, false).status)
	})
}
