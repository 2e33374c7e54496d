package ginlogin

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Flash on a route without the Middleware is a set-up mistake it survives:
// no panic, nothing written, the error pushed on c.Errors.
func TestFlashWithoutMiddleware(t *testing.T) {
	t.Parallel()
	var pushed []error
	r := gin.New()
	r.GET("/flash", func(c *gin.Context) {
		Flash(c, "message", "lost")
		for _, e := range c.Errors {
			pushed = append(pushed, e.Err)
		}
		c.String(200, "answered")
	})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/flash", nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "answered", rec.Body.String())
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "nothing written")
	require.Len(t, pushed, 1, "the failure is on c.Errors")
	assert.ErrorIs(t, pushed[0], ErrNoMiddleware)
}

// Flash on a session store that cannot save loses the message, logs a
// warning, pushes the error on c.Errors, and the handler still answers.
func TestFlashWhenTheSessionCannotBeSaved(t *testing.T) {
	t.Parallel()
	saveErr := errors.New("session store: disk full")
	store := &failingSessionStore{Store: NewCookieStore(testSecret)}
	var logs *logBuffer
	a := newTestApp(t, func(c *Config) {
		logs = captureLogs(c)
		c.SessionStore = store
		c.RememberStore = NewMemoryStore() // no start-up warning in the log
	})
	var pushed []error
	a.engine.GET("/flash", func(c *gin.Context) {
		Flash(c, "message", "lost")
		for _, e := range c.Errors {
			pushed = append(pushed, e.Err)
		}
		c.String(200, "answered")
	})
	logs.reset()
	store.set(nil, saveErr)
	rec := a.browser().get("/flash")
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "answered", rec.Body.String())
	require.Len(t, pushed, 1)
	assert.ErrorIs(t, pushed[0], saveErr)
	var warned bool
	for _, line := range logs.lines() {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "flash message lost") {
			warned = true
		}
	}
	assert.True(t, warned, "a warning is logged: %q", logs.lines())
}
