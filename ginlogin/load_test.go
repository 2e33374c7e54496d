package ginlogin

import (
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// All timeouts are enforced by the server from its own timestamps, read
// from the injected clock (Config.Now): no test sleeps.

// Guarantee 7: the defaults are the documented constants, and each one
// takes effect exactly at its boundary.
func TestTimeoutDefaultsMatchDocumentedConstants(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	cfg := a.mgr.Config()
	assert.Equal(t, 30*time.Minute, DefaultIdleTimeout)
	assert.Equal(t, 12*time.Hour, DefaultAbsoluteTimeout)
	assert.Equal(t, 15*time.Minute, DefaultFreshFor)
	assert.Equal(t, 30*time.Second, DefaultRotationGrace)
	assert.Equal(t, 30*24*time.Hour, DefaultRememberDuration)
	assert.Equal(t, DefaultIdleTimeout, cfg.IdleTimeout)
	assert.Equal(t, DefaultAbsoluteTimeout, cfg.AbsoluteTimeout)
	assert.Equal(t, DefaultFreshFor, cfg.FreshFor)
	assert.Equal(t, DefaultRotationGrace, cfg.RotationGrace)
	assert.Equal(t, DefaultRememberDuration, cfg.RememberCookie.Duration)

	tests := []struct {
		name  string
		after time.Duration
		path  string
		want  int
	}{
		{"fresh just before FreshFor", DefaultFreshFor - time.Second, "/fresh", 200},
		{"not fresh at FreshFor", DefaultFreshFor, "/fresh", 401},
		{"alive just before IdleTimeout", DefaultIdleTimeout - time.Second, "/protected", 200},
		{"idle at IdleTimeout", DefaultIdleTimeout, "/protected", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, nil)
			b := a.browser()
			b.getStatus("/login/1", 200)
			a.clock.Advance(tt.after)
			assert.Equal(t, tt.want, b.get(tt.path).Code)
		})
	}
}

// endedReasons records the reasons Hooks.SessionEnded gets.
func endedReasons(events *secEvents) func(*Config) {
	return func(c *Config) {
		c.Hooks.SessionEnded = func(_ *gin.Context, reason error) { events.add("%v", reason) }
	}
}

// Guarantee 7: idle timeout. Activity within the window keeps the session
// alive as long as it goes on; a gap of IdleTimeout ends it.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			events := &secEvents{}
			a := newTestApp(t, func(c *Config) {
				c.SessionStore = kind.make(t)
				endedReasons(events)(c)
			})
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
}

// Guarantee 7: the library records activity at most once a minute: within
// a minute of the last record a request does not rewrite the session (no
// Set-Cookie), after it it does.
func TestActivityRecordedAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, func(c *Config) { c.SessionStore = kind.make(t) })
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
}

// Guarantee 7: absolute timeout. A session ends AbsoluteTimeout after its
// login even when it is used all the time.
func TestAbsoluteTimeout(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			events := &secEvents{}
			a := newTestApp(t, func(c *Config) {
				c.SessionStore = kind.make(t)
				endedReasons(events)(c)
			})
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
		for _, scheme := range rememberSchemeConfigs {
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
