package ginlogin

import (
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// All timeouts are enforced by the server from its own timestamps, read
// from the injected clock (Config.Now): no test sleeps.

// Guarantee 7: idle timeout. Activity within the window keeps the session
// alive as long as it goes on; a gap of IdleTimeout ends it.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		events := &secEvents{}
		a := newStoreApp(t, kind, endedReasons(events))
		b := a.browser()
		b.getStatus("/login/1", 200)
		for i := range 10 { // 200 minutes of use, a request every 20 minutes
			a.clock.Advance(20 * time.Minute)
			require.Equal(t, 200, b.get("/protected").Code, "request %d", i)
		}
		copied := b.clone()
		a.clock.Advance(DefaultIdleTimeout)
		assert.Equal(t, 401, b.get("/protected").Code)
		assert.Equal(t, []string{ErrIdleTimeout.Error()}, events.list())
		assert.True(t, copied.who().Anonymous, "a copy of the idle session cookie is dead too")
	})
}

// Guarantee 7: the library records activity at most once a minute: within
// a minute of the last record a request does not rewrite the session (no
// Set-Cookie), after it it does.
func TestActivityRecordedAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		a := newStoreApp(t, kind, nil)
		b := a.browser()
		b.getStatus("/login/1", 200)
		steps := []struct {
			advance time.Duration
			writes  bool
		}{
			{10 * time.Second, false},
			{40 * time.Second, false}, // 50s since the login
			{10 * time.Second, true},  // a minute
			{59 * time.Second, false},
			{time.Second, true},
			{0, false},
		}
		for i, s := range steps {
			a.clock.Advance(s.advance)
			rec := b.getStatus("/protected", 200)
			assert.Equal(t, s.writes, len(setCookieHeaders(rec, "session")) > 0, "step %d", i)
		}
	})
}

// Guarantee 7: absolute timeout. A session ends AbsoluteTimeout after its
// login even when it is used all the time.
func TestAbsoluteTimeout(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		events := &secEvents{}
		a := newStoreApp(t, kind, endedReasons(events))
		b := a.browser()
		b.getStatus("/login/1", 200)
		elapsed := time.Duration(0)
		for elapsed+20*time.Minute < DefaultAbsoluteTimeout {
			a.clock.Advance(20 * time.Minute)
			elapsed += 20 * time.Minute
			require.Equal(t, 200, b.get("/protected").Code, "after %v of constant use", elapsed)
		}
		a.clock.Advance(DefaultAbsoluteTimeout - elapsed)
		assert.Equal(t, 401, b.get("/protected").Code, "ended at the absolute timeout despite the activity")
		assert.Equal(t, []string{ErrAbsoluteTimeout.Error()}, events.list())
	})
}

// Guarantee 7: freshness. A login is fresh for FreshFor, then not fresh
// (still logged in); ConfirmLogin makes it fresh again; with NoTimeout it
// stays fresh for the whole session.
func TestFreshnessWindow(t *testing.T) {
	t.Parallel()
	t.Run("expires and is confirmed again", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, nil)
		b := a.browser()
		b.getStatus("/login/1", 200)
		assert.True(t, b.who().Fresh)
		a.clock.Advance(DefaultFreshFor)
		w := b.who()
		assert.False(t, w.Fresh)
		assert.True(t, w.LoggedIn)
		assert.Equal(t, 401, b.get("/fresh").Code)
		assert.Equal(t, 200, b.get("/protected").Code)

		b.getStatus("/confirm", 200)
		assert.True(t, b.who().Fresh)
		assert.Equal(t, 200, b.get("/fresh").Code)
		a.clock.Advance(DefaultFreshFor - time.Second)
		assert.Equal(t, 200, b.get("/fresh").Code, "a full window from the confirmation")
		a.clock.Advance(time.Second)
		assert.Equal(t, 401, b.get("/fresh").Code)
	})
	t.Run("NoTimeout keeps it fresh", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, func(c *Config) { c.FreshFor = NoTimeout })
		b := a.browser()
		b.getStatus("/login/1", 200)
		for range 33 { // 11 hours of use
			a.clock.Advance(20 * time.Minute)
			require.Equal(t, 200, b.get("/fresh").Code)
		}
		assert.True(t, b.who().Fresh)
	})
	t.Run("a NotFresh login is never fresh", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, func(c *Config) { c.FreshFor = NoTimeout })
		b := a.browser()
		b.getStatus("/login/1?fresh=0", 200)
		assert.False(t, b.who().Fresh)
		assert.Equal(t, 401, b.get("/fresh").Code)
	})
}

// Guarantee 7: remember-me composes with the timeouts. After an idle or
// absolute timeout the remember cookie starts a new session, which is not
// fresh; the old session cookie stays dead.
func TestRememberAfterTimeouts(t *testing.T) {
	t.Parallel()
	timeouts := []struct {
		name   string
		expire func(a *testApp, b *browser)
		reason error
	}{
		{"idle", func(a *testApp, _ *browser) { a.clock.Advance(DefaultIdleTimeout) }, ErrIdleTimeout},
		{"absolute", func(a *testApp, b *browser) {
			for range int(DefaultAbsoluteTimeout / (20 * time.Minute)) {
				a.clock.Advance(20 * time.Minute)
				b.get("/whoami")
			}
		}, ErrAbsoluteTimeout},
	}
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemes {
			for _, to := range timeouts {
				t.Run(kind.name+"/"+scheme.name+"/"+to.name, func(t *testing.T) {
					t.Parallel()
					events := &secEvents{}
					a := newTestApp(t, func(c *Config) {
						c.SessionStore = kind.make(t)
						c.RememberStore = scheme.store()
						endedReasons(events)(c)
					})
					b := a.browser()
					b.getStatus("/login/1?remember=1", 200)
					oldSession := b.cookie("session")
					to.expire(a, b)

					w := b.who()
					assert.Equal(t, "1", w.ID, "the remember cookie starts a new session")
					assert.False(t, w.Fresh, "which is not fresh")
					assert.True(t, w.Remembered)
					assert.Equal(t, 401, b.get("/fresh").Code)
					assert.Equal(t, 200, b.get("/protected").Code)
					assert.Contains(t, events.list(), to.reason.Error())
					assert.NotEqual(t, oldSession, b.cookie("session"))
					assert.True(t, a.withCookies("session", oldSession).who().Anonymous, "the timed-out session stays dead")
				})
			}
		}
	}
}

