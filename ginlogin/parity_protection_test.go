package ginlogin

// Flask-Login parity tests, part 4: session protection and lazy loading
// (#60-#72), the removed X-Forwarded-For tests, and the protection and
// caching behaviours Flask-Login has no test for.

import (
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func protection(p Protection) func(*Config) {
	return func(c *Config) { c.SessionProtection = p }
}

// Flask-Login #60 test_session_protection_basic_passes_successive_requests
func TestParity_SessionProtectionBasicPassesSuccessiveRequests(t *testing.T) {
	testProtectionPassesSuccessiveRequests(t, ProtectionBasic)
}

// Flask-Login #61 test_session_protection_strong_passes_successive_requests
func TestParity_SessionProtectionStrongPassesSuccessiveRequests(t *testing.T) {
	testProtectionPassesSuccessiveRequests(t, ProtectionStrong)
}

func testProtectionPassesSuccessiveRequests(t *testing.T, p Protection) {
	t.Helper()
	a := newParityApp(t, protection(p))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	_, body := b.text("/username")
	assert.Equal(t, "Notch", body)
	assert.True(t, b.who().Fresh)
	assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
}

// Flask-Login #62 test_session_protection_basic_marks_session_unfresh
func TestParity_SessionProtectionBasicMarksSessionUnfresh(t *testing.T) {
	a := newParityApp(t, protection(ProtectionBasic))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.userAgent = "different"
	_, body := b.text("/username")
	assert.Equal(t, "Notch", body)
	b.userAgent = "TestBrowser/1.0"
	w := b.who()
	assert.Equal(t, "1", w.ID)
	assert.False(t, w.Fresh, "the login stays unfresh until confirmed")
	assert.Equal(t, 401, b.get("/fresh").Code)
}

// Flask-Login #63 test_session_protection_basic_fires_signal
func TestParity_SessionProtectionBasicFiresSignal(t *testing.T) {
	a := newParityApp(t, protection(ProtectionBasic))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.userAgent = "different"
	_, _ = b.text("/username")
	assert.Equal(t, 1, a.hooks.count(hookSessionProtected))
}

// Flask-Login #64 test_session_protection_basic_skips_when_remember_me
func TestParity_SessionProtectionBasicSkipsWhenRememberMe(t *testing.T) {
	testProtectionSkipsWhenRememberMe(t, ProtectionBasic)
}

// Flask-Login #65 test_session_protection_strong_skips_when_remember_me
func TestParity_SessionProtectionStrongSkipsWhenRememberMe(t *testing.T) {
	testProtectionSkipsWhenRememberMe(t, ProtectionStrong)
}

func testProtectionSkipsWhenRememberMe(t *testing.T, p Protection) {
	t.Helper()
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, chain(protection(p), withRememberStore(scheme.store())))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			_, body := b.text("/username")
			assert.Equal(t, "Notch", body)
			assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
		})
	}
}

// Flask-Login #66 test_permanent_strong_session_protection_marks_session_unfresh
// Different on purpose: Flask downgrades strong to basic for "permanent"
// sessions. ginlogin sessions have no permanent flag; the long-lived login
// is the remembered one, and strong protection ends it on a mismatch: the
// request is anonymous, the remember cookie is deleted and, with a
// RememberStore, the token is revoked so a copy of it is dead too.
func TestParity_PermanentStrongSessionProtectionMarksSessionUnfresh(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, chain(protection(ProtectionStrong), withRememberStore(scheme.store())))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			copied := b.cookie(DefaultRememberCookieName)
			b.userAgent = "different"
			rec := b.get("/username")
			assert.Equal(t, "Anonymous", rec.Body.String())
			assert.Less(t, parsedSetCookie(t, rec, DefaultRememberCookieName).MaxAge, 0)
			b.userAgent = "TestBrowser/1.0"
			assert.True(t, b.who().Anonymous)

			if scheme.name == "split" {
				thief := a.browser()
				thief.setCookie(DefaultRememberCookieName, copied)
				assert.True(t, thief.who().Anonymous, "the device was revoked")
			}
		})
	}
}

// Flask-Login #67 test_permanent_strong_session_protection_fires_signal
// See #66: the strong mismatch of a remembered login runs SessionProtected
// once.
func TestParity_PermanentStrongSessionProtectionFiresSignal(t *testing.T) {
	a := newParityApp(t, protection(ProtectionStrong))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.userAgent = "different"
	_, _ = b.text("/username")
	assert.Equal(t, 1, a.hooks.count(hookSessionProtected))
}

