package ginlogin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rememberStoreKinds are the RememberStores the remember-token guarantees
// are proven on.
var rememberStoreKinds = []struct {
	name string
	make func(t *testing.T) RememberStore
}{
	{"memory", func(*testing.T) RememberStore { return NewMemoryStore() }},
	{"sqlite", func(t *testing.T) RememberStore { s, _ := newSQLiteRememberStore(t); return s }},
	{"postgres", newPostgresRememberStore},
}

// splitParts returns a split token's selector and raw validator.
func splitParts(t *testing.T, value string) (string, []byte) {
	t.Helper()
	selector, validator, ok := parseSplitToken(value)
	require.True(t, ok, "a split token: %q", value)
	return selector, validator
}

// Guarantee 6: remember tokens rotate on each restore (a new cookie value,
// same device); the rotated-out validator is still accepted within the
// grace window without a new cookie (parallel requests of one browser);
// replayed after the window it is taken for theft: every device of the
// user is revoked and Hooks.TokenTheft runs with the user's ID.
func TestRememberTokenRotationAndTheft(t *testing.T) {
	t.Parallel()
	for _, sk := range rememberStoreKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			store := sk.make(t)
			events := &secEvents{}
			var logs *logBuffer
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				c.Hooks.TokenTheft = func(_ *gin.Context, userID string) { events.add("theft %s", userID) }
				logs = captureLogs(c)
			})
			victim, laptop := a.browser(), a.browser()
			victim.getStatus("/login/1?remember=1", 200)
			laptop.getStatus("/login/1?remember=1", 200)
			v0 := victim.cookie("remember_token")
			sel0, _ := splitParts(t, v0)

			// Each restore rotates the validator and sends a new cookie.
			values := []string{v0}
			for range 2 {
				a.clock.Advance(time.Minute)
				victim.dropCookie("session")
				rec := victim.getStatus("/whoami", 200)
				require.Contains(t, rec.Body.String(), `"id":"1"`)
				require.Len(t, parsedSetCookies(t, rec, "remember_token"), 1, "a rotated cookie")
				v := victim.cookie("remember_token")
				sel, _ := splitParts(t, v)
				assert.Equal(t, sel0, sel, "the same device")
				assert.NotContains(t, values, v, "a new validator")
				values = append(values, v)
			}
			stolen := values[1] // rotated out by the last restore
			// The victim comes back with the session of the last restore, which
			// confirms that its response (and the current validator) arrived.
			require.False(t, victim.who().Anonymous)

			// Within the grace window: accepted, and no new cookie.
			a.clock.Advance(DefaultRotationGrace - time.Second)
			rec := a.withCookies("remember_token", stolen).getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"id":"1"`, "a parallel request of the same browser")
			assert.Empty(t, setCookieHeaders(rec, "remember_token"), "no new cookie within the window")
			assert.Empty(t, events.list())

			// After the window, with the current validator confirmed: theft.
			a.clock.Advance(2 * time.Second)
			thief := a.withCookies("remember_token", stolen)
			rec = thief.getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"anonymous":true`)
			assert.True(t, deletesCookie(t, rec, "remember_token"))
			assert.Equal(t, []string{"theft 1"}, events.list())
			assert.Zero(t, userDeviceCount(t, store, "1"), "every device of the user is revoked")
			assert.True(t, victim.who().Anonymous, "the victim's session (bound to its device) ends too")
			assert.True(t, laptop.who().Anonymous, "and the user's other devices")
			assert.True(t, a.withCookies("remember_token", values[2]).who().Anonymous, "the current token too")

			// The warning identifies neither the user nor the token.
			joined := strings.Join(logs.lines(), "\n")
			assert.Contains(t, joined, "remember token used by two browsers")
			for _, v := range values {
				assert.NotContains(t, joined, v)
			}
			assert.NotContains(t, joined, "user_id=1 ")
		})
	}
}

// storeBytes returns every stored value of every device, for searching.
func storeBytes(t *testing.T, store RememberStore, userID string) [][]byte {
	t.Helper()
	devs, err := store.UserDevices(context.Background(), userID)
	require.NoError(t, err)
	var out [][]byte
	for _, d := range devs {
		out = append(out, []byte(d.Selector), []byte(d.UserID), d.ValidatorHash, d.PrevValidatorHash, d.StampMAC, []byte(d.Label))
	}
	return out
}

