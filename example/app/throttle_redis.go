package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
)

// gcraScript is the [Limiter] algorithm as one Lua script, which Redis runs
// atomically: no other command runs between its GET and its SET, so
// concurrent attempts from any number of instances are counted one after
// the other. KEYS[1] holds the time (Unix milliseconds) at which the bucket
// is full again, and expires then, so a full bucket is a missing key.
// ARGV: now (ms), every (ms), burst, and "take" or "give". The reply is
// {1, 0} when a token was taken (or given back), {0, wait ms} when the
// bucket is empty.
//
// The clock is the instance's, passed in ARGV, so tests can control it.
// Instances' clocks should agree (NTP); a bucket's time never goes back, so
// an instance whose clock is behind gets no extra tokens, and one whose
// clock is ahead refills buckets early by its lead.
var gcraScript = redis.NewScript(1, `
local now = tonumber(ARGV[1])
local every = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if ARGV[4] == 'give' then
  tat = tat - every
  if tat <= now then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', string.format('%.0f', tat - now))
  end
  return {1, 0}
end
local new = tat + every
local allowAt = new - burst * every
if allowAt > now then
  return {0, allowAt - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', string.format('%.0f', new - now))
return {1, 0}
`)

// RedisLimiter is the [Limiter] shared by every instance using one Redis:
// each Take and Give is one run of a Lua script (see gcraScript), so N
// instances allow the limit in total, not N times it.
//
// If Redis cannot be reached, Take returns an error marked
// ginlogin.ErrStoreUnavailable and the attempt is refused with the app's
// 503 page (fail closed): an outage of the store must not switch the
// throttle off on a login form, and with Redis sessions the site cannot
// log anyone in during the outage anyway.
type RedisLimiter struct {
	pool   *redis.Pool
	prefix string
	limit  Limit
	now    func() time.Time
}

var _ Limiter = (*RedisLimiter)(nil)

// NewRedisLimiter returns a limiter whose buckets are the keys prefix+key
// in the Redis of pool, with the limit and the clock now.
func NewRedisLimiter(pool *redis.Pool, prefix string, limit Limit, now func() time.Time) *RedisLimiter {
	return &RedisLimiter{pool: pool, prefix: prefix, limit: limit, now: now}
}

// Take implements [Limiter].
func (r *RedisLimiter) Take(ctx context.Context, key string) (bool, time.Duration, error) {
	reply, err := r.run(ctx, key, "take")
	if err != nil {
		return false, 0, err
	}
	return reply[0] == 1, time.Duration(reply[1]) * time.Millisecond, nil
}

// Give implements [Limiter].
func (r *RedisLimiter) Give(ctx context.Context, key string) error {
	_, err := r.run(ctx, key, "give")
	return err
}

func (r *RedisLimiter) run(ctx context.Context, key, op string) ([]int64, error) {
	conn, err := r.pool.GetContext(ctx)
	if err != nil {
		return nil, markOutage(fmt.Errorf("throttle: %w", err))
	}
	defer conn.Close()
	reply, err := redis.Int64s(gcraScript.Do(conn, r.prefix+key,
		r.now().UnixMilli(), r.limit.Every.Milliseconds(), r.limit.Burst, op))
	if err != nil {
		return nil, markOutage(fmt.Errorf("throttle: %w", err))
	}
	if len(reply) != 2 {
		return nil, fmt.Errorf("throttle: unexpected script reply %v", reply)
	}
	return reply, nil
}