// Flask-Login #68 test_session_protection_strong_deletes_session
// The login ends; the application's own session values stay.
func TestParity_SessionProtectionStrongDeletesSession(t *testing.T) {
	a := newParityApp(t, protection(ProtectionStrong))
	b := a.browser()
	require.Equal(t, 200, b.get("/session/foo?set=bar").Code)
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.userAgent = "different"
	_, body := b.text("/username")
	assert.Equal(t, "Anonymous", body)
	_, body = b.text("/session/foo")
	assert.Equal(t, "bar", body)
}

// Flask-Login #69 test_session_protection_strong_fires_signal_user_agent
func TestParity_SessionProtectionStrongFiresSignalUserAgent(t *testing.T) {
	a := newParityApp(t, protection(ProtectionStrong))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.userAgent = "different"
	_, _ = b.text("/username")
	assert.Equal(t, 1, a.hooks.count(hookSessionProtected))
}

// Flask-Login #70 test_session_protection_skip_when_off_and_anonymous
func TestParity_SessionProtectionSkipWhenOffAndAnonymous(t *testing.T) {
	testProtectionSkipWhenAnonymous(t, ProtectionOff)
}

// Flask-Login #71 test_session_protection_skip_when_basic_and_anonymous
func TestParity_SessionProtectionSkipWhenBasicAndAnonymous(t *testing.T) {
	testProtectionSkipWhenAnonymous(t, ProtectionBasic)
}

func testProtectionSkipWhenAnonymous(t *testing.T, p Protection) {
	t.Helper()
	a := newParityApp(t, protection(p))
	b := a.browser()
	rec := b.get("/")
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, 0, a.hooks.count(hookAccessed))
	assert.Empty(t, rec.Header().Values("Set-Cookie"))

	rec = b.get("/username")
	assert.Equal(t, "Anonymous", rec.Body.String())
	assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session data is set")
	assert.Empty(t, b.cookie("session"))
}

// Flask-Login #72 test_requests_without_accessing_session
// A handler that never asks for the user loads nothing; one that asks
// several times (CurrentUser, IsFresh, IsRemembered) loads once.
func TestParity_RequestsWithoutAccessingSession(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	a.hooks.reset()
	calls := a.users.loaderCalls()

	require.Equal(t, 200, b.get("/").Code)
	assert.Equal(t, 0, a.hooks.count(hookAccessed))
	assert.Equal(t, calls, a.users.loaderCalls())

	_, body := b.text("/username")
	assert.Equal(t, "Notch", body)
	assert.Equal(t, 1, a.hooks.count(hookAccessed))
	assert.Equal(t, calls+1, a.users.loaderCalls())

	assert.Equal(t, "1", b.who().ID)
	assert.Equal(t, 2, a.hooks.count(hookAccessed))
	assert.Equal(t, calls+2, a.users.loaderCalls())
}

// Flask-Login: no test ("strong + remember → purge on the 2nd request").
// Flask writes no client identifier when the cookie restores a login, so
// strong protection logs the restored session out on the next request
// (Flask #248, #685). ginlogin writes it: the restored login lasts.
func TestParity_StrongProtectionKeepsRestoredLogin(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, chain(protection(ProtectionStrong), withRememberStore(scheme.store())))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			for i := range 3 {
				rec := b.get("/username")
				assert.Equal(t, "Notch", rec.Body.String(), "request %d", i)
				for _, line := range setCookieHeaders(rec, DefaultRememberCookieName) {
					assert.NotContains(t, line, "Max-Age=0", "request %d deleted the remember cookie", i)
				}
			}
			assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
			assert.Equal(t, 1, a.hooks.count(hookLoadedFromCookie))
		})
	}
}

// Flask-Login: no test ("basic + restore → session_protected on every
// request"). After a restore ginlogin's session names the client, so basic
// protection stays quiet and only a real change of client trips it.
func TestParity_BasicProtectionQuietAfterRestore(t *testing.T) {
	a := newParityApp(t, protection(ProtectionBasic))
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.dropCookie("session")
	for range 3 {
		assert.Equal(t, "1", b.who().ID)
	}
	assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
	b.userAgent = "different"
	assert.Equal(t, "1", b.who().ID)
	assert.Equal(t, 1, a.hooks.count(hookSessionProtected))
}

