package app_test

import (
	"net/http"
	"testing"

	"github.com/boj/redistore"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
	gsessions "github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedisSessionsWrittenAsJSONAreStillRead rewrites a logged-in session
// in Redis in the JSON form earlier versions of the app wrote, and checks
// that the browser is still logged in: an upgrade logs no one out.
func TestRedisSessionsWrittenAsJSONAreStillRead(t *testing.T) {
	for _, rb := range redisBackends(t) {
		t.Run(rb.name, func(t *testing.T) {
			s := newSite(t, func(c *app.Config) { c.RedisURL, c.RedisKeyPrefix = rb.url, rb.prefix })
			b := s.browser()
			b.register("ada@example.com", "Ada", testPassword)
			require.Contains(t, b.get("/dashboard").body, "Hello, Ada")

			conn, err := redis.DialURL(rb.url)
			require.NoError(t, err)
			defer conn.Close()
			rewritten := 0
			for _, k := range rb.keys(t) {
				raw, err := redis.Bytes(conn.Do("GET", k))
				if err != nil || len(raw) == 0 || raw[0] == '{' {
					continue // not a session value (a throttle counter), or JSON already
				}
				sess := gsessions.NewSession(nil, "session")
				if ginlogin.SessionCodec().Deserialize(raw, &sess.Values) != nil {
					continue
				}
				asJSON, err := redistore.JSONSerializer{}.Serialize(sess)
				require.NoError(t, err)
				ttl, err := redis.Int(conn.Do("PTTL", k))
				require.NoError(t, err)
				require.Positive(t, ttl)
				_, err = conn.Do("SET", k, asJSON, "PX", ttl)
				require.NoError(t, err)
				rewritten++
			}
			require.Positive(t, rewritten, "the login's session was found in Redis in the codec's form")

			got := b.get("/dashboard")
			assert.Equal(t, http.StatusOK, got.status)
			assert.Contains(t, got.body, "Hello, Ada", "a session written as JSON still logs the browser in")
			assert.True(t, b.loggedIn())
		})
	}
}

// TestRedisSessionsRejectGarbage checks that a session value that is
// neither JSON nor the codec's form logs no one in and is answered as a
// malformed JSON value was before: an error of the session store.
func TestRedisSessionsRejectGarbage(t *testing.T) {
	for _, rb := range redisBackends(t) {
		t.Run(rb.name, func(t *testing.T) {
			s := newSite(t, func(c *app.Config) { c.RedisURL, c.RedisKeyPrefix = rb.url, rb.prefix })
			conn, err := redis.DialURL(rb.url)
			require.NoError(t, err)
			defer conn.Close()
			status := map[string]int{}
			for name, garbage := range map[string][]byte{"json": []byte("{garbage"), "codec": {0x81, 0xFF, 0xFF, 0xFF}} {
				b := s.browser()
				b.register(name+"@example.com", "Ada", testPassword)
				for _, k := range rb.keys(t) {
					raw, err := redis.Bytes(conn.Do("GET", k))
					if err != nil || len(raw) == 0 || raw[0] != 0x81 {
						continue
					}
					_, err = conn.Do("SET", k, garbage, "PX", 60000)
					require.NoError(t, err)
				}
				req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/dashboard", nil)
				require.NoError(t, err)
				resp, err := b.client.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				status[name] = resp.StatusCode
				assert.NotEqual(t, http.StatusOK, resp.StatusCode, "a malformed %s session logs no one in", name)
			}
			assert.Equal(t, status["json"], status["codec"], "malformed values of either form are answered alike")
		})
	}
}
