package app

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// securityHeaders sets the headers every response carries: a content
// security policy that allows only the site's own stylesheet (no scripts
// at all) and no framing, nosniff, and a referrer policy that keeps paths
// on the site.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests writes one line per request: method, path (never the query,
// which may hold secrets), status and duration. Cookies and headers are
// never logged.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		a.cfg.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

// limitBody caps request bodies at Config.MaxBodyBytes and parses forms up
// front, so an oversized form answers 413 instead of arriving empty (Gin
// ignores form parse errors).
func (a *App) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if err := r.ParseForm(); err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					a.plainError(w, r, http.StatusRequestEntityTooLarge, "Request too large", "The form you sent was larger than this site accepts.")
					return
				}
				a.plainError(w, r, http.StatusBadRequest, "Bad request", "The form you sent could not be read.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginDenied answers the requests http.CrossOriginProtection refuses.
func (a *App) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	a.cfg.Logger.Warn("refused a cross-origin request", "method", r.Method, "path", r.URL.Path)
	a.plainError(w, r, http.StatusForbidden, "Cross-site request refused",
		"This request came from another site, so it was not carried out.")
}

// limitTime bounds the store calls of a request with Config.RequestTimeout.
func (a *App) limitTime(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), a.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// recoverPanics turns a panic into a logged 500 page.
func (a *App) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		a.cfg.Logger.Error("panic while serving a request", "method", c.Request.Method, "path", c.Request.URL.Path,
			"panic", v, "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			a.errorPage(c, http.StatusInternalServerError, "Something went wrong", "The error was logged. Try again in a moment.")
		}
		c.Abort()
	}()
	c.Next()
}