// A short IdleTimeout must not end a session that is used within it: the
// last use is recorded at least ten times per idle window.
func TestShortIdleTimeoutKeepsActiveSessionAlive(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.IdleTimeout = 30 * time.Second })
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	for i := 0; i < 12; i++ { // two minutes of activity, a request every 10 seconds
		a.clock.Advance(10 * time.Second)
		require.Equal(t, 200, b.get("/protected").Code, "request %d", i)
	}
	a.clock.Advance(31 * time.Second)
	assert.Equal(t, 401, b.get("/protected").Code, "idle for longer than the timeout")
}

// Guarantee 5: sessions and remember tokens are bound to the user's
// credentials. When a user's AuthStamp changes (a password change done
// elsewhere, an administrator's reset), every session and remember token
// (stateless and split) of that user stops working on its next request,
// on cookie and server-side stores.
func TestStampChangeEndsEveryLogin(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, allStoreKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		events := &secEvents{}
		a := newTestApp(t, func(c *Config) {
			c.SessionStore = kind.make(t)
			c.RememberStore = scheme.store()
			c.Hooks.SessionEnded = func(_ *gin.Context, reason error) { events.add("ended %v", reason) }
		})
		a.stamped("s1", "password-hash-1")
		laptop, phone := a.browser(), a.browser()
		laptop.getStatus("/login/s1?remember=1", 200)
		phone.getStatus("/login/s1?remember=1", 200)
		phoneRemember := a.withCookies("remember_token", phone.cookie("remember_token"))
		require.Equal(t, "s1", laptop.who().ID)

		a.stamped("s1", "password-hash-2") // changed outside this browser

		assert.True(t, laptop.who().Anonymous, "a session with the old stamp")
		assert.Equal(t, 401, phone.get("/protected").Code, "another session with the old stamp")
		rec := phoneRemember.getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"anonymous":true`, "a remember token with the old stamp")
		assert.True(t, deletesCookie(t, rec, "remember_token"), "the dead remember cookie is deleted")
		assert.Contains(t, events.list(), "ended "+ErrStampChanged.Error())

		// Logging in again with the new credentials works.
		laptop.getStatus("/login/s1", 200)
		assert.Equal(t, "s1", laptop.who().ID)
	})
}

// Guarantee 9: a tampered, garbage or oversized session or remember cookie
// makes the request anonymous, never a 500, and a bad remember cookie is
// deleted.
func TestTamperedCookiesAreAnonymous(t *testing.T) {
	t.Parallel()
	flip := func(s string) string {
		if s == "" {
			return "x"
		}
		i := len(s) / 2
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	for _, scheme := range rememberSchemes {
		for _, kind := range allStoreKinds() {
			t.Run(scheme.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				a := newStoreApp(t, kind, withRememberStore(scheme.store()))
				// Cookies signed with another secret: valid in form only.
				otherSecret := []byte("ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba")
				other := newTestApp(t, func(c *Config) {
					c.SecretKeys = [][]byte{otherSecret}
					c.SessionStore = NewCookieStore(otherSecret)
					c.RememberStore = scheme.store()
				})
				ob := other.browser()
				ob.getStatus("/login/1?remember=1", 200)

				real := a.browser()
				real.getStatus("/login/1?remember=1", 200)
				session, remember := real.cookie("session"), real.cookie("remember_token")

				sessions := map[string]string{
					"garbage":          "not-a-session",
					"flipped":          flip(session),
					"oversized":        strings.Repeat("A", 5000),
					"other secret":     ob.cookie("session"),
					"truncated":        session[:len(session)/2],
					"base64 of binary": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				}
				for name, value := range sessions {
					b := a.withCookies("session", value)
					rec := b.get("/whoami")
					require.Equal(t, 200, rec.Code, "session %s: %s", name, rec.Body.String())
					assert.Contains(t, rec.Body.String(), `"anonymous":true`, "session %s", name)
					assert.Equal(t, 401, b.get("/protected").Code, "session %s", name)
				}

				remembers := map[string]string{
					"garbage":         "not-a-token",
					"flipped":         flip(remember),
					"oversized":       strings.Repeat("A", 5000),
					"other secret":    ob.cookie("remember_token"),
					"stateless shape": "1.MQ.99999999999.." + strings.Repeat("A", 43),
					"split shape":     strings.Repeat("A", 22) + "." + strings.Repeat("A", 43),
					"dots":            "....",
					"truncated":       remember[:len(remember)-1],
				}
				for name, value := range remembers {
					b := a.withCookies("remember_token", value)
					rec := b.get("/whoami")
					require.Equal(t, 200, rec.Code, "remember %s: %s", name, rec.Body.String())
					assert.Contains(t, rec.Body.String(), `"anonymous":true`, "remember %s", name)
					assert.True(t, deletesCookie(t, rec, "remember_token"), "remember %s is deleted", name)
					assert.Equal(t, 401, b.get("/protected").Code, "remember %s", name)
				}
			})
		}
	}
}
