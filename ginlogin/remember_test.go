package ginlogin

import (
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setActive replaces user id in the app's users with an active or inactive
// copy, as an administrator disabling or re-enabling the account would.
func (a *testApp) setActive(id string, active bool) {
	a.users.put(&testUser{id: id, name: "User " + id, UserMixin: UserMixin{Inactive: !active}})
}

// A remember restore refuses a user that is no longer active: the request
// is anonymous, the remember cookie is deleted and the device goes, so a
// copy of the cookie stays dead after the account is re-enabled.
func TestRememberRestoreRefusesInactiveUser(t *testing.T) {
	t.Parallel()
	eachRememberStore(t, func(t *testing.T, store RememberStore) {
		a := newTestApp(t, func(c *Config) { c.RememberStore = store })
		a.setActive("7", true)
		b := a.browser()
		b.getStatus("/login/7?remember=1", 200)
		copied := b.cookie("remember_token")
		require.NotEmpty(t, copied)
		require.Equal(t, 1, userDeviceCount(t, store, "7"))

		a.setActive("7", false)
		a.clock.Advance(time.Minute)
		b.dropCookie("session") // a browser restart
		rec := b.getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"anonymous":true`, "an inactive user is not restored")
		assert.True(t, deletesCookie(t, rec, "remember_token"), "the remember cookie is deleted")
		assert.Empty(t, b.cookie("remember_token"))
		assert.Equal(t, 0, userDeviceCount(t, store, "7"), "the device is deleted")

		a.setActive("7", true)
		a.clock.Advance(time.Minute)
		assert.True(t, a.withCookies("remember_token", copied).who().Anonymous, "a copy stays dead after the account is re-enabled")
		assert.Equal(t, 0, userDeviceCount(t, store, "7"))
	})
}

// Without a RememberStore there is no device to delete: the restore still
// refuses the inactive user and deletes the cookie from the browser that
// sent it, but a copy of a stateless token is accepted again once the
// account is re-enabled, unless the user's AuthStamp changed meanwhile. That
// is why the AuthStamper documentation asks for a new stamp on deactivation.
func TestRememberRestoreRefusesInactiveUserStateless(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name           string
		bumpStamp      bool
		copyWorksLater bool
	}{
		{"stamp unchanged", false, true},
		{"stamp bumped on deactivation", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, nil)
			u := a.stamped("s7", "v1")
			b := a.browser()
			b.getStatus("/login/s7?remember=1", 200)
			copied := b.cookie("remember_token")
			require.NotEmpty(t, copied)

			stamp := "v1"
			if tt.bumpStamp {
				stamp = "v2"
			}
			inactive := &stampedUser{testUser: testUser{id: u.id, UserMixin: UserMixin{Inactive: true}}, stamp: stamp}
			a.users.put(inactive)
			b.dropCookie("session")
			rec := b.getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"anonymous":true`, "an inactive user is not restored")
			assert.True(t, deletesCookie(t, rec, "remember_token"), "the remember cookie is deleted")
			assert.True(t, a.withCookies("remember_token", copied).who().Anonymous, "a copy is refused while the account is disabled")

			a.users.put(&stampedUser{testUser: testUser{id: u.id}, stamp: stamp})
			w := a.withCookies("remember_token", copied).who()
			if tt.copyWorksLater {
				assert.Equal(t, "s7", w.ID, "a stateless token cannot be revoked: the copy works again")
			} else {
				assert.True(t, w.Anonymous, "the new stamp ends the copy for good")
			}
		})
	}
}

// Guarantee 6: expiry is enforced by the server. A browser that still
// sends its remember cookie after the login's duration (a clock it
// controls, a copied cookie) is refused, the cookie is deleted, and with a
// store the device is deleted too. A session bound to an expired device
// ends as well.
func TestExpiredRememberTokenRefused(t *testing.T) {
	t.Parallel()
	eachScheme(t, func(t *testing.T, store RememberStore) {
		a := newTestApp(t, func(c *Config) {
			c.RememberStore = store
			c.IdleTimeout = NoTimeout // only the device's expiry is at work
		})
		b := a.browser()
		b.getStatus("/login/1?remember=1&duration=1h", 200)
		value := b.cookie("remember_token")
		a.clock.Advance(time.Hour - time.Second)
		assert.Equal(t, "1", a.withCookies("remember_token", value).who().ID, "valid until the end")

		a.clock.Advance(time.Second)
		replay := a.withCookies("remember_token", value)
		rec := replay.getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"anonymous":true`, "expired: refused although the browser sent it")
		assert.True(t, deletesCookie(t, rec, "remember_token"))
		if store != nil {
			assert.Zero(t, userDeviceCount(t, store, "1"), "the expired device is deleted")
			assert.True(t, b.who().Anonymous, "a session bound to the expired device ends")
		}
	})
}

// Guarantee 6: a strong session-protection trip (the session is used from
// another client) logs the session out and revokes its remember token:
// with a store the device is deleted, so neither the cookie nor a copy of
// it restores the login. Stateless tokens can only be deleted from the
// browser that tripped; a copy made before survives until it expires.
func TestStrongProtectionRevokesRememberToken(t *testing.T) {
	t.Parallel()
	eachScheme(t, func(t *testing.T, store RememberStore) {
		events := &secEvents{}
		a := newTestApp(t, func(c *Config) {
			c.RememberStore = store
			c.SessionProtection = ProtectionStrong
			c.Hooks.SessionProtected = func(*gin.Context) { events.add("protected") }
		})
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		rememberCopy := a.withCookies("remember_token", b.cookie("remember_token"))

		b.remoteAddr = "198.51.100.7:1234" // the session moved to another client
		rec := b.getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"anonymous":true`)
		assert.True(t, deletesCookie(t, rec, "remember_token"), "the remember cookie is deleted")
		assert.Equal(t, []string{"protected"}, events.list())
		assert.True(t, b.who().Anonymous, "and stays logged out")

		if store != nil {
			assert.Zero(t, userDeviceCount(t, store, "1"), "the device is revoked")
			assert.True(t, rememberCopy.who().Anonymous, "a copy of the remember cookie is dead")
		} else {
			assert.Equal(t, "1", rememberCopy.who().ID, "documented: a stateless token cannot be revoked server-side")
		}
	})
}
