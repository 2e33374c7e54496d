package ginlogin

import (
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

type managerKey struct{}

// Middleware makes m available to the helpers and guards of every request
// it runs for. It installs gin-contrib/sessions for Config.SessionStore
// unless sessions.Sessions already ran (with the same name and store), so
//
//	r.Use(ginlogin.Middleware(mgr))
//
// is all a router needs; sessions.Default(c) works in handlers as usual.
// Nothing is loaded here: the user is loaded on the first CurrentUser or
// guard, at most once per request.
func Middleware(m *Manager) gin.HandlerFunc {
	if m == nil {
		panic("ginlogin: Middleware needs the *Manager returned by ginlogin.New")
	}
	return func(c *gin.Context) {
		c.Set(managerKey{}, m)
		if _, ok := c.Get(sessions.DefaultKey); ok {
			c.Next()
			return
		}
		m.sessionsMW(c) // sets the session, then runs the rest of the chain
	}
}

// setupError reports a wiring mistake (a guard without Middleware). Outside
// release mode it panics, so tests and development servers fail at once and
// loudly; in release mode it logs and answers 500.
func setupError(c *gin.Context, err error) {
	if gin.Mode() != gin.ReleaseMode {
		panic(err.Error() + ": add r.Use(ginlogin.Middleware(mgr)) before the routes that use ginlogin")
	}
	_ = c.Error(err)
	if v, ok := c.Get(managerKey{}); ok {
		v.(*Manager).cfg.Logger.Error("ginlogin: set-up error", "err", err, "path", c.FullPath())
	}
	c.AbortWithStatus(500)
}
