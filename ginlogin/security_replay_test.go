package ginlogin

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guarantee 3: replay after logout. An attacker copies the session and
// remember cookies (browser.clone), the user logs out, the attacker replays
// them. With a RememberStore every copy is dead on every session store.
// Without one, server-side stores still kill the copied session (logout
// deletes its record), while on the cookie store the copied session
// cookie and the stateless remember token survive until they time out:
// the documented limitation, asserted here so the docs stay honest.
func TestReplayAfterLogout(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				store := scheme.store()
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = store
				})
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				require.Equal(t, "1", b.who().ID)

				both := b.clone()
				sessionOnly := a.withCookies("session", b.cookie("session"))
				rememberOnly := a.withCookies("remember_token", b.cookie("remember_token"))

				b.getStatus("/logout", 200)
				assert.True(t, b.who().Anonymous, "the browser that logged out")

				withStore := store != nil
				sessionDies := withStore || kind.serverSide
				if sessionDies {
					assert.True(t, sessionOnly.who().Anonymous, "a copied session cookie is dead after logout")
				} else {
					// Documented limitation: cookie store without a RememberStore.
					assert.Equal(t, "1", sessionOnly.who().ID, "documented: a copied cookie-store session survives logout without a RememberStore")
				}
				if withStore {
					assert.True(t, rememberOnly.who().Anonymous, "a copied remember cookie is revoked by logout")
					assert.True(t, both.who().Anonymous, "copied session and remember cookies together")
					assert.Zero(t, userDeviceCount(t, store, "1"), "logout deleted the device")
				} else {
					// Documented limitation: stateless remember tokens expire
					// or die with the AuthStamp, but logout cannot revoke them.
					assert.Equal(t, "1", rememberOnly.who().ID, "documented: a stateless remember token survives logout")
				}
			})
		}
	}
}

// Guarantee 3: a copied session is also dead after the login ends any
// other way the library ends it: a new login in the same browser.
func TestReplayAfterReLogin(t *testing.T) {
	t.Parallel()
	for _, kind := range serverSideKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, func(c *Config) { c.SessionStore = kind.make(t) })
			b := a.browser()
			b.getStatus("/login/1", 200)
			copied := a.withCookies("session", b.cookie("session"))
			b.getStatus("/login/2", 200)
			assert.Equal(t, "2", b.who().ID)
			assert.True(t, copied.who().Anonymous, "the old session record is gone")
		})
	}
}
