package ginlogin

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// statusClientClosedRequest is nginx's status for a request whose client
// disconnected before the answer.
const statusClientClosedRequest = 499

// Fail answers a request whose user could not be determined, or whose
// login helper failed, with Config.ErrorHandler: by default 503 when
// IsUnavailable(err) (a store could not be reached), 500 otherwise (a bug
// or bad data, such as a constraint violation), as JSON unless the client wants a page (WantsHTML).
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
	if !WantsHTML(c) {
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
