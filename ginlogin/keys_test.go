package ginlogin

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Key rotation: the first key signs, every listed key verifies. Sessions,
// client identifiers, auth stamps and remember tokens made under the old
// key keep working while it is listed second, and stop working once it is
// dropped.
func TestSecretKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey := []byte("old-key-4f7c2a9e1b3d5f6a8c0e2b4d6f8a1c3e5b7d9f2a")
	newKey := []byte("new-key-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d")
	for _, scheme := range []struct {
		name  string
		store func() RememberStore
	}{{"signed", func() RememberStore { return nil }}, {"split", func() RememberStore { return NewMemoryStore() }}} {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			devices := scheme.store()
			app := func(keys ...[]byte) *testApp {
				return newTestApp(t, func(c *Config) {
					c.SecretKeys = keys
					c.SessionStore = NewCookieStore(keys...)
					c.RememberStore = devices
				})
			}
			before := app(oldKey)
			before.users.put(stampedAlice)
			b := before.browser()
			require.Equal(t, 200, b.get("/login/"+stampedID+"?remember=1").Code)
			oldSession, oldRemember := b.cookie("session"), b.cookie("remember_token")

			during := app(newKey, oldKey)
			during.users.put(stampedAlice)
			b.handler = during.engine
			w := b.who()
			assert.Equal(t, stampedID, w.ID, "a session signed with the old key is still accepted")
			assert.True(t, w.Fresh, "and its client identifier still verifies")

			restored := during.browser()
			restored.setCookie("remember_token", oldRemember)
			assert.Equal(t, stampedID, restored.who().ID, "an old remember token still restores")

			fresh := during.browser()
			require.Equal(t, 200, fresh.get("/login/"+stampedID+"?remember=1").Code)

			after := app(newKey)
			after.users.put(stampedAlice)
			fresh.handler = after.engine
			assert.Equal(t, stampedID, fresh.who().ID, "logins made during the rotation are signed with the new key")

			stale := after.browser()
			stale.setCookie("session", oldSession)
			stale.setCookie("remember_token", oldRemember)
			assert.True(t, stale.who().Anonymous, "once the old key is dropped, its cookies are refused")
		})
	}
}

const stampedID = "alice"

var stampedAlice = &stampedUser{testUser: testUser{id: stampedID, name: "Alice"}, stamp: "v1"}
