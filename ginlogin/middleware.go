package ginlogin

import (
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

type managerKey struct{}

// Middleware makes m available to the helpers and guards of every request
// it runs for, and installs the session for Config.SessionStore the way
// gin-contrib's sessions.Sessions does, so
//
//	r.Use(ginlogin.Middleware(mgr))
//
// is all a router needs; sessions.Default(c) works in handlers as usual. If
// sessions.Sessions already ran (with the same name and store), its session
// is used instead. Nothing is loaded here: the user is loaded on the first
// CurrentUser or guard, at most once per request.
func Middleware(m *Manager) gin.HandlerFunc {
	if m == nil {
		panic("ginlogin: Middleware needs the *Manager returned by ginlogin.New")
	}
	return func(c *gin.Context) {
		if _, ok := c.Get(sessions.DefaultKey); ok {
			c.Set(managerKey{}, m)
		} else {
			c.Set(sessions.DefaultKey, &requestSession{m: m, req: c.Request, w: c.Writer})
		}
		c.Next()
	}
}

// managerOf returns the Manager of the request's Middleware.
func managerOf(c *gin.Context) (*Manager, bool) {
	if v, ok := c.Get(sessions.DefaultKey); ok {
		if rs, ok := v.(*requestSession); ok {
			return rs.m, true
		}
	}
	if v, ok := c.Get(managerKey{}); ok {
		return v.(*Manager), true
	}
	return nil, false
}

// setupError reports a wiring mistake (a guard without Middleware). Outside
// release mode it panics, so tests and development servers fail at once and
// loudly; in release mode it logs and answers 500.
func setupError(c *gin.Context, err error) {
	if gin.Mode() != gin.ReleaseMode {
		panic(err.Error() + ": add r.Use(ginlogin.Middleware(mgr)) before the routes that use ginlogin")
	}
	_ = c.Error(err)
	if m, ok := managerOf(c); ok {
		m.cfg.Logger.Error("ginlogin: set-up error", "err", err, "path", c.FullPath())
	}
	c.AbortWithStatus(500)
}
