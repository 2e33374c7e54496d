package ginlogin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A short IdleTimeout must not end a session that is used within it: the
// last use is recorded at least ten times per idle window.
func TestShortIdleTimeoutKeepsActiveSessionAlive(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.IdleTimeout = 30 * time.Second })
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	for i := 0; i < 12; i++ { // two minutes of activity, a request every 10 seconds
		a.clock.Advance(10 * time.Second)
		require.Equal(t, 200, b.get("/protected").Code, "request %d", i)
	}
	a.clock.Advance(31 * time.Second)
	assert.Equal(t, 401, b.get("/protected").Code, "idle for longer than the timeout")
}
