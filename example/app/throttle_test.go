package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
)

func TestThrottleRefillsWithTheClock(t *testing.T) {
	clk := newClock()
	th := app.NewThrottle(app.Limit{Burst: 2, Every: 10 * time.Second}, 100, clk.Now)
	assert.True(t, th.Allow("a"))
	assert.True(t, th.Allow("a"))
	assert.False(t, th.Allow("a"))
	assert.True(t, th.Blocked("a"))
	assert.False(t, th.Blocked("b"), "keys are independent")
	clk.Advance(10 * time.Second)
	assert.False(t, th.Blocked("a"))
	assert.True(t, th.Allow("a"))
	th.Reset("a")
	assert.True(t, th.Allow("a"))
}

func TestThrottleStaysBounded(t *testing.T) {
	clk := newClock()
	th := app.NewThrottle(app.Limit{Burst: 1, Every: time.Minute}, 10, clk.Now)
	th.Allow("victim")
	for i := range 50 {
		th.Allow(fmt.Sprintf("flood-%d", i))
		assert.LessOrEqual(t, th.Len(), 10)
	}

	t.Run("refilled buckets go first", func(t *testing.T) {
		th := app.NewThrottle(app.Limit{Burst: 1, Every: time.Minute}, 3, clk.Now)
		th.Allow("old-1")
		th.Allow("old-2")
		clk.Advance(time.Minute) // both refilled: they remember nothing
		th.Allow("blocked")
		th.Allow("new")
		assert.Equal(t, 2, th.Len())
		assert.True(t, th.Blocked("blocked"), "the empty bucket was kept")
	})
}
