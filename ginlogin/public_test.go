package ginlogin

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
)

// Under LoginRequiredByDefault every route needs a login, including one
// added without any guard, a 404 and a route group; only routes and groups
// whose chain holds Public are open.
func TestLoginRequiredByDefaultProtectsUnguardedRoutes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.LoginURL = "/signin" })
	r := gin.New()
	r.Use(Middleware(a.mgr), LoginRequiredByDefault())
	ok := func(c *gin.Context) { c.String(200, "ok") }
	r.GET("/signin", Public, ok)
	r.GET("/login/:id", Public, func(c *gin.Context) {
		u, _ := a.users.load(c, c.Param("id"))
		if err := Login(c, u); err != nil {
			Fail(c, err)
			return
		}
		c.String(200, "logged in")
	})
	static := r.Group("/static", Public)
	static.GET("/style.css", ok)
	r.GET("/new-route-nobody-guarded", ok)
	admin := r.Group("/admin")
	admin.GET("/users", ok)
	a.engine = r

	b := a.browser()
	for _, path := range []string{"/signin", "/static/style.css", "/signin"} { // twice: the second answer is cached
		assert.Equal(t, 200, b.get(path).Code, "%s is public", path)
	}
	for _, path := range []string{"/new-route-nobody-guarded", "/admin/users", "/no-such-page"} {
		rec := b.get(path)
		assert.Equal(t, 302, rec.Code, "%s needs a login", path)
		assert.Contains(t, rec.Header().Get("Location"), "/signin?next=")
		assert.Equal(t, 401, b.get(path, "Accept", "*/*").Code, "%s: JSON 401 for API clients", path)
	}
	b.getStatus("/login/1", 200)
	assert.Equal(t, 200, b.get("/new-route-nobody-guarded").Code, "a logged-in user passes")
	assert.Equal(t, 404, b.get("/no-such-page").Code, "and gets the real 404")
}