// Flask-Login: no test ("a _fresh=False write into anonymous sessions",
// Flask #569). Protection looks only at sessions with a login: an anonymous
// session holding application data, used from another client, is left
// alone (no hook, no session write) and the request loader still runs.
func TestParity_AnonymousSessionNotProtected(t *testing.T) {
	for _, p := range []Protection{ProtectionBasic, ProtectionStrong} {
		t.Run(string(p), func(t *testing.T) {
			a := newParityApp(t, chain(protection(p), func(c *Config) { c.RequestLoader = queryRequestLoader(newUserDB(notch, steve)) }))
			b := a.browser()
			require.Equal(t, 200, b.get("/session/csrf?set=token").Code)
			b.userAgent = "different"
			rec := b.get("/username")
			assert.Equal(t, "Anonymous", rec.Body.String())
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
			_, body := b.text("/username?user_id=2")
			assert.Equal(t, "Steve", body)
			assert.Equal(t, 0, a.hooks.count(hookSessionProtected))
			_, body = b.text("/session/csrf")
			assert.Equal(t, "token", body)
		})
	}
}

// Flask-Login: no test ("Vary: Cookie on every response"). Decision:
// Vary: Cookie and Cache-Control: no-store go on responses that depend on
// the user, so shared caches never mix users up, and not on the others,
// which stay cacheable.
func TestParity_VaryCookieOnlyOnUserResponses(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.LoginURL = "/login" })
	b := a.browser()
	for _, tc := range []struct {
		path    string
		depends bool
	}{
		{"/nothing", false},
		{"/whoami", true},
		{"/protected", true},
		{"/login/1", true},
		{"/nothing", false},
		{"/protected", true},
		{"/username", true},
	} {
		rec := b.get(tc.path)
		if tc.depends {
			assert.Equal(t, []string{"Cookie"}, rec.Header().Values("Vary"), tc.path)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), tc.path)
		} else {
			assert.Empty(t, rec.Header().Values("Vary"), tc.path)
			assert.Empty(t, rec.Header().Get("Cache-Control"), tc.path)
		}
	}
}

// Flask-Login: no test (#588). Hooks run after the user is stored, so a hook
// may call CurrentUser and sees the user it was given, without recursion.
// Accessed runs after loading.
func TestParity_HooksMayReadCurrentUser(t *testing.T) {
	seen := map[string]string{}
	record := func(name string) func(*gin.Context, User) {
		return func(c *gin.Context, u User) {
			if cur, _ := CurrentUser(c); sameUser(cur, u) {
				seen[name] = cur.LoginID()
			}
		}
	}
	a := newParityApp(t, func(c *Config) {
		c.RequestLoader = queryRequestLoader(newUserDB(notch, steve))
		c.Hooks.LoggedIn = record("logged in")
		c.Hooks.LoadedFromCookie = record("cookie")
		c.Hooks.LoadedFromRequest = record("request")
		c.Hooks.LoginConfirmed = record("confirmed")
		c.Hooks.Accessed = func(c *gin.Context) { seen["accessed"] = idOf(c) }
	})
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	b.dropCookie("session")
	require.Equal(t, "1", b.who().ID)
	require.Equal(t, 200, b.get("/confirm").Code)
	_, body := a.browser().text("/username?user_id=2")
	require.Equal(t, "Steve", body)
	assert.Equal(t, map[string]string{"logged in": "1", "cookie": "1", "confirmed": "1", "request": "2", "accessed": "2"}, seen)
}

// Flask-Login tests removed on main: test_login_persists_with_*_x_forwarded_for
// and test_session_protection_strong_fires_signal_x_forwarded_for (0.6.3).
// Flask-Login main stopped reading X-Forwarded-For (#700, #821) because
// clients can forge it; so does ginlogin: the peer address identifies the
// client, and X-Forwarded-For counts only with Config.UseClientIP (after
// engine.SetTrustedProxies names the proxies).
func TestParity_ForwardedForIgnored(t *testing.T) {
	for _, tc := range []struct {
		name        string
		useClientIP bool
		wantUser    string
		wantHooks   int
	}{
		{"peer address", false, "1", 0},
		{"UseClientIP", true, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newParityApp(t, chain(protection(ProtectionStrong), func(c *Config) { c.UseClientIP = tc.useClientIP }))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1", "X-Forwarded-For", "10.1.1.1").Code)
			rec := b.get("/whoami", "X-Forwarded-For", "10.1.1.1, 10.1.1.2")
			require.Equal(t, 200, rec.Code)
			rec = b.get("/whoami", "X-Forwarded-For", "10.1.1.2")
			assert.Contains(t, rec.Body.String(), `"id":"`+tc.wantUser+`"`)
			assert.Equal(t, tc.wantHooks, a.hooks.count(hookSessionProtected))
		})
	}
}
