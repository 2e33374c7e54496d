package ginlogin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

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
// cookie names clash with the outer Manager's refuses every request with a
// logged 500, in every gin mode. Running the same
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
				setupError(c, m, err)
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

// setupError answers a request that hit a wiring mistake (a guard or
// helper without Middleware, nested Managers with the same cookie names):
// one error line saying what to fix, the error pushed with c.Error, and a
// 500. It behaves the same in every gin mode, so a test suite sees what
// production would.
//
// It logs to m's Logger, or the request's Manager's when m is nil, or
// slog.Default() without either.
func setupError(c *gin.Context, m *Manager, err error) {
	msg := err.Error()
	if errors.Is(err, ErrNoMiddleware) {
		msg += ": add r.Use(ginlogin.Middleware(mgr)) before the routes that use ginlogin"
	}
	_ = c.Error(err)
	logger := slog.Default()
	if m == nil {
		m, _ = managerOf(c)
	}
	if m != nil {
		logger = m.cfg.Logger
	}
	logger.Error("ginlogin: set-up error", "err", msg, "method", c.Request.Method, "path", c.FullPath())
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.AbortWithStatus(http.StatusInternalServerError)
	_, _ = c.Writer.WriteString(http.StatusText(http.StatusInternalServerError) + "\n")
}

// GuardOption changes one guard. Options are checked when the guard is
// made, so a mistake (a login URL that is not a path or http(s) URL) panics
// while the routes are built, at start-up, never on a request.
type GuardOption func(*guardOptions)

type guardOptions struct {
	loginURL    string
	refreshURL  string
	api         bool
	freshWithin time.Duration // 0: Config.FreshFor
	freshGrace  time.Duration
	freshOpts   []string // fresh-only options given, checked by the guard
	errs        []error
}

// WithLoginURL sends this guard's refused page requests to url instead of
// Config.LoginURL. Used on a route group, it is the group's login page. url
// is a path ("/admin/login") or an absolute http(s) URL.
func WithLoginURL(url string) GuardOption {
	return func(o *guardOptions) {
		o.loginURL = url
		o.check("WithLoginURL", url)
	}
}

// WithRefreshURL sends this guard's needs-refresh page requests to url
// instead of Config.RefreshURL.
func WithRefreshURL(url string) GuardOption {
	return func(o *guardOptions) {
		o.refreshURL = url
		o.check("WithRefreshURL", url)
	}
}

// FreshWithin makes FreshLoginRequired need a password entered within d
// instead of Config.FreshFor: "password entered in the last 5 minutes" for
// deleting the account, the configured window elsewhere (Spring
// Security's and Laravel's per-route reauthentication). d must be at least
// one second. Only for FreshLoginRequired.
func FreshWithin(d time.Duration) GuardOption {
	return func(o *guardOptions) {
		o.freshWithin = d
		o.freshOpts = append(o.freshOpts, "FreshWithin")
		if d < time.Second {
			o.errs = append(o.errs, fmt.Errorf("ginlogin: FreshWithin(%v): use a duration of at least one second", d))
		}
	}
}

// FreshGrace lets a multi-step form finish: once a request passed
// FreshLoginRequired with a fresh login, the browser keeps passing the
// routes guarded with the same grace for d more, even if the login stops
// being fresh meanwhile (Flask-Security-Too's freshness grace period). The
// grace lives in the session and ends with the login. Only for
// FreshLoginRequired.
func FreshGrace(d time.Duration) GuardOption {
	return func(o *guardOptions) {
		o.freshGrace = d
		o.freshOpts = append(o.freshOpts, "FreshGrace")
		if d < time.Second {
			o.errs = append(o.errs, fmt.Errorf("ginlogin: FreshGrace(%v): use a duration of at least one second", d))
		}
	}
}

// AsAPI makes the guard answer JSON whatever the request's headers, even to
// a client whose Accept header asks for HTML: a JSON 401 or 403 instead of
// a redirect or a page. The default already answers JSON to every client
// that does not ask for a page (see WantsHTML); use AsAPI on API route
// groups that browsers may also open:
//
//	api := r.Group("/api", ginlogin.LoginRequired(ginlogin.AsAPI()))
//
// Fail and the error handler then answer JSON on those routes too.
func AsAPI() GuardOption { return func(o *guardOptions) { o.api = true } }

