package ginlogin

import (
	"reflect"
	"runtime"
	"slices"
	"sync"

	"github.com/gin-gonic/gin"
)

// Public marks a route, or a route group, as open to everybody under
// LoginRequiredByDefault. Put it in the route's handler chain where the
// route is declared:
//
//	r.GET("/login", ginlogin.Public, loginPage)
//	static := r.Group("/static", ginlogin.Public)
//
// On its own it does nothing but call the next handler.
func Public(c *gin.Context) { c.Next() }

// LoginRequiredByDefault protects every route of the router it is used on,
// except the routes whose handler chain contains Public: a route added
// without a guard needs a login (the Rails 8 and Django 5.1 model), and
// opening one is a visible decision where the route is declared. Use it
// after Middleware:
//
//	r.Use(ginlogin.Middleware(mgr), ginlogin.LoginRequiredByDefault())
//	r.GET("/login", ginlogin.Public, loginPage)
//	r.GET("/health", ginlogin.Public, health)
//	r.GET("/dashboard", dashboard) // needs a login, like every other route
//
// Refused requests get what LoginRequired gives them (see Deny); unknown
// paths (404) and wrong methods (405) need a login too unless the NoRoute
// and NoMethod handlers are marked Public. Routes may still add their own
// guards (FreshLoginRequired, Require). opts are LoginRequired's. Use one
// LoginRequiredByDefault per router: it remembers per method and route
// pattern whether the route is public. It panics at once if an option is
// invalid.
func LoginRequiredByDefault(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts("LoginRequiredByDefault", opts)
	o.refuseFreshOptions("LoginRequiredByDefault")
	public := runtime.FuncForPC(reflect.ValueOf(Public).Pointer()).Name()
	var (
		mu     sync.RWMutex
		routes = map[string]map[string]bool{} // method → route pattern → public
	)
	return func(c *gin.Context) {
		method, pattern := c.Request.Method, c.FullPath()
		mu.RLock()
		open, known := routes[method][pattern]
		mu.RUnlock()
		if !known {
			open = slices.Contains(c.HandlerNames(), public)
			if pattern != "" { // not a 404: the pattern names one route
				mu.Lock()
				if routes[method] == nil {
					routes[method] = map[string]bool{}
				}
				routes[method][pattern] = open
				mu.Unlock()
			}
		}
		if open {
			c.Next()
			return
		}
		if _, ok := guard(c, o); ok {
			c.Next()
		}
	}
}
