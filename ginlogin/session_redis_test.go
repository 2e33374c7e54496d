package ginlogin

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/redis"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guarantee 8: every renewal, replay and outage test runs on gin-contrib's
// Redis store too (see storeKind redisKind), against miniredis by default
// and against the real server named by REDIS_URL when it is set. The
// helpers below pick the server; the test bodies do not know which one
// they talk to.

// redisTarget is the Redis server a test talks to.
type redisTarget struct {
	addr, password, db string
	real               bool // REDIS_URL, not miniredis
}

// redisTargetFor returns the server of REDIS_URL (redis://[:password@]host:port[/db])
// or, when it is unset, a miniredis that lives as long as the test.
func redisTargetFor(t *testing.T) redisTarget {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		m := miniredis.RunT(t)
		return redisTarget{addr: m.Addr(), db: "0"}
	}
	u, err := url.Parse(raw)
	require.NoError(t, err, "REDIS_URL")
	require.NotEmpty(t, u.Host, "REDIS_URL needs host:port")
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		db = "0"
	}
	_, err = strconv.Atoi(db)
	require.NoError(t, err, "REDIS_URL database number")
	pw, _ := u.User.Password()
	return redisTarget{addr: u.Host, password: pw, db: db, real: true}
}

// dial opens a direct connection to the target, for inspecting keys.
func (rt redisTarget) dial(t *testing.T) redigo.Conn {
	t.Helper()
	db, _ := strconv.Atoi(rt.db)
	conn, err := redigo.Dial("tcp", rt.addr, redigo.DialPassword(rt.password), redigo.DialDatabase(db),
		redigo.DialConnectTimeout(2*time.Second), redigo.DialReadTimeout(2*time.Second))
	require.NoError(t, err)
	return conn
}

// keys lists the target's keys under prefix.
func (rt redisTarget) keys(t *testing.T, prefix string) []string {
	t.Helper()
	conn := rt.dial(t)
	defer conn.Close()
	keys, err := redigo.Strings(conn.Do("KEYS", prefix+"*"))
	require.NoError(t, err)
	return keys
}

// ttl returns a key's time to live.
func (rt redisTarget) ttl(t *testing.T, key string) time.Duration {
	t.Helper()
	conn := rt.dial(t)
	defer conn.Close()
	secs, err := redigo.Int64(conn.Do("TTL", key))
	require.NoError(t, err)
	return time.Duration(secs) * time.Second
}

// redisSessions is a gin-contrib Redis session store with a key prefix of
// its own, so that runs and parallel tests never see each other's keys.
type redisSessions struct {
	store  sessions.Store // pass this one to Config: wrapping it would hide its SetMaxAge
	target redisTarget
	prefix string
}

// newRedisSessionStore returns a Redis session store on target with a
// fresh key prefix; its keys are deleted when the test ends.
func newRedisSessionStore(t *testing.T, target redisTarget) *redisSessions {
	t.Helper()
	return newRedisSessionStoreVia(t, target, target.addr)
}

// newRedisSessionStoreVia is newRedisSessionStore dialling addr (a proxy in
// front of the target) instead of the target itself.
func newRedisSessionStoreVia(t *testing.T, target redisTarget, addr string) *redisSessions {
	t.Helper()
	store, err := redis.NewStoreWithDB(10, "tcp", addr, "", target.password, target.db, SessionKeyPairs(testSecret)...)
	require.NoError(t, err)
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "ginlogin-test:" + hex.EncodeToString(b[:]) + ":"
	require.NoError(t, redis.SetKeyPrefix(store, prefix))
	rs := &redisSessions{store: store, target: target, prefix: prefix}
	t.Cleanup(func() {
		if rds, err := redis.GetRedisStore(store); err == nil {
			_ = rds.Close()
		}
		if !target.real {
			return // the miniredis goes with the test
		}
		conn, err := redigo.Dial("tcp", target.addr, redigo.DialPassword(target.password))
		if err != nil {
			return
		}
		defer conn.Close()
		db, _ := strconv.Atoi(target.db)
		_, _ = conn.Do("SELECT", db)
		if keys, err := redigo.Strings(conn.Do("KEYS", prefix+"*")); err == nil {
			for _, k := range keys {
				_, _ = conn.Do("DEL", k)
			}
		}
	})
	return rs
}

// Guarantee 8 (Redis specifics): the Redis store gets every cookie
// attribute and a lifetime equal to the absolute timeout. A partial
// sessions.Options would leave MaxAge at zero, which makes redistore delete
// the session on save: the login would silently not stick.
func TestRedisSessionLifetime(t *testing.T) {
	t.Parallel()
	target := redisTargetFor(t)
	rs := newRedisSessionStore(t, target)
	a := newTestApp(t, func(c *Config) {
		c.SessionStore = rs.store
		c.AbsoluteTimeout = 2 * time.Hour
	})
	b := a.browser()
	rec := b.getStatus("/login/1", 200)
	cks := parsedSetCookies(t, rec, "session")
	require.Len(t, cks, 1)
	assert.Equal(t, int((2 * time.Hour).Seconds()), cks[0].MaxAge)
	assert.True(t, cks[0].HttpOnly)
	assert.True(t, cks[0].Secure)
	assert.Equal(t, "/", cks[0].Path)

	keys := target.keys(t, rs.prefix)
	require.Len(t, keys, 1, "one session record")
	ttl := target.ttl(t, keys[0])
	assert.InDelta(t, (2 * time.Hour).Seconds(), ttl.Seconds(), 5, "the record lives as long as the session may")
	assert.Equal(t, "1", b.who().ID, "the login sticks")

	// Logout deletes the record; the new anonymous session is a new key.
	b.getStatus("/logout", 200)
	after := target.keys(t, rs.prefix)
	assert.NotContains(t, after, keys[0], "logout deletes the session record")
}

// Guarantee 8: two tests (or two CI runs) sharing one Redis server never
// read each other's sessions: every store has its own key prefix.
func TestRedisKeyPrefixIsolation(t *testing.T) {
	t.Parallel()
	target := redisTargetFor(t)
	one, two := newRedisSessionStore(t, target), newRedisSessionStore(t, target)
	require.NotEqual(t, one.prefix, two.prefix)
	a1 := newTestApp(t, func(c *Config) { c.SessionStore = one.store })
	a2 := newTestApp(t, func(c *Config) { c.SessionStore = two.store })
	b := a1.browser()
	b.getStatus("/login/1", 200)
	assert.Len(t, target.keys(t, one.prefix), 1)
	assert.Empty(t, target.keys(t, two.prefix))
	// The same signed cookie presented to the other app finds no session.
	other := a2.withCookies("session", b.cookie("session"))
	assert.True(t, other.who().Anonymous)
}
