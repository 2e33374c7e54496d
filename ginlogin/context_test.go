package ginlogin

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
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
