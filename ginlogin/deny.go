package ginlogin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Deny refuses the request as a guard does, for the reason given:
// ErrNotAuthenticated, ErrNeedsRefresh or ErrForbidden (any other error is
// treated as ErrForbidden). Hooks.Denied runs first, then
// Config.DenyHandler if set; otherwise the default answer depends on the
// client (see WantsHTML):
//
//   - ErrNotAuthenticated: a page request is sent to the login URL (the
//     guard's WithLoginURL, Config.GroupLoginURLs, Config.LoginURL; or
//     Config.TwoStep.URL while a second factor is pending) with the
//     login message flashed and the current page as `next` (302 for GET and
//     HEAD, 303 otherwise); everything else, and any request when no login
//     URL is configured, gets a JSON 401 {"error": "unauthorized"}, with
//     WWW-Authenticate: Bearer when Config.RequestLoader is set.
//   - ErrNeedsRefresh: the same with the refresh URL and message, and the
//     JSON 401 {"error": "reauthentication_required"}. A login that came
//     from the RequestLoader always gets the JSON answer: it has no
//     password to re-enter on a page.
//   - ErrForbidden: 403 as a small HTML page for page requests and as JSON
//     {"error": "forbidden"} otherwise.
//
// The request is aborted. Without the Middleware it answers 500 (see
// ErrNoMiddleware).
func Deny(c *gin.Context, reason error) {
	st, err := stateOf(c)
	if err != nil {
		setupError(c, nil, err)
		return
	}
	deny(c, st, reason)
}

func deny(c *gin.Context, st *requestState, reason error) {
	m := st.m
	if m.cfg.Hooks.Denied != nil {
		m.cfg.Hooks.Denied(c, reason)
	}
	if m.cfg.DenyHandler != nil {
		m.cfg.DenyHandler(c, reason)
		c.Abort()
		return
	}
	page := WantsHTML(c) && !st.viaRequest
	switch {
	case errors.Is(reason, ErrNotAuthenticated):
		target := m.loginURLFor(c)
		if m.cfg.TwoStep.URL != "" && st.hasPendingLogin() {
			target = m.cfg.TwoStep.URL // the second factor is pending
		}
		msg := m.localize(c, m.cfg.LoginMessage)
		if target == "" || !page {
			if m.cfg.RequestLoader != nil {
				c.Header("WWW-Authenticate", "Bearer")
			}
			abortJSON(c, http.StatusUnauthorized, "unauthorized", msg)
			return
		}
		m.redirectWithNext(c, target, msg, m.cfg.LoginMessageCategory)
	case errors.Is(reason, ErrNeedsRefresh):
		target := m.cfg.RefreshURL
		if v, ok := c.Get(guardRefreshURLKey{}); ok {
			target = v.(string)
		}
		msg := m.localize(c, m.cfg.RefreshMessage)
		if target == "" || !page {
			abortJSON(c, http.StatusUnauthorized, "reauthentication_required", msg)
			return
		}
		m.redirectWithNext(c, target, msg, m.cfg.RefreshMessageCategory)
	default:
		const msg = "You do not have permission to access this page."
		if !page {
			abortJSON(c, http.StatusForbidden, "forbidden", msg)
			return
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.AbortWithStatus(http.StatusForbidden)
		_, _ = c.Writer.WriteString(forbiddenPage)
	}
}

// forbiddenPage is the default 403 page: no scripts, no styles, nothing
// from the request.
const forbiddenPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Forbidden</title></head>
<body><h1>Forbidden</h1><p>You do not have permission to access this page.</p></body></html>
`

// redirectWithNext flashes msg and redirects to target with the current
// page as `next`, in the query or (NextInSession) in the session.
func (m *Manager) redirectWithNext(c *gin.Context, target, msg, category string) {
	if msg != "" {
		if err := flash(c, category, msg); err != nil {
			Fail(c, err)
			return
		}
	}
	current := c.Request.URL.RequestURI()
	if m.cfg.NextInSession {
		if err := m.setSessionNext(c, nextParam(target, current)); err != nil {
			Fail(c, err)
			return
		}
		current = ""
	}
	location := target
	if current != "" {
		location = withNext(target, current, m.cfg.NextField)
	}
	status := http.StatusFound
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		status = http.StatusSeeOther
	}
	c.Header("Location", location)
	c.AbortWithStatus(status)
}

// loginURLFor picks the login URL: a guard's WithLoginURL, then the longest
// matching Config.GroupLoginURLs prefix, then Config.LoginURL.
func (m *Manager) loginURLFor(c *gin.Context) string {
	if v, ok := c.Get(guardURLKey{}); ok {
		return v.(string)
	}
	path := c.FullPath()
	if path == "" {
		path = c.Request.URL.Path
	}
	for _, g := range m.groupPrefixes {
		if path == g.prefix || strings.HasPrefix(path, g.prefix+"/") || g.prefix == "" {
			return g.url
		}
	}
	return m.cfg.LoginURL
}

func (m *Manager) localize(c *gin.Context, msg string) string {
	if m.cfg.Localize != nil {
		return m.cfg.Localize(c, msg)
	}
	return msg
}

func abortJSON(c *gin.Context, status int, code, msg string) {
	body := gin.H{"error": code}
	if msg != "" {
		body["message"] = msg
	}
	c.AbortWithStatusJSON(status, body)
}
