package app_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limiterBackends returns a constructor of limiters of each kind: in
// process, in miniredis, and in the Redis of REDIS_URL when it is set
// (under a key prefix of the test's own, deleted afterwards).
func limiterBackends(t *testing.T) map[string]func(app.Limit, *clock) app.Limiter {
	t.Helper()
	backends := map[string]func(app.Limit, *clock) app.Limiter{
		"memory": func(l app.Limit, clk *clock) app.Limiter { return app.NewMemoryLimiter(l, 1000, clk.Now) },
	}
	redisAt := func(url, prefix string) func(app.Limit, *clock) app.Limiter {
		pool := &redis.Pool{MaxIdle: 64, Dial: func() (redis.Conn, error) { return redis.DialURL(url) }}
		t.Cleanup(func() { pool.Close() })
		n := 0
		return func(l app.Limit, clk *clock) app.Limiter {
			n++ // each limiter in its own keys
			return app.NewRedisLimiter(pool, fmt.Sprintf("%s%d:", prefix, n), l, clk.Now)
		}
	}
	backends["miniredis"] = redisAt("redis://"+miniredis.RunT(t).Addr()+"/0", "test:")
	if u := os.Getenv("REDIS_URL"); u != "" {
		prefix := "ginlogin-example-test-" + testenv.RandomName(t) + ":"
		t.Cleanup(func() { deleteRedisKeys(t, u, prefix) })
		backends["REDIS_URL"] = redisAt(u, prefix)
	} else {
		t.Log("REDIS_URL is not set: the limiter runs against memory and miniredis only (CI sets REDIS_URL)")
	}
	return backends
}

// deleteRedisKeys deletes the keys under prefix in the Redis at url.
func deleteRedisKeys(t *testing.T, url, prefix string) {
	conn, err := redis.DialURL(url)
	if err != nil {
		t.Logf("cleaning up %s*: %v", prefix, err)
		return
	}
	defer conn.Close()
	keys, _ := redis.Strings(conn.Do("KEYS", prefix+"*"))
	for _, k := range keys {
		_, _ = conn.Do("DEL", k)
	}
}

func TestLimiterIsATokenBucket(t *testing.T) {
	ctx := context.Background()
	for name, newLimiter := range limiterBackends(t) {
		t.Run(name, func(t *testing.T) {
			clk := newClock()
			lim := newLimiter(app.Limit{Burst: 2, Every: 10 * time.Second}, clk)
			take := func(key string) (bool, time.Duration) {
				t.Helper()
				ok, wait, err := lim.Take(ctx, key)
				require.NoError(t, err)
				return ok, wait
			}

			ok, _ := take("a")
			assert.True(t, ok)
			ok, _ = take("a")
			assert.True(t, ok)
			ok, wait := take("a")
			assert.False(t, ok, "the bucket is empty after Burst takes")
			assert.Equal(t, 10*time.Second, wait, "one token comes back every Every")
			ok, _ = take("b")
			assert.True(t, ok, "keys are independent")

			clk.Advance(4 * time.Second)
			_, wait = take("a")
			assert.Equal(t, 6*time.Second, wait, "a refused take takes nothing")
			clk.Advance(6 * time.Second)
			ok, _ = take("a")
			assert.True(t, ok, "refilled")

			require.NoError(t, lim.Give(ctx, "a"))
			ok, _ = take("a")
			assert.True(t, ok, "a token given back can be taken again")
			ok, _ = take("a")
			assert.False(t, ok)

			clk.Advance(time.Hour)
			require.NoError(t, lim.Give(ctx, "a"), "giving to a full bucket")
			require.NoError(t, lim.Give(ctx, "never-used"))
			for i := range 3 {
				ok, _ = take("a")
				assert.Equal(t, i < 2, ok, "Give never fills a bucket beyond Burst (take %d)", i+1)
			}
		})
	}
}

// Parallel takes never get more tokens than the bucket holds: the
// check and the count are one step.
func TestLimiterTakesAtomically(t *testing.T) {
	for name, newLimiter := range limiterBackends(t) {
		t.Run(name, func(t *testing.T) {
			lim := newLimiter(app.Limit{Burst: 5, Every: time.Hour}, newClock())
			var mu sync.Mutex
			taken := 0
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 40 {
				wg.Go(func() {
					<-start
					ok, _, err := lim.Take(context.Background(), "victim@example.com")
					if err != nil {
						t.Errorf("Take: %v", err)
					}
					if ok {
						mu.Lock()
						taken++
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			assert.Equal(t, 5, taken)
		})
	}
}

func TestMemoryLimiterStaysBounded(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	lim := app.NewMemoryLimiter(app.Limit{Burst: 1, Every: time.Minute}, 10, clk.Now)
	_, _, _ = lim.Take(ctx, "victim")
	for i := range 50 {
		_, _, _ = lim.Take(ctx, fmt.Sprintf("flood-%d", i))
		assert.LessOrEqual(t, lim.Len(), 10)
	}

	t.Run("refilled buckets go first", func(t *testing.T) {
		lim := app.NewMemoryLimiter(app.Limit{Burst: 1, Every: time.Minute}, 3, clk.Now)
		_, _, _ = lim.Take(ctx, "old-1")
		_, _, _ = lim.Take(ctx, "old-2")
		clk.Advance(time.Minute) // both refilled: they remember nothing
		_, _, _ = lim.Take(ctx, "blocked")
		_, _, _ = lim.Take(ctx, "new")
		assert.Equal(t, 2, lim.Len())
		ok, _, _ := lim.Take(ctx, "blocked")
		assert.False(t, ok, "the empty bucket was kept")
	})
}

func TestThrottleConfigIsChecked(t *testing.T) {
	for name, tc := range map[string]app.ThrottleConfig{
		"negative burst":       {LoginPerAddress: app.Limit{Burst: -1}},
		"sub-millisecond":      {FailuresPerDevice: app.Limit{Every: time.Microsecond}},
		"short device cookies": {DeviceCookieFor: time.Second},
		"IPv6 prefix":          {IPv6Prefix: 16},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, newClock(), &testenv.LockedBuffer{})
			cfg.Throttle = tc
			_, err := app.New(cfg)
			assert.Error(t, err)
		})
	}
}
