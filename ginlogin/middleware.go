package ginlogin

import (
	"context"
	"errors"
	"fmt"

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
//
// Two Managers can share one router, e.g. an admin site with its own users
// and cookies under a public site:
//
//	r.Use(ginlogin.Middleware(public))
//	admin := r.Group("/admin", ginlogin.Middleware(adminMgr), ginlogin.LoginRequired())
//
// The innermost Middleware wins: on the routes below it, the helpers,
// guards and sessions.Default(c) see its Manager and its session only, and a
// user loaded by an outer Manager earlier in the request is forgotten
// (FromContext reports nothing until the inner Manager loads its own). The
// Managers must use different SessionCookie and RememberCookie names, or
// the browser would keep one cookie for both; a nested Middleware whose
// cookie names clash with the outer Manager's refuses every request (a
// panic outside gin's release mode, a logged 500 in it). Running the same
// Manager's Middleware twice is harmless: the second one does nothing.
func Middleware(m *Manager) gin.HandlerFunc {
	if m == nil {
		panic("ginlogin: Middleware needs the *Manager returned by ginlogin.New")
	}
	return func(c *gin.Context) {
		if _, ok := c.Get(sessions.DefaultKey); !ok {
			c.Set(sessions.DefaultKey, &requestSession{m: m, req: c.Request, w: c.Writer})
		} else if outer, ok := managerOf(c); !ok {
			// sessions.Sessions ran first: use its session.
			c.Set(managerKey{}, m)
		} else if outer != m {
			if err := checkNested(outer, m); err != nil {
				setupError(c, err)
				return
			}
			takeOver(c, m)
		}
		c.Next()
	}
}

// takeOver makes m the request's Manager below a Middleware of another
// Manager: a session of its own, and no state or user of the outer one.
func takeOver(c *gin.Context, m *Manager) {
	c.Set(stateKey{}, nil) // stateOf makes a new state for m
	if ctx := c.Request.Context(); ctx.Value(userKey{}) != nil {
		c.Request = c.Request.WithContext(context.WithValue(ctx, userKey{}, nil))
	}
	c.Set(sessions.DefaultKey, &requestSession{m: m, req: c.Request, w: c.Writer})
}

// checkNested refuses an inner Manager whose cookies would be confused with
// the outer Manager's.
func checkNested(outer, inner *Manager) error {
	o, i := outer.cfg, inner.cfg
	for _, name := range []string{i.SessionCookie.Name, i.RememberCookie.Name} {
		if name == o.SessionCookie.Name || name == o.RememberCookie.Name {
			return fmt.Errorf("ginlogin: a nested Middleware's Manager uses the cookie name %q of the Manager of an outer Middleware: give the inner Manager its own Config.SessionCookie.Name and Config.RememberCookie.Name", name)
		}
	}
	return nil
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

// setupError reports a wiring mistake (a guard without Middleware, nested
// Managers with the same cookie names). Outside release mode it panics, so
// tests and development servers fail at once and loudly; in release mode it
// logs and answers 500.
func setupError(c *gin.Context, err error) {
	if gin.Mode() != gin.ReleaseMode {
		msg := err.Error()
		if errors.Is(err, ErrNoMiddleware) {
			msg += ": add r.Use(ginlogin.Middleware(mgr)) before the routes that use ginlogin"
		}
		panic(msg)
	}
	_ = c.Error(err)
	if m, ok := managerOf(c); ok {
		m.cfg.Logger.Error("ginlogin: set-up error", "err", err, "path", c.FullPath())
	}
	c.AbortWithStatus(500)
}
