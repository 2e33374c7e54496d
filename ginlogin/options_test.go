package ginlogin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AsAPI: an API route group answers JSON without the client asking for it.
func TestAsAPIGuardAnswersJSON(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.LoginURL = "/login" })
	api := a.engine.Group("/api", LoginRequired(AsAPI()))
	api.GET("/me", func(c *gin.Context) { c.String(200, idOf(c)) })
	a.engine.GET("/api-fail", LoginRequired(AsAPI()), func(c *gin.Context) {
		Fail(c, fmt.Errorf("db: %w", ErrStoreUnavailable))
	})
	b := a.browser()

	rec := b.get("/api/me")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.JSONEq(t, `{"error":"unauthorized","message":"Please log in to access this page."}`, rec.Body.String())
	assert.Empty(t, rec.Header().Get("Location"))

	page := b.get("/protected")
	assert.Equal(t, http.StatusFound, page.Code, "routes without AsAPI still redirect pages")

	require.Equal(t, 200, b.get("/login/1").Code)
	assert.Equal(t, "1", b.get("/api/me").Body.String())
	fail := b.get("/api-fail")
	assert.Equal(t, http.StatusServiceUnavailable, fail.Code)
	assert.JSONEq(t, `{"error":"unavailable","message":"Service Unavailable"}`, fail.Body.String())
}

// The cookie store's session cookie ends with the browser unless
// Persistent is set; server-side stores always get a lifetime.
func TestSessionCookieLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mutate     func(*Config)
		wantMaxAge int
	}{
		{"cookie store, browser session", nil, 0},
		{"cookie store, persistent", func(c *Config) { c.SessionCookie.Persistent = true }, int((12 * time.Hour).Seconds())},
		{"memstore", func(c *Config) {
			c.SessionStore = memstore.NewStore(SessionKeyPairs(testSecret)...)
			c.AbsoluteTimeout = 2 * time.Hour
		}, int((2 * time.Hour).Seconds())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, tt.mutate)
			rec := a.browser().get("/login/1")
			require.Equal(t, 200, rec.Code)
			var found bool
			for _, ck := range rec.Result().Cookies() {
				if ck.Name != "session" {
					continue
				}
				found = true
				assert.Equal(t, tt.wantMaxAge, ck.MaxAge)
				assert.Equal(t, tt.wantMaxAge == 0, ck.Expires.IsZero(), "Expires only on persistent cookies")
				assert.True(t, ck.HttpOnly)
				assert.True(t, ck.Secure)
				assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
			}
			assert.True(t, found, "a session cookie was set")
		})
	}
}

func TestIsUnavailableCountsClosedConnections(t *testing.T) {
	t.Parallel()
	for _, err := range []error{io.EOF, io.ErrUnexpectedEOF, fmt.Errorf("redis: %w", io.EOF), ErrStoreUnavailable} {
		assert.True(t, IsUnavailable(err), "%v", err)
	}
	for _, err := range []error{nil, errors.New("constraint violated"), ErrDeviceNotFound} {
		assert.False(t, IsUnavailable(err), "%v", err)
	}
}

// A client that disconnected is not an outage: no error log, no error
// handler, status 499 for the access log.
func TestFailAfterClientWentAway(t *testing.T) {
	t.Parallel()
	var logs *logBuffer
	handled := false
	a := newTestApp(t, func(c *Config) {
		logs = captureLogs(c)
		c.RememberStore = NewMemoryStore() // no start-up warning in the log
		c.ErrorHandler = func(*gin.Context, error) { handled = true }
	})
	a.engine.GET("/gone", func(c *gin.Context) {
		ctx, cancel := context.WithCancel(c.Request.Context())
		cancel() // as net/http does when the client closes the connection
		c.Request = c.Request.WithContext(ctx)
		Fail(c, fmt.Errorf("query: %w", ctx.Err()))
	})
	rec := a.browser().get("/gone")
	assert.Equal(t, statusClientClosedRequest, rec.Code)
	assert.False(t, handled)
	lines := logs.lines()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "level=DEBUG")
	assert.Contains(t, lines[0], "client went away")
}
