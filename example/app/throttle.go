package app

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThrottleConfig sets how many password attempts are allowed. Each limit is
// a token bucket: Burst attempts at once, then one more every Every.
type ThrottleConfig struct {
	// LoginPerAddress limits login attempts per client address (the TCP
	// peer: forwarded headers are not trusted). Default 20, then one every
	// 3 seconds.
	LoginPerAddress Limit
	// FailuresPerAccount limits failed password checks per account email,
	// from any address. Default 5, then one every 20 seconds.
	FailuresPerAccount Limit
	// RegisterPerAddress limits registrations per client address. Default
	// 10, then one a minute.
	RegisterPerAddress Limit
	// MaxKeys bounds each limiter's memory. Default 10000.
	MaxKeys int
}

// Limit is one token bucket's shape.
type Limit struct {
	Burst int
	Every time.Duration
}

// DefaultThrottle is the throttling used when Config.Throttle is zero.
var DefaultThrottle = ThrottleConfig{
	LoginPerAddress:    Limit{Burst: 20, Every: 3 * time.Second},
	FailuresPerAccount: Limit{Burst: 5, Every: 20 * time.Second},
	RegisterPerAddress: Limit{Burst: 10, Every: time.Minute},
	MaxKeys:            10000,
}

func (t ThrottleConfig) withDefaults() ThrottleConfig {
	fill := func(l *Limit, def Limit) {
		if l.Burst == 0 {
			l.Burst = def.Burst
		}
		if l.Every == 0 {
			l.Every = def.Every
		}
	}
	fill(&t.LoginPerAddress, DefaultThrottle.LoginPerAddress)
	fill(&t.FailuresPerAccount, DefaultThrottle.FailuresPerAccount)
	fill(&t.RegisterPerAddress, DefaultThrottle.RegisterPerAddress)
	if t.MaxKeys == 0 {
		t.MaxKeys = DefaultThrottle.MaxKeys
	}
	return t
}

// Throttle is a set of token buckets, one per key (an address or an
// email), in a bounded map. Buckets that have refilled are dropped first
// when the map is full, since they remember nothing; if it is still full,
// the least recently used bucket goes.
type Throttle struct {
	limit   Limit
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewThrottle returns a throttle with the limit, at most maxKeys buckets
// and the clock now.
func NewThrottle(limit Limit, maxKeys int, now func() time.Time) *Throttle {
	return &Throttle{limit: limit, maxKeys: maxKeys, now: now, buckets: make(map[string]*bucket)}
}

// Allow takes one attempt from key's bucket and reports whether there was
// one.
func (t *Throttle) Allow(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	return t.bucketFor(key, now).lim.AllowN(now, 1)
}

// Blocked reports whether key's bucket is empty, without taking from it.
func (t *Throttle) Blocked(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[key]
	return ok && b.lim.TokensAt(t.now()) < 1
}

// Fail takes one attempt from key's bucket, if any is left.
func (t *Throttle) Fail(key string) {
	t.Allow(key)
}

// Reset forgets key, e.g. after a successful login.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.buckets, key)
}

// Len returns the number of buckets kept.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.buckets)
}

func (t *Throttle) bucketFor(key string, now time.Time) *bucket {
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.maxKeys {
			t.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Every(t.limit.Every), t.limit.Burst)}
		b.lim.SetBurstAt(now, t.limit.Burst) // start full at the injected time
		t.buckets[key] = b
	}
	b.lastSeen = now
	return b
}

// evict drops the full buckets, or the least recently used one if none is.
func (t *Throttle) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, b := range t.buckets {
		if b.lim.TokensAt(now) >= float64(t.limit.Burst) {
			delete(t.buckets, k)
			continue
		}
		if oldestKey == "" || b.lastSeen.Before(oldest) {
			oldestKey, oldest = k, b.lastSeen
		}
	}
	if len(t.buckets) >= t.maxKeys && oldestKey != "" {
		delete(t.buckets, oldestKey)
	}
}