// Guarantee 6: the store keeps only the SHA-256 of the validator, never
// the validator itself (neither raw nor as the cookie text), so a copy of
// the store cannot be turned into cookies. For SQLite every column of
// every row is searched.
func TestRememberStoreKeepsOnlyValidatorHash(t *testing.T) {
	t.Parallel()
	for _, sk := range rememberStoreKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			store := sk.make(t)
			a := newTestApp(t, func(c *Config) { c.RememberStore = store })
			b := a.browser()
			b.getStatus("/login/1?remember=1", 200)
			values := []string{b.cookie("remember_token")}
			for range 2 {
				a.clock.Advance(time.Minute)
				b.dropCookie("session")
				b.getStatus("/whoami", 200)
				values = append(values, b.cookie("remember_token"))
			}

			stored := storeBytes(t, store, "1")
			if sql, ok := store.(*SQLStore); ok {
				rows, err := sql.db.Query("SELECT * FROM " + sql.table)
				require.NoError(t, err)
				cols, err := rows.Columns()
				require.NoError(t, err)
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					require.NoError(t, rows.Scan(ptrs...))
					for _, v := range vals {
						switch v := v.(type) {
						case []byte:
							stored = append(stored, v)
						default:
							stored = append(stored, []byte(fmt.Sprint(v)))
						}
					}
				}
				require.NoError(t, rows.Err())
				require.NoError(t, rows.Close())
			}
			require.NotEmpty(t, stored)
			for _, v := range values {
				_, validator := splitParts(t, v)
				text := base64.RawURLEncoding.EncodeToString(validator)
				for _, field := range stored {
					assert.False(t, bytes.Contains(field, validator), "a raw validator is stored")
					assert.False(t, bytes.Contains(field, []byte(text)), "a validator's text is stored")
				}
			}
			current, validator := splitParts(t, values[len(values)-1])
			d, err := store.Device(context.Background(), current)
			require.NoError(t, err)
			sum := sha256.Sum256(validator)
			assert.Equal(t, sum[:], d.ValidatorHash, "the store keeps the SHA-256 of the current validator")
		})
	}
}

// Guarantee 6: expiry is enforced by the server. A browser that still
// sends its remember cookie after the login's duration (a clock it
// controls, a copied cookie) is refused, the cookie is deleted, and with a
// store the device is deleted too. A session bound to an expired device
// ends as well.
func TestExpiredRememberTokenRefused(t *testing.T) {
	t.Parallel()
	for _, scheme := range rememberSchemeConfigs {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			store := scheme.store()
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				c.IdleTimeout = NoTimeout // only the device's expiry is at work
			})
			b := a.browser()
			b.getStatus("/login/1?remember=1&duration=1h", 200)
			value := b.cookie("remember_token")
			a.clock.Advance(time.Hour - time.Second)
			assert.Equal(t, "1", a.withCookies("remember_token", value).who().ID, "valid until the end")

			a.clock.Advance(time.Second)
			replay := a.withCookies("remember_token", value)
			rec := replay.getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"anonymous":true`, "expired: refused although the browser sent it")
			assert.True(t, deletesCookie(t, rec, "remember_token"))
			if store != nil {
				assert.Zero(t, userDeviceCount(t, store, "1"), "the expired device is deleted")
				assert.True(t, b.who().Anonymous, "a session bound to the expired device ends")
			}
		})
	}
}

// Guarantee 6: a strong session-protection trip (the session is used from
// another client) logs the session out and revokes its remember token:
// with a store the device is deleted, so neither the cookie nor a copy of
// it restores the login. Stateless tokens can only be deleted from the
// browser that tripped; a copy made before survives until it expires.
func TestStrongProtectionRevokesRememberToken(t *testing.T) {
	t.Parallel()
	for _, scheme := range rememberSchemeConfigs {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			store := scheme.store()
			events := &secEvents{}
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				c.SessionProtection = ProtectionStrong
				c.Hooks.SessionProtected = func(*gin.Context) { events.add("protected") }
			})
			b := a.browser()
			b.getStatus("/login/1?remember=1", 200)
			rememberCopy := a.withCookies("remember_token", b.cookie("remember_token"))

			b.remoteAddr = "198.51.100.7:1234" // the session moved to another client
			rec := b.getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"anonymous":true`)
			assert.True(t, deletesCookie(t, rec, "remember_token"), "the remember cookie is deleted")
			assert.Equal(t, []string{"protected"}, events.list())
			assert.True(t, b.who().Anonymous, "and stays logged out")

			if store != nil {
				assert.Zero(t, userDeviceCount(t, store, "1"), "the device is revoked")
				assert.True(t, rememberCopy.who().Anonymous, "a copy of the remember cookie is dead")
			} else {
				assert.Equal(t, "1", rememberCopy.who().ID, "documented: a stateless token cannot be revoked server-side")
			}
		})
	}
}
