package ginlogin

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 8, item 4: no response shares mutable memory with another. A
// handler that edits the Cache-Control and Vary values in place (after the
// library set them) changes its own response only: the next response, of
// the same or another browser, logged in or not, still says no-store and
// Vary: Cookie.
func TestUserDependentHeadersAreNotShared(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	a.engine.GET("/mutate", func(c *gin.Context) {
		_, _ = CurrentUser(c)
		h := c.Writer.Header()
		h["Cache-Control"][0] = "public, max-age=3600"
		h["Vary"][0] = "Accept-Encoding"
		c.String(200, "mutated")
	})
	a.engine.GET("/flashes", func(c *gin.Context) {
		_ = Flashes(c) // reads the session without loading the user
		c.Writer.Header()["Cache-Control"][0] = "public"
		c.String(200, "flashes")
	})
	alice, visitor := a.browser(), a.browser()
	alice.getStatus("/login/1", 200)

	for _, b := range []*browser{alice, visitor} {
		for _, path := range []string{"/mutate", "/flashes"} {
			rec := b.get(path)
			assert.NotEqual(t, "no-store", rec.Header().Get("Cache-Control"), "the handler's own edit shows in its response")
			for _, next := range []*browser{alice, visitor} {
				rec := next.get("/whoami")
				assert.Equal(t, []string{"no-store"}, rec.Header().Values("Cache-Control"), "after %s", path)
				assert.Equal(t, []string{"Cookie"}, rec.Header().Values("Vary"), "after %s", path)
			}
		}
	}
}

// A Vary the application set before the user was loaded is kept, and
// Cookie is added once, however often the session is read.
func TestUserDependentHeadersKeepVary(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	a.engine.GET("/vary", func(c *gin.Context) {
		c.Header("Vary", "Accept-Encoding")
		_, _ = CurrentUser(c)
		_ = Flashes(c)
		_, _ = CurrentUser(c)
		c.String(200, "ok")
	})
	b := a.browser()
	b.getStatus("/login/1", 200)
	rec := b.getStatus("/vary", 200)
	assert.Equal(t, []string{"Accept-Encoding", "Cookie"}, rec.Header().Values("Vary"))
	assert.Equal(t, []string{"no-store"}, rec.Header().Values("Cache-Control"))
}

// Guarantee 2: responses that depend on the user carry Vary: Cookie and
// Cache-Control: no-store (guards, CurrentUser, login, logout, flashes),
// and a route that never asks for the user carries neither.
func TestUserDependentResponsesAreNotCached(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.LoginURL = "/login" })
	a.engine.GET("/vary-accept", func(c *gin.Context) {
		c.Header("Vary", "Accept-Encoding")
		c.String(200, idOf(c))
	})
	a.engine.GET("/flashes", func(c *gin.Context) { c.JSON(200, Flashes(c)) })
	tests := []struct {
		name      string
		path      string
		loggedIn  bool
		dependent bool
	}{
		{"guard passes", "/protected", true, true},
		{"guard redirects", "/protected", false, true},
		{"fresh guard", "/fresh", true, true},
		{"CurrentUser", "/whoami", true, true},
		{"CurrentUser anonymous", "/whoami", false, true},
		{"login", "/login/2", false, true},
		{"logout", "/logout", true, true},
		{"flashes", "/flashes", true, true},
		{"handler's own Vary kept", "/vary-accept", true, true},
		{"never asks for the user", "/nothing", true, false},
		{"never asks, anonymous", "/nothing", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser()
			if tt.loggedIn {
				b.getStatus("/login/1", 200)
			}
			rec := b.get(tt.path)
			require.Less(t, rec.Code, 500)
			if !tt.dependent {
				assert.Empty(t, rec.Header().Values("Cache-Control"))
				assert.Empty(t, rec.Header().Values("Vary"))
				return
			}
			assert.Equal(t, []string{"no-store"}, rec.Header().Values("Cache-Control"))
			assert.Contains(t, rec.Header().Values("Vary"), "Cookie")
			if tt.path == "/vary-accept" {
				assert.Contains(t, rec.Header().Values("Vary"), "Accept-Encoding")
			}
		})
	}
}
