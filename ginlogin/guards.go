package ginlogin

import (
	"github.com/gin-gonic/gin"
)

// GuardOption changes one guard.
type GuardOption func(*guardOptions)

type guardOptions struct {
	loginURL   string
	refreshURL string
	api        bool
}

// WithLoginURL sends this guard's unauthorized page requests to url instead
// of Config.LoginURL. Used on a route group, it is the group's login page.
func WithLoginURL(url string) GuardOption { return func(o *guardOptions) { o.loginURL = url } }

// WithRefreshURL sends this guard's needs-refresh requests to url instead of
// Config.RefreshURL.
func WithRefreshURL(url string) GuardOption { return func(o *guardOptions) { o.refreshURL = url } }

// AsAPI makes the guard answer as an API whatever the request's headers: a
// JSON 401 or 403 instead of a redirect or a page, for clients that send no
// Accept header. Use it on API route groups:
//
//	api := r.Group("/api", ginlogin.LoginRequired(ginlogin.AsAPI()))
//
// Fail and the error handler then answer JSON on those routes too.
func AsAPI() GuardOption { return func(o *guardOptions) { o.api = true } }

type guardURLKey struct{}

// apiRouteKey marks a request whose guard was made with AsAPI.
type apiRouteKey struct{}

// LoginRequired lets a request through only if a user is logged in (active
// and authenticated). Others get Unauthorized: a redirect to the login page
// for pages, a JSON 401 for API requests. Methods in Config.ExemptMethods
// (OPTIONS) always pass. A store or loader failure goes to the error handler.
func LoginRequired(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts(opts)
	return func(c *gin.Context) {
		if _, ok := guard(c, o); ok {
			c.Next()
		}
	}
}

// FreshLoginRequired is LoginRequired that also needs a fresh login (see
// IsFresh); a logged-in user whose login is not fresh gets NeedsRefresh.
func FreshLoginRequired(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts(opts)
	return func(c *gin.Context) {
		st, ok := guard(c, o)
		if !ok {
			return
		}
		if st != nil && !IsFresh(c) {
			needsRefresh(c, st.m, o.refreshURL)
			return
		}
		c.Next()
	}
}

// Require is LoginRequired that also needs allow(user) to hold, for role and
// permission checks:
//
//	admin := r.Group("/admin", ginlogin.Require(func(u ginlogin.User) bool {
//		return u.(*User).IsAdmin
//	}))
//
// A logged-in user it refuses gets 403 (Config.Forbidden).
func Require(allow func(User) bool, opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts(opts)
	return func(c *gin.Context) {
		st, ok := guard(c, o)
		if !ok {
			return
		}
		if st != nil && !allow(st.user) {
			forbidden(c, st.m)
			return
		}
		c.Next()
	}
}

func guardOpts(opts []GuardOption) guardOptions {
	var o guardOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// guard checks for a login. It returns ok=false after answering the request;
// st is nil for exempt methods, which pass without a user.
func guard(c *gin.Context, o guardOptions) (*requestState, bool) {
	st, err := stateOf(c)
	if err != nil {
		setupError(c, err)
		return nil, false
	}
	if o.api {
		c.Set(apiRouteKey{}, true)
	}
	if st.m.exempt[c.Request.Method] {
		return nil, true
	}
	if o.loginURL != "" {
		c.Set(guardURLKey{}, o.loginURL)
	}
	user, err := st.currentUser()
	if err != nil {
		Fail(c, err)
		return nil, false
	}
	if !IsLoggedIn(user) {
		unauthorized(c, st.m, ErrNotAuthenticated)
		return nil, false
	}
	return st, true
}