func (o *guardOptions) check(option, url string) {
	if url == "" {
		o.errs = append(o.errs, fmt.Errorf("ginlogin: %s(\"\"): give a path such as \"/login\" or leave the option out", option))
		return
	}
	if err := checkURL(option, url); err != nil {
		o.errs = append(o.errs, err)
	}
}

type guardURLKey struct{}
type guardRefreshURLKey struct{}

// apiRouteKey marks a request whose guard was made with AsAPI.
type apiRouteKey struct{}

// LoginRequired lets a request through only if a user is logged in (an
// active user, from the session, the remember cookie or the request
// loader). Others are refused with ErrNotAuthenticated (see Deny): a
// redirect to the login page for a browser's page request, a JSON 401 for
// everything else. Methods in Config.ExemptMethods (OPTIONS) always pass. A
// store or loader failure goes to Fail (503 or 500). It panics at once if an
// option is invalid.
func LoginRequired(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts("LoginRequired", opts)
	o.refuseFreshOptions("LoginRequired")
	return func(c *gin.Context) {
		if _, ok := guard(c, o); ok {
			c.Next()
		}
	}
}

// FreshLoginRequired is LoginRequired that also needs a fresh login (see
// IsFresh; FreshWithin sets this route's own window and FreshGrace a grace
// period); a logged-in user whose login is not fresh is refused with
// ErrNeedsRefresh (see Deny): a redirect to the refresh page for a browser,
// a JSON 401 {"error": "reauthentication_required"} otherwise, which an API
// client tells apart from "not logged in" ({"error": "unauthorized"}).
func FreshLoginRequired(opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts("FreshLoginRequired", opts)
	return func(c *gin.Context) {
		st, ok := guard(c, o)
		if !ok {
			return
		}
		if !st.freshEnough(o) {
			deny(c, st, ErrNeedsRefresh)
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
// A logged-in user it refuses gets ErrForbidden (see Deny: 403). It panics
// at once if allow is nil or an option is invalid.
func Require(allow func(User) bool, opts ...GuardOption) gin.HandlerFunc {
	o := guardOpts("Require", opts)
	o.refuseFreshOptions("Require")
	if allow == nil {
		panic("ginlogin: Require(nil): give the predicate that decides who may pass")
	}
	return func(c *gin.Context) {
		st, ok := guard(c, o)
		if !ok {
			return
		}
		if !allow(st.user) {
			deny(c, st, ErrForbidden)
			return
		}
		c.Next()
	}
}

// refuseFreshOptions panics if a freshness option was given to a guard
// that does not check freshness.
func (o guardOptions) refuseFreshOptions(guard string) {
	if len(o.freshOpts) > 0 {
		panic(fmt.Sprintf("ginlogin: %s(%s(...)): %s is an option of FreshLoginRequired", guard, o.freshOpts[0], o.freshOpts[0]))
	}
}

func guardOpts(guard string, opts []GuardOption) guardOptions {
	var o guardOptions
	for _, opt := range opts {
		if opt == nil {
			panic("ginlogin: " + guard + ": nil GuardOption")
		}
		opt(&o)
	}
	if err := errors.Join(o.errs...); err != nil {
		panic(guard + ": " + err.Error())
	}
	return o
}

// guardState prepares a guard's request: the request state, and the
// guard's options recorded for Deny. It returns ok=false after answering
// the request; st is nil for exempt methods, which pass.
func guardState(c *gin.Context, o guardOptions) (*requestState, bool) {
	st, err := stateOf(c)
	if err != nil {
		setupError(c, nil, err)
		return nil, false
	}
	if o.api {
		c.Set(apiRouteKey{}, true)
	}
	if st.m.exempt[c.Request.Method] {
		c.Next()
		return nil, false
	}
	if o.loginURL != "" {
		c.Set(guardURLKey{}, o.loginURL)
	}
	if o.refreshURL != "" {
		c.Set(guardRefreshURLKey{}, o.refreshURL)
	}
	return st, true
}

// guard checks for a login. It returns ok=false after answering the
// request (or, for exempt methods, after running the rest of the chain).
func guard(c *gin.Context, o guardOptions) (*requestState, bool) {
	st, ok := guardState(c, o)
	if !ok {
		return nil, false
	}
	user, err := st.currentUser()
	if err != nil {
		Fail(c, err)
		return nil, false
	}
	if !isLoggedIn(user) {
		deny(c, st, ErrNotAuthenticated)
		return nil, false
	}
	return st, true
}
