package app

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gin-contrib/sessions"
	redisstore "github.com/gin-contrib/sessions/redis"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
)

// redisPingAfterIdle is how long a pooled Redis connection may sit idle
// before the pool PINGs it on reuse (pgx's default for PostgreSQL too).
const redisPingAfterIdle = time.Second

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
		// As many idle connections as active ones, so that a busy site
		// does not close and dial connections on every burst; IdleTimeout
		// closes them once it is calm.
		MaxIdle:     128,
		MaxActive:   128,
		Wait:        true,
		IdleTimeout: 4 * time.Minute,
		// A connection that failed is closed by redigo, never returned to
		// the pool; new ones are dialled on demand, so the site recovers
		// by itself when Redis is back.
		Dial: func() (redis.Conn, error) {
			var socket net.Conn
			conn, err := redis.DialURL(url,
				redis.DialNetDial(func(network, addr string) (net.Conn, error) {
					c, err := net.DialTimeout(network, addr, 2*time.Second)
					socket = c
					return c, err
				}),
				redis.DialReadTimeout(2*time.Second),
				redis.DialWriteTimeout(2*time.Second))
			if err != nil {
				return nil, markOutage(err)
			}
			return outageConn{Conn: conn, socket: socket}, nil
		},
		// A restarted Redis leaves the pool full of connections to the old
		// process. Before reusing one, the pool peeks at its socket (no
		// round trip): one the server closed is dropped, and the next idle
		// one or a new one is used instead, so the first request after a
		// restart succeeds, on a busy instance as on one that stayed idle
		// through the outage. A connection idle longer than
		// redisPingAfterIdle is also PINGed, for a server that vanished
		// without closing it.
		TestOnBorrow: func(c redis.Conn, idleSince time.Time) error {
			if oc, ok := c.(outageConn); ok && closedByPeer(oc.socket) {
				return errors.New("app: redis closed this pooled connection")
			}
			if time.Since(idleSince) < redisPingAfterIdle {
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
	// ginlogin's compact codec rather than gob: the session holds only
	// strings, booleans and numbers, which it decodes without reflection
	// (JSON sessions of earlier versions are still read).
	rs.SetSerializer(redisSerializer{})
	a.sessions = "redis:" + redactURL(url)
	return store, nil
}

// outageConn marks a Redis connection's failures (a refused dial, but also
// the EOF of a pooled connection whose server went away, which
// ginlogin.IsUnavailable does not recognise) as ginlogin.ErrStoreUnavailable,
// so an outage answers 503 rather than 500. Redis's own error replies pass
// through unchanged.
type outageConn struct {
	redis.Conn
	socket net.Conn // the TCP connection under Conn, for closedByPeer
}

func (c outageConn) Do(cmd string, args ...any) (any, error) {
	reply, err := c.Conn.Do(cmd, args...)
	return reply, markOutage(err)
}

func (c outageConn) Send(cmd string, args ...any) error { return markOutage(c.Conn.Send(cmd, args...)) }
func (c outageConn) Flush() error                       { return markOutage(c.Conn.Flush()) }

func (c outageConn) Receive() (any, error) {
	reply, err := c.Conn.Receive()
	return reply, markOutage(err)
}

func markOutage(err error) error {
	var reply redis.Error
	if err == nil || errors.As(err, &reply) || errors.Is(err, ginlogin.ErrStoreUnavailable) {
		return err
	}
	return fmt.Errorf("%w: redis: %w", ginlogin.ErrStoreUnavailable, err)
}
