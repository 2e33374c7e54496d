package ginlogin

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownUser is an application's user type that does not embed UserMixin.
type ownUser struct {
	id     string
	active *atomic.Bool
}

func (u *ownUser) LoginID() string { return u.id }
func (u *ownUser) IsActive() bool  { return u.active.Load() }

// Every guard, accessor and helper that needs a logged-in user refuses a
// user whose IsActive is false, whether it was
// deactivated after the session was created or logged in with Force, and
// whether it came from the session or from the request loader.
func TestGuardsRefuseAuthenticatedInactiveUser(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deactivated after login", "forced login", "request loader"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			store := NewMemoryStore()
			active := &atomic.Bool{}
			u := &ownUser{id: "own", active: active}
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				if how == "request loader" {
					c.RequestLoader = func(*gin.Context) (User, error) { return u, nil }
				}
			})
			a.users.put(u)
			addAccountRoutes(a)
			a.engine.GET("/require", Require(func(User) bool { return true }), func(c *gin.Context) { c.String(200, "allowed") })
			a.engine.GET("/accessors", func(c *gin.Context) {
				_, current := Current[*ownUser](c)
				c.JSON(200, gin.H{
					"logged_in": idOf(c) != "",
					"current":   current,
					"fresh":     IsFresh(c),
					"confirm":   errors.Is(ConfirmLogin(c), ErrNotAuthenticated),
					"update":    UpdateAuthStamp(c, u) != nil,
					"revoke":    errors.Is(RevokeDevice(c, "x"), ErrNotAuthenticated),
					"logout":    errors.Is(LogoutEverywhere(c), ErrNotAuthenticated),
				})
			})
			b := a.browser()
			switch how {
			case "deactivated after login":
				active.Store(true)
				b.getStatus("/login/own?remember=1", 200)
				require.Equal(t, 200, b.get("/protected").Code, "logged in while active")
				active.Store(false)
			case "forced login":
				b.getStatus("/login/own?force=1", 200)
			}
			require.True(t, b.who().Anonymous, "an inactive user is nobody to the accessors")

			assert.False(t, isLoggedIn(u))
			assert.Equal(t, 401, b.get("/protected").Code, "LoginRequired")
			assert.Equal(t, 401, b.get("/fresh").Code, "FreshLoginRequired")
			assert.Equal(t, 401, b.get("/require").Code, "Require (not its 403, not through)")
			assert.Equal(t, 401, b.get("/devices").Code, "Devices")
			assert.JSONEq(t, `{"logged_in":false,"current":false,"fresh":false,"confirm":true,"update":true,"revoke":true,"logout":true}`,
				b.getStatus("/accessors", 200).Body.String())
			if how != "request loader" {
				assert.Equal(t, 1, userDeviceCount(t, store, "own"), "nothing was revoked by the refused calls")
			}
		})
	}
}
