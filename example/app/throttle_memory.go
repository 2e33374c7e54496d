package app

import (
	"context"
	"sync"
	"time"
)

// MemoryLimiter is the in-process [Limiter], used without Redis: one
// mutex-guarded map from key to the time the key's bucket is full again.
// Each process counts alone, so N instances without Redis allow N times
// the attempts; set REDIS_URL to share the counts.
//
// The map holds at most maxKeys buckets. When it is full, buckets that
// have refilled are dropped first, since they remember nothing; if it is
// still full, the bucket closest to full goes (it forgets the least).
type MemoryLimiter struct {
	g       gcra
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	tats map[string]int64 // key → when its bucket is full again, Unix ms
}

var _ Limiter = (*MemoryLimiter)(nil)

// NewMemoryLimiter returns a limiter with the limit, at most maxKeys
// buckets (at least one) and the clock now.
func NewMemoryLimiter(limit Limit, maxKeys int, now func() time.Time) *MemoryLimiter {
	return &MemoryLimiter{g: newGCRA(limit), maxKeys: max(maxKeys, 1), now: now, tats: make(map[string]int64)}
}

// Take implements [Limiter]. It never fails.
func (m *MemoryLimiter) Take(_ context.Context, key string) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixMilli()
	tat, ok, wait := m.g.take(m.tats[key], now)
	if !ok {
		return false, time.Duration(wait) * time.Millisecond, nil
	}
	if _, known := m.tats[key]; !known && len(m.tats) >= m.maxKeys {
		m.evict(now)
	}
	m.tats[key] = tat
	return true, 0, nil
}

// Give implements [Limiter]. It never fails.
func (m *MemoryLimiter) Give(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, known := m.tats[key]
	if !known {
		return nil // full, or forgotten: nothing to give back
	}
	now := m.now().UnixMilli()
	if tat = m.g.give(tat, now); tat <= now {
		delete(m.tats, key)
	} else {
		m.tats[key] = tat
	}
	return nil
}

// Len returns the number of buckets kept.
func (m *MemoryLimiter) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}

// evict drops the full buckets, or else the one closest to full.
func (m *MemoryLimiter) evict(now int64) {
	var nearest string
	var nearestTAT int64
	for k, tat := range m.tats {
		if tat <= now {
			delete(m.tats, k)
			continue
		}
		if nearest == "" || tat < nearestTAT {
			nearest, nearestTAT = k, tat
		}
	}
	if len(m.tats) >= m.maxKeys && nearest != "" {
		delete(m.tats, nearest)
	}
}
