package ginlogin

import (
	"errors"
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
		if err := LoginUser(c, u, opts...); err != nil {
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

var _ = errors.New
