package app

import (
	"fmt"
	"time"

	"github.com/boj/redistore"
	"github.com/gin-contrib/sessions"
	redisstore "github.com/gin-contrib/sessions/redis"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
)

// sessionStore returns the encrypted cookie store, or the Redis store when
// REDIS_URL is set. Creating the Redis store pings Redis, so a Redis that is
// down fails start-up with a message naming REDIS_URL.
func (a *App) sessionStore() (sessions.Store, error) {
	keys := ginlogin.SessionKeyPairs(a.cfg.SecretKey)
	if a.cfg.RedisURL == "" {
		a.sessions = "encrypted cookies"
		return ginlogin.NewCookieStore(a.cfg.SecretKey), nil
	}
	url := a.cfg.RedisURL
	a.redisPool = &redis.Pool{
		MaxIdle:     16,
		MaxActive:   128,
		Wait:        true,
		IdleTimeout: 4 * time.Minute,
		// A connection that failed is closed by redigo, never returned to
		// the pool; new ones are dialled on demand, so the site recovers
		// by itself when Redis is back.
		Dial: func() (redis.Conn, error) {
			return redis.DialURL(url,
				redis.DialConnectTimeout(2*time.Second),
				redis.DialReadTimeout(2*time.Second),
				redis.DialWriteTimeout(2*time.Second))
		},
		TestOnBorrow: func(c redis.Conn, idleSince time.Time) error {
			if time.Since(idleSince) < time.Minute {
				return nil
			}
			_, err := c.Do("PING")
			return err
		},
	}
	store, err := redisstore.NewStoreWithPool(a.redisPool, keys...)
	if err != nil {
		return nil, &ConfigError{"REDIS_URL", fmt.Errorf("cannot reach Redis at %s: %w", redactURL(url), err)}
	}
	rs, err := redisstore.GetRedisStore(store)
	if err != nil {
		return nil, err
	}
	rs.SetKeyPrefix(a.cfg.RedisKeyPrefix)
	// JSON rather than gob: the session holds only strings and numbers,
	// and JSON is the safer format to decode.
	rs.SetSerializer(redistore.JSONSerializer{})
	a.sessions = "redis:" + redactURL(url)
	return store, nil
}
