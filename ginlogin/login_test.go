package ginlogin

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addPostLogin registers POST /login/:id, a login form's target: it logs the
// user in (remembered with ?remember=1) without asking for the current user
// first.
func addPostLogin(a *testApp) {
	a.engine.POST("/login/:id", func(c *gin.Context) {
		a.users.mu.Lock()
		u := a.users.users[c.Param("id")]
		a.users.mu.Unlock()
		var opts []LoginOption
		if c.Query("remember") != "" {
			opts = append(opts, Remember())
		}
		if err := Login(c, u, opts...); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "logged in")
	})
}

// Logging in again from a browser that still holds a remember cookie (after
// a restart, so without a session, and without loading the user first) ends
// the device of that cookie: a copy of the old cookie is anonymous and the
// user has one device, not two.
func TestLoginUserEndsTheOldRememberDevice(t *testing.T) {
	t.Parallel()
	for _, sk := range rememberStoreKinds {
		for _, again := range []string{"1", "2"} { // the same user, or another one
			t.Run(sk.name+"/user"+again, func(t *testing.T) {
				t.Parallel()
				store := sk.make(t)
				a := newTestApp(t, func(c *Config) { c.RememberStore = store })
				addPostLogin(a)
				addAccountRoutes(a)
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				old := b.cookie("remember_token")
				require.NotEmpty(t, old)

				a.clock.Advance(time.Hour)
				b.dropCookie("session") // the browser restarts
				rec := b.do(http.MethodPost, "/login/"+again+"?remember=1", nil)
				require.Equal(t, 200, rec.Code, rec.Body.String())
				assert.NotEqual(t, old, b.cookie("remember_token"), "a new remember token")

				assert.True(t, a.withCookies("remember_token", old).who().Anonymous, "a copy of the old remember cookie is anonymous")
				assert.Equal(t, again, b.who().ID, "the new login works")
				assert.Len(t, b.devices(), 1, "one device, not two")
				assert.Equal(t, 1, userDeviceCount(t, store, again))
				if again != "1" {
					assert.Equal(t, 0, userDeviceCount(t, store, "1"), "the old user's device is gone")
				}
			})
		}
	}
}

// UpdateAuthStamp re-issues the remember token with the login's own
// duration (RememberFor), counted from the login: the cookie's Max-Age and
// Expires and the device's ExpiresAt all keep the login's expiry instead of
// getting the configured default. It holds for a login restored from the
// remember cookie too.
func TestUpdateAuthStampKeepsRememberFor(t *testing.T) {
	t.Parallel()
	schemes := []struct {
		name string
		make func(t *testing.T) RememberStore
	}{{"stateless", func(*testing.T) RememberStore { return nil }}}
	schemes = append(schemes, rememberStoreKinds...)
	for _, sk := range schemes {
		for _, restored := range []bool{false, true} {
			name := sk.name + map[bool]string{false: "/session", true: "/restored"}[restored]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				store := sk.make(t)
				a := newTestApp(t, func(c *Config) {
					if store != nil {
						c.RememberStore = store
					}
				})
				addAccountRoutes(a)
				a.stamped("s1", "v1")
				b := a.browser()
				loginAt := a.clock.Now()
				b.getStatus("/login/s1?duration=2h", 200)
				want := loginAt.Add(2 * time.Hour)

				a.clock.Advance(30 * time.Minute)
				if restored {
					b.dropCookie("session")
					require.Equal(t, "s1", b.who().ID, "restored from the remember cookie")
				}
				rec := b.getStatus("/password/v2", 200)
				cks := parsedSetCookies(t, rec, "remember_token")
				require.Len(t, cks, 1, "the remember token is re-issued")
				assert.Equal(t, int((90 * time.Minute).Seconds()), cks[0].MaxAge, "Max-Age: what is left of the login's 2h")
				assert.True(t, want.Equal(cks[0].Expires), "Expires %v, want %v", cks[0].Expires, want)
				if store != nil {
					devs, err := store.UserDevices(t.Context(), "s1")
					require.NoError(t, err)
					require.Len(t, devs, 1)
					assert.True(t, want.Equal(devs[0].ExpiresAt), "device ExpiresAt %v, want %v", devs[0].ExpiresAt, want)
				}
				a.clock.Advance(90*time.Minute - time.Second)
				b.dropCookie("session")
				assert.Equal(t, "s1", b.who().ID, "the new token works until the login's end")
				a.clock.Advance(2 * time.Second)
				b.dropCookie("session")
				assert.True(t, a.withCookies("remember_token", b.cookie("remember_token")).who().Anonymous, "and not after it")
			})
		}
	}
}
