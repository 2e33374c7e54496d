package ginlogin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Unauthorized answers a request that needs a login, as LoginRequired does:
// Hooks.Unauthorized runs, then Config.Unauthorized if set; otherwise page
// requests get the login message flashed and a redirect to the login URL
// (302 for GET and HEAD, 303 otherwise) with a relative `next`, and API
// requests (see IsAPIRequest), or any request when no login URL is
// configured, get a JSON 401. The request is aborted.
func Unauthorized(c *gin.Context) {
	st, err := stateOf(c)
	if err != nil {
		setupError(c, err)
		return
	}
	unauthorized(c, st.m, ErrNotAuthenticated)
}

// NeedsRefresh answers a request that needs a fresh login, as
// FreshLoginRequired does, with Config.RefreshURL and the refresh message.
func NeedsRefresh(c *gin.Context) {
	st, err := stateOf(c)
	if err != nil {
		setupError(c, err)
		return
	}
	needsRefresh(c, st.m, "")
}

func unauthorized(c *gin.Context, m *Manager, reason error) {
	if m.cfg.Hooks.Unauthorized != nil {
		m.cfg.Hooks.Unauthorized(c)
	}
	if m.cfg.Unauthorized != nil {
		m.cfg.Unauthorized(c, reason)
		c.Abort()
		return
	}
	target := m.loginURLFor(c)
	msg := m.localize(c, m.cfg.LoginMessage)
	if target == "" || IsAPIRequest(c) {
		abortJSON(c, http.StatusUnauthorized, "unauthorized", msg)
		return
	}
	m.redirectWithNext(c, target, msg, m.cfg.LoginMessageCategory)
}

func needsRefresh(c *gin.Context, m *Manager, override string) {
	if m.cfg.Hooks.NeedsRefresh != nil {
		m.cfg.Hooks.NeedsRefresh(c)
	}
	if m.cfg.NeedsRefresh != nil {
		m.cfg.NeedsRefresh(c)
		c.Abort()
		return
	}
	target := override
	if target == "" {
		target = m.cfg.RefreshURL
	}
	msg := m.localize(c, m.cfg.RefreshMessage)
	if target == "" || IsAPIRequest(c) {
		abortJSON(c, http.StatusUnauthorized, "reauthentication_required", msg)
		return
	}
	m.redirectWithNext(c, target, msg, m.cfg.RefreshMessageCategory)
}

func forbidden(c *gin.Context, m *Manager) {
	if m.cfg.Forbidden != nil {
		m.cfg.Forbidden(c)
		c.Abort()
		return
	}
	if IsAPIRequest(c) {
		abortJSON(c, http.StatusForbidden, "forbidden", "You do not have permission to access this page.")
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.AbortWithStatus(http.StatusForbidden)
	_, _ = c.Writer.WriteString("Forbidden\n")
}

// redirectWithNext flashes msg and redirects to target with the current
// page as `next`, in the query or (NextInSession) in the session.
func (m *Manager) redirectWithNext(c *gin.Context, target, msg, category string) {
	if msg != "" {
		if err := Flash(c, category, msg); err != nil {
			Fail(c, err)
			return
		}
	}
	current := c.Request.URL.RequestURI()
	if m.cfg.NextInSession {
		if err := m.setSessionNext(c, MakeNextParam(target, current)); err != nil {
			Fail(c, err)
			return
		}
		current = ""
	}
	location := target
	if current != "" {
		location = LoginURL(target, current, m.cfg.NextField)
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

// IsAPIRequest reports whether the client wants JSON rather than a page: the
// route's guard was made with AsAPI, the client sent X-Requested-With:
// XMLHttpRequest, or its Accept header prefers application/json (or any
// +json type) to text/html.
func IsAPIRequest(c *gin.Context) bool {
	if v, ok := c.Get(apiRouteKey{}); ok && v == true {
		return true
	}
	if strings.EqualFold(c.GetHeader("X-Requested-With"), "XMLHttpRequest") {
		return true
	}
	accept := c.GetHeader("Accept")
	if accept == "" {
		return false
	}
	jsonQ, htmlQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mediaType, q := parseAcceptPart(part)
		switch {
		case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
			jsonQ = max(jsonQ, q)
		case mediaType == "text/html" || mediaType == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}

func parseAcceptPart(part string) (string, float64) {
	fields := strings.Split(part, ";")
	mediaType := strings.ToLower(strings.TrimSpace(fields[0]))
	q := 1.0
	for _, f := range fields[1:] {
		// Parameter names are case-insensitive (RFC 9110): "Q=0" is q=0.
		f = strings.TrimSpace(f)
		if len(f) >= 2 && (f[0] == 'q' || f[0] == 'Q') && f[1] == '=' {
			v := f[2:]
			if val, err := strconv.ParseFloat(v, 64); err == nil && val >= 0 && val <= 1 {
				q = val
			}
		}
	}
	return mediaType, q
}

// statusClientClosedRequest is nginx's status for a request whose client
// disconnected before the answer.
const statusClientClosedRequest = 499

func abortJSON(c *gin.Context, status int, code, msg string) {
	body := gin.H{"error": code}
	if msg != "" {
		body["message"] = msg
	}
	c.AbortWithStatusJSON(status, body)
}

// Fail answers a request whose user could not be determined, or whose
// login helper failed, with Config.ErrorHandler: by default 503 when
// IsUnavailable(err) (a store could not be reached), 500 otherwise (a bug
// or bad data, such as a constraint violation), as JSON for API requests.
// It logs one error line, "ginlogin: store unavailable" or "ginlogin:
// internal error" (without cookie values or secrets), and pushes err with
// c.Error.
//
// When the client has gone away (the request's context was canceled), the
// failure is only the cancellation: it is logged at debug level and the
// request aborted with 499 (nginx's "client closed request") for access
// logs, without calling the error handler.
func Fail(c *gin.Context, err error) {
	_ = c.Error(err)
	m, _ := managerOf(c)
	if errors.Is(c.Request.Context().Err(), context.Canceled) {
		if m != nil {
			m.cfg.Logger.Debug("ginlogin: client went away", "method", c.Request.Method, "path", c.FullPath(), "err", err)
		}
		c.AbortWithStatus(statusClientClosedRequest)
		return
	}
	status := http.StatusInternalServerError
	if IsUnavailable(err) {
		status = http.StatusServiceUnavailable
	}
	if m != nil {
		msg := "ginlogin: internal error"
		if status == http.StatusServiceUnavailable {
			msg = "ginlogin: store unavailable"
		}
		m.cfg.Logger.Error(msg, "status", status, "method", c.Request.Method, "path", c.FullPath(), "err", err)
		if m.cfg.ErrorHandler != nil {
			m.cfg.ErrorHandler(c, err)
			c.Abort()
			return
		}
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "5")
	}
	if IsAPIRequest(c) {
		code := "internal_error"
		if status == http.StatusServiceUnavailable {
			code = "unavailable"
		}
		abortJSON(c, status, code, http.StatusText(status))
		return
	}
	c.Header("Content-Type", "text/plain; charset=utf-8")
	c.AbortWithStatus(status)
	_, _ = c.Writer.WriteString(http.StatusText(status) + "\n")
}
