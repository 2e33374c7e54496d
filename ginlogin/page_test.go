package ginlogin

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// pageView is what the /page route reports of the PageData it built.
type pageView struct {
	NoUser     bool           `json:"no_user"`
	ID         string         `json:"id"`
	Fresh      bool           `json:"fresh"`
	Remembered bool           `json:"remembered"`
	Flashes    []FlashMessage `json:"flashes"`
	Data       any            `json:"data"`
}

// addPageRoutes registers /page, which renders Page(c, {"k": "v"}) as
// JSON, and /flash?m=.., which flashes m.
func addPageRoutes(a *testApp) {
	a.engine.GET("/page", func(c *gin.Context) {
		p := Page(c, gin.H{"k": "v"})
		v := pageView{NoUser: p.User == nil, Fresh: p.Fresh, Remembered: p.Remembered, Flashes: p.Flashes, Data: p.Data}
		if p.User != nil {
			v.ID = p.User.LoginID()
		}
		c.JSON(200, v)
	})
	a.engine.GET("/flash", func(c *gin.Context) {
		Flash(c, "message", c.Query("m"))
		c.String(200, "flashed")
	})
}

func (b *browser) page() pageView {
	b.t.Helper()
	return getJSON[pageView](b, "/page")
}

// Page gives a template the user (nil for nobody), whether the login is
// fresh and remembered, the flashed messages (consumed once: the session
// is saved, so the next Page shows none) and the handler's own data.
func TestPage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.RememberStore = NewMemoryStore() })
	addPageRoutes(a)
	b := a.browser()
	data := map[string]any{"k": "v"}

	assert.Equal(t, pageView{NoUser: true, Data: data}, b.page(), "nobody: a nil user, no flashes, the data")

	b.getStatus("/login/1?remember=1", 200)
	assert.Equal(t, pageView{ID: "1", Fresh: true, Remembered: true, Data: data}, b.page())
	b.dropCookie("session") // the remember cookie restores a login that is not fresh
	assert.Equal(t, pageView{ID: "1", Fresh: false, Remembered: true, Data: data}, b.page())
	b.getStatus("/login/2?fresh=0", 200)
	assert.Equal(t, pageView{ID: "2", Data: data}, b.page(), "a NotFresh login without remember")

	b.getStatus("/flash?m=one", 200)
	b.getStatus("/flash?m=two", 200)
	got := b.page()
	assert.Equal(t, []FlashMessage{{"message", "one"}, {"message", "two"}}, got.Flashes, "oldest first")
	assert.Equal(t, "2", got.ID)
	assert.Empty(t, b.page().Flashes, "consumed once: the session was saved without them")
}
