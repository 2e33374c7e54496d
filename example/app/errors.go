package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// wantsJSON reports whether the request gets JSON errors: everything under
// /api/, and clients that do not ask for a page (ginlogin.WantsHTML).
func wantsJSON(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/") || !ginlogin.WantsHTML(c)
}

// failure is ginlogin's Config.ErrorHandler and the app's answer to store
// errors: 503 with Retry-After when the store is unavailable (an outage
// that heals by itself), 500 otherwise; JSON for the API, a page otherwise.
func (a *App) failure(c *gin.Context, err error) {
	if ginlogin.IsUnavailable(err) {
		c.Header("Retry-After", "5")
		a.errorPage(c, http.StatusServiceUnavailable, "Temporarily unavailable",
			"The site cannot reach its database right now. Try again in a moment.")
		return
	}
	a.errorPage(c, http.StatusInternalServerError, "Something went wrong", "The error was logged. Try again in a moment.")
}

// fail answers a request whose store call failed, through ginlogin.Fail
// (which logs the error and calls failure).
func fail(c *gin.Context, err error) { ginlogin.Fail(c, err) }

// errorPage answers with an error page (or JSON for the API) and aborts.
// Pages for client errors show who is logged in; pages for server errors
// do not touch the session, whose store may be the thing that failed.
func (a *App) errorPage(c *gin.Context, status int, title, text string) {
	if wantsJSON(c) {
		c.AbortWithStatusJSON(status, gin.H{"error": errorCode(status), "message": text})
		return
	}
	p := &page{Path: c.Request.URL.Path}
	if status < 500 {
		if base, err := a.base(c, false); err == nil {
			p = base
		}
	}
	p.Status, p.ErrorTitle, p.ErrorText = status, title, text
	p.ErrorLink, p.ErrorLinkText = "/", "Go to the home page"
	if p.User != nil {
		p.ErrorLink, p.ErrorLinkText = "/dashboard", "Go to your dashboard"
	}
	a.pages.render(c, status, "error", p)
	c.Abort()
}

// plainError is errorPage for the middleware outside Gin: no session.
func (a *App) plainError(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": errorCode(status), "message": text})
		return
	}
	p := &page{Path: r.URL.Path, Status: status, ErrorTitle: title, ErrorText: text, ErrorLink: "/", ErrorLinkText: "Go to the home page"}
	var buf bytes.Buffer
	if err := a.pages.sets["error"].ExecuteTemplate(&buf, "base", p); err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func errorCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case http.StatusInternalServerError:
		return "internal_error"
	}
	return "bad_request"
}
