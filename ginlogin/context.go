package ginlogin

import (
	"context"

	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
)

// stateKey and userKey are unexported types, so no other package can read or
// overwrite the values stored under them.
type stateKey struct{}
type userKey struct{}

// requestState is the library's per-request memory: the manager, the user
// once loaded, and what happened to the remember cookie during the request.
type requestState struct {
	m               *Manager
	c               *gin.Context
	user            User
	loaded          bool
	loading         bool
	remembered      bool // the login was restored from the remember cookie
	viaRequest      bool // the login came from Config.RequestLoader
	rememberCleared bool // the remember cookie was revoked during this request
	pending         []func()
	headers         [2]string // this response's Cache-Control and Vary values
}

// stateOf returns the request's state, creating it on first use. The
// Middleware only stores the Manager, so requests that never ask for the
// user allocate nothing here.
func stateOf(c *gin.Context) (*requestState, error) {
	if c == nil {
		return nil, ErrNoMiddleware
	}
	if v, ok := c.Get(stateKey{}); ok {
		if st, ok := v.(*requestState); ok {
			return st, nil
		}
	}
	m, ok := managerOf(c)
	if !ok {
		return nil, ErrNoMiddleware
	}
	st := &requestState{m: m, c: c}
	c.Set(stateKey{}, st)
	return st, nil
}

// CurrentUser returns the request's logged-in user, loading it on first
// use: from the session, then the remember cookie, then
// Config.RequestLoader. It is loaded at most once per request; a failed
// load is not cached, so a later call tries again.
//
// The user is nil when nobody is logged in, including when the user who
// was logged in is no longer active; err is ErrNoMiddleware without the
// Middleware, or a store or loader failure (see IsUnavailable), which a
// handler answers with Fail. A guarded route's handler can ignore err: the
// guard has loaded the user already, and would have answered a failure.
func CurrentUser(c *gin.Context) (User, error) {
	st, err := stateOf(c)
	if err != nil {
		return nil, err
	}
	u, err := st.currentUser()
	if err != nil || !isLoggedIn(u) {
		return nil, err
	}
	return u, nil
}

// Current returns the request's logged-in user as the application's own
// type, and whether there is one (false also when loading failed; use
// CurrentUser to tell the two apart):
//
//	u, ok := ginlogin.Current[*User](c)
func Current[T User](c *gin.Context) (T, bool) {
	u, _ := CurrentUser(c)
	t, ok := u.(T)
	if !ok {
		var zero T
		return zero, false
	}
	return t, true
}

// FromContext returns the logged-in user of the request ctx belongs to,
// for code that has only a context.Context (a repository method, a
// template function). It works with the request's context once the user
// has been loaded (by a guard or CurrentUser), and with the *gin.Context
// itself at any time. ok is false when nobody is logged in.
func FromContext(ctx context.Context) (User, bool) {
	if ctx == nil {
		return nil, false
	}
	if c, ok := ctx.(*gin.Context); ok {
		u, _ := CurrentUser(c)
		return u, u != nil
	}
	u, ok := ctx.Value(userKey{}).(User)
	if !ok || !isLoggedIn(u) {
		return nil, false
	}
	return u, true
}

// setUser records the loaded user for the rest of the request, on the
// gin.Context and on the request's context.Context.
func (st *requestState) setUser(u User) {
	st.user = u
	st.loaded = true
	r := st.c.Request
	// Make sure gorilla's per-request session registry lives on the original
	// request before it is copied, so the copy and gin-contrib's session
	// (which kept the original pointer) share one registry.
	gsessions.GetRegistry(r)
	st.c.Request = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
	st.markUserDependent()
}

// markUserDependent stops caches from storing or sharing a response that
// depends on who is logged in: Cache-Control: no-store and Vary: Cookie.
// The header values live in the request's own state, so no two responses
// share a slice (a handler that edits a value in place changes only its own
// response) and marking costs no allocation. Each call writes them afresh.
func (st *requestState) markUserDependent() {
	h := st.c.Writer.Header()
	st.headers = [2]string{"no-store", "Cookie"}
	h["Cache-Control"] = st.headers[0:1:1]
	vary := h["Vary"]
	for _, v := range vary {
		if v == "Cookie" {
			return
		}
	}
	if len(vary) == 0 {
		h["Vary"] = st.headers[1:2:2]
		return
	}
	h["Vary"] = append(vary, "Cookie")
}

// firePending runs the hooks queued while loading, now that the user is set.
func (st *requestState) firePending() {
	p := st.pending
	st.pending = nil
	for _, f := range p {
		f()
	}
}
