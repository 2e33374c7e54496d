package ginlogin

// Flask-Login parity tests, part 3: persistence, freshness and the remember
// cookie (#29-#48, #56-#59), cookie encoding and secret keys (#89-#93) and
// non-ASCII user IDs (#100, #101).

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Flask-Login #29 test_login_persists
func TestParity_LoginPersists(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	_, body := b.text("/username")
	assert.Equal(t, "Notch", body)
}

// Flask-Login #30 test_logout_persists
// Also: Flask's logout_user removes only its own keys. Different on
// purpose: Logout replaces the whole session (OWASP: invalidate the
// session at logout), so application values do not outlive the login.
func TestParity_LogoutPersists(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	require.Equal(t, 200, b.get("/session/cart?set=3+items").Code)
	require.Equal(t, 200, b.get("/logout").Code)
	_, body := b.text("/username")
	assert.Equal(t, "Anonymous", body)
	_, body = b.text("/session/cart")
	assert.Empty(t, body)
}

// Flask-Login: no test (#449: login_user never regenerates the session).
// Different on purpose: Login gives the browser a new session and, on a
// server-side store, deletes the old record, so a planted session ID is not
// logged in by the victim's login. The application's values carry over when
// nobody (or the same user) was logged in.
func TestParity_LoginRenewsSession(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.SessionStore = memstore.NewStore(SessionKeyPairs(testSecret)...) })
	victim := a.browser()
	require.Equal(t, 200, victim.get("/session/foo?set=bar").Code)
	planted := victim.clone()
	before := victim.cookie("session")
	require.NotEmpty(t, before)

	require.Equal(t, 200, victim.get("/login/1").Code)
	assert.NotEqual(t, before, victim.cookie("session"))
	_, body := victim.text("/session/foo")
	assert.Equal(t, "bar", body)
	assert.Equal(t, "1", victim.who().ID)

	assert.True(t, planted.who().Anonymous)
	_, body = planted.text("/session/foo")
	assert.Empty(t, body, "the old session record is gone")
}

// Flask-Login #31 test_incorrect_id_logs_out
// A user loader that no longer finds the user makes the request anonymous.
func TestParity_IncorrectIDLogsOut(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	a.users.remove("1")
	t.Cleanup(func() { a.users.put(notch) })
	_, body := b.text("/username")
	assert.Equal(t, "Anonymous", body)
}

// Flask-Login: no test ("a stale _user_id is kept"). Flask keeps the id in
// the session, so the login comes back if the loader finds the user again
// (an ID reused for a new account inherits it). Decision: ginlogin ends the
// login, so restoring the record does not log the browser back in.
func TestParity_StaleUserIDEndsLogin(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	require.Equal(t, 200, b.get("/login/1").Code)
	a.users.remove("1")
	assert.True(t, b.who().Anonymous)
	assert.Equal(t, 1, a.hooks.count(hookSessionEnded))
	assert.ErrorIs(t, a.hooks.endReasons()[0], ErrDeviceRevoked)

	a.users.put(notch)
	assert.True(t, b.who().Anonymous, "the session no longer names the user")
	assert.Equal(t, 1, a.hooks.count(hookSessionEnded))
}

// Flask-Login #32 test_authentication_is_fresh
// A password login is fresh; it counts as remembered only when it set the
// remember cookie (the browser then sends it).
func TestParity_AuthenticationIsFresh(t *testing.T) {
	for _, tc := range []struct {
		login      string
		remembered bool
	}{
		{"/login/1", false},
		{"/login/1?remember=1", true},
	} {
		t.Run(tc.login, func(t *testing.T) {
			a := newParityApp(t, nil)
			b := a.browser()
			require.Equal(t, 200, b.get(tc.login).Code)
			w := b.who()
			assert.True(t, w.Fresh)
			assert.Equal(t, tc.remembered, w.Remembered)
		})
	}
}

// Flask-Login #33 test_remember_me
func TestParity_RememberMe(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			_, body := b.text("/username")
			assert.Equal(t, "Notch", body)
		})
	}
}

// Flask-Login #34 test_remember_me_custom_duration
// Also: the duration is enforced by the server, not only by the browser's
// cookie expiry (Flask's cookie carries no expiry of its own).
func TestParity_RememberMeCustomDuration(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1&duration=7h").Code)
			token := b.cookie(DefaultRememberCookieName)
			require.NotEmpty(t, token)
			b.dropCookie("session")
			_, body := b.text("/username")
			assert.Equal(t, "Notch", body)

			// A copy of the cookie presented after the 7 hours is refused.
			late := a.browser()
			late.setCookie(DefaultRememberCookieName, token)
			a.clock.Advance(7*time.Hour + time.Second)
			_, body = late.text("/username")
			assert.Equal(t, "Anonymous", body)
		})
	}
}

// Flask-Login #35 test_remember_me_uses_custom_cookie_parameters
func TestParity_RememberMeUsesCustomCookieParameters(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.RememberCookie.Name = "myname"
		c.RememberCookie.Duration = 48 * time.Hour
		c.RememberCookie.Path = "/mypath"
		c.RememberCookie.Domain = "app.example"
	})
	rec := a.browser().get("/login/1?remember=1")
	require.Equal(t, 200, rec.Code)
	ck := parsedSetCookie(t, rec, "myname")
	assert.Equal(t, "/mypath", ck.Path)
	assert.Equal(t, "app.example", ck.Domain)
	assert.Equal(t, a.clock.Now().Add(48*time.Hour), ck.Expires)
	assert.Equal(t, 172800, ck.MaxAge)
}

// Flask-Login #36 test_remember_me_custom_duration_uses_custom_cookie
func TestParity_RememberMeCustomDurationUsesCustomCookie(t *testing.T) {
	a := newParityApp(t, func(c *Config) {
		c.RememberCookie.Name = "myname"
		c.RememberCookie.Duration = 172800 * time.Second
		c.RememberCookie.Path = "/mypath"
		c.RememberCookie.Domain = "app.example"
	})
	rec := a.browser().get("/login/1?remember=1&duration=7h")
	require.Equal(t, 200, rec.Code)
	ck := parsedSetCookie(t, rec, "myname")
	assert.Equal(t, "/mypath", ck.Path)
	assert.Equal(t, "app.example", ck.Domain)
	assert.Equal(t, a.clock.Now().Add(7*time.Hour), ck.Expires)
	assert.Equal(t, 7*3600, ck.MaxAge)
}

// Flask-Login #37 test_remember_me_accepts_duration_as_int
// Durations are typed time.Duration; "172800 seconds" is written as such.
func TestParity_RememberMeAcceptsDurationAsInt(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.RememberCookie.Duration = 172800 * time.Second })
	rec := a.browser().get("/login/1?remember=1")
	require.Equal(t, 200, rec.Code)
	ck := parsedSetCookie(t, rec, DefaultRememberCookieName)
	assert.Equal(t, a.clock.Now().Add(172800*time.Second), ck.Expires)
}

// Flask-Login #38 test_remember_me_with_invalid_duration_returns_500_response
// Different on purpose: a value of the wrong type does not compile, and New
// refuses a non-positive or sub-second duration, so the application never
// starts with it instead of answering 500 at the first remember login.
func TestParity_RememberMeWithInvalidDurationReturns500Response(t *testing.T) {
	for _, d := range []time.Duration{-123 * time.Second, 123 * time.Nanosecond, NoTimeout} {
		t.Run(d.String(), func(t *testing.T) {
			cfg := parityConfig()
			cfg.RememberCookie.Duration = d
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Config.RememberCookie.Duration")
		})
	}
}

// Flask-Login #39 test_remember_me_with_invalid_custom_duration_returns_500_resp
// RememberFor with a negative or sub-second duration makes Login fail;
// the handler answers 500 through Fail and nobody is logged in.
func TestParity_RememberMeWithInvalidCustomDurationReturns500Resp(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	rec := b.get("/login/1?remember=1&duration=-123s")
	assert.Equal(t, 500, rec.Code)
	assert.Empty(t, setCookieHeaders(rec, DefaultRememberCookieName))
	assert.Equal(t, 0, a.hooks.count(hookLoggedIn))
	assert.True(t, b.who().Anonymous)
}

// Flask-Login #40 test_set_cookie_with_invalid_duration_raises_exception
// New's error names the field and the value, for every duration field.
func TestParity_SetCookieWithInvalidDurationRaisesException(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(*Config)
		want  string
	}{
		{"RememberCookie.Duration", func(c *Config) { c.RememberCookie.Duration = -123 * time.Second }, "ginlogin: Config.RememberCookie.Duration is -2m3s: use a positive duration of at least one second"},
		{"IdleTimeout", func(c *Config) { c.IdleTimeout = -time.Minute }, "ginlogin: Config.IdleTimeout is -1m0s: use a positive duration of at least one second or ginlogin.NoTimeout"},
		{"AbsoluteTimeout", func(c *Config) { c.AbsoluteTimeout = time.Millisecond }, "ginlogin: Config.AbsoluteTimeout is 1ms: use a positive duration of at least one second or ginlogin.NoTimeout"},
		{"FreshFor", func(c *Config) { c.FreshFor = -2 * time.Second }, "ginlogin: Config.FreshFor is -2s: use a positive duration of at least one second or ginlogin.NoTimeout"},
		{"RotationGrace", func(c *Config) { c.RotationGrace = NoTimeout }, "ginlogin: Config.RotationGrace is -1ns: use a positive duration of at least one second"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := parityConfig()
			tc.set(&cfg)
			_, err := New(cfg)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

// Flask-Login #41 test_set_cookie_with_invalid_custom_duration_raises_exception
// Login's error names RememberFor and the value; RememberFor(0) means
// the configured duration.
func TestParity_SetCookieWithInvalidCustomDurationRaisesException(t *testing.T) {
	a := newParityApp(t, nil)
	for _, tc := range []struct {
		d       time.Duration
		wantErr string
	}{
		{-123 * time.Second, "ginlogin: RememberFor(-2m3s): use a positive duration of at least one second"},
		{500 * time.Millisecond, "ginlogin: RememberFor(500ms): use a positive duration of at least one second"},
		{0, ""},
	} {
		t.Run(tc.d.String(), func(t *testing.T) {
			a.inlineRoute("/inline/"+tc.d.String(), func(c *gin.Context) error { return Login(c, notch, RememberFor(tc.d)) })
			res := a.browser().inline("/inline/" + tc.d.String())
			assert.Equal(t, tc.wantErr, res.Err)
			assert.Equal(t, tc.wantErr != "", res.Anonymous)
		})
	}
}

// Flask-Login #42 test_remember_me_no_refresh_every_request
// Without RefreshEachRequest the cookie's expiry does not move: the
// restoring request sends no new remember cookie (signed tokens) or, when
// the split token's validator rotates, keeps the original expiry.
func TestParity_RememberMeNoRefreshEveryRequest(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			rec := b.get("/login/1?remember=1&duration=7h")
			require.Equal(t, 200, rec.Code)
			first := parsedSetCookie(t, rec, DefaultRememberCookieName)

			a.clock.Advance(time.Hour)
			b.dropCookie("session")
			rec = b.get("/username")
			require.Equal(t, "Notch", rec.Body.String())
			if scheme.name == "signed" {
				assert.Empty(t, setCookieHeaders(rec, DefaultRememberCookieName))
			} else {
				rotated := parsedSetCookie(t, rec, DefaultRememberCookieName)
				assert.NotEqual(t, first.Value, rotated.Value, "the validator rotates")
				assert.Equal(t, first.Expires, rotated.Expires)
				assert.Equal(t, 6*3600, rotated.MaxAge)
			}
			a.clock.Advance(time.Minute)
			assert.Empty(t, setCookieHeaders(b.get("/username"), DefaultRememberCookieName))
		})
	}
}

// Flask-Login #43 test_remember_me_refresh_each_request
// With RefreshEachRequest a request carrying the cookie re-issues it with a
// new expiry, on the restoring request and on later ones.
func TestParity_RememberMeRefreshEachRequest(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, chain(withRememberStore(scheme.store()), func(c *Config) {
				c.RememberCookie.RefreshEachRequest = true
			}))
			b := a.browser()
			rec := b.get("/login/1?remember=1")
			require.Equal(t, 200, rec.Code)
			first := parsedSetCookie(t, rec, DefaultRememberCookieName)
			assert.Equal(t, a.clock.Now().Add(DefaultRememberDuration), first.Expires)

			a.clock.Advance(time.Second)
			b.dropCookie("session")
			rec = b.get("/username")
			require.Equal(t, "Notch", rec.Body.String())
			restored := parsedSetCookie(t, rec, DefaultRememberCookieName)
			assert.Equal(t, a.clock.Now().Add(DefaultRememberDuration), restored.Expires)

			a.clock.Advance(time.Second)
			rec = b.get("/username")
			require.Equal(t, "Notch", rec.Body.String())
			later := parsedSetCookie(t, rec, DefaultRememberCookieName)
			assert.Equal(t, a.clock.Now().Add(DefaultRememberDuration), later.Expires)

			// The refreshed expiry is the server's too: the token outlives
			// the original expiry.
			a.clock.Advance(DefaultRememberDuration - time.Second)
			b.dropCookie("session")
			_, body := b.text("/username")
			assert.Equal(t, "Notch", body)
		})
	}
}

// Flask-Login: no test (#899 on Flask-Login main). RefreshEachRequest never
// turns a login that did not ask to be remembered into a remembered one.
func TestParity_RefreshEachRequestOnlyWithCookie(t *testing.T) {
	a := newParityApp(t, func(c *Config) { c.RememberCookie.RefreshEachRequest = true })
	b := a.browser()
	rec := b.get("/login/1")
	require.Equal(t, 200, rec.Code)
	assert.Empty(t, setCookieHeaders(rec, DefaultRememberCookieName))
	for range 3 {
		a.clock.Advance(2 * time.Minute)
		rec = b.get("/username")
		require.Equal(t, "Notch", rec.Body.String())
		assert.Empty(t, setCookieHeaders(rec, DefaultRememberCookieName))
	}
	assert.Empty(t, b.cookie(DefaultRememberCookieName))
}

// Flask-Login #44 test_remember_me_is_unfresh
func TestParity_RememberMeIsUnfresh(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			w := b.who()
			assert.Equal(t, "1", w.ID)
			assert.False(t, w.Fresh)
			assert.True(t, w.Remembered)
		})
	}
}

// Flask-Login #45 test_user_loaded_from_cookie_fired
func TestParity_UserLoadedFromCookieFired(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			a.hooks.reset()
			_, body := b.text("/username")
			require.Equal(t, "Notch", body)
			assert.Equal(t, []string{"1"}, a.hooks.users(hookLoadedFromCookie))
			_, _ = b.text("/username")
			assert.Equal(t, 1, a.hooks.count(hookLoadedFromCookie), "later requests use the session")
		})
	}
}

// Flask-Login #47 test_logout_stays_logged_out_with_remember_me
// Logout deletes the remember cookie; with a RememberStore a copy of the
// token taken before the logout is dead too. A stateless signed token cannot
// be revoked one by one: its copy works until it expires or the user's
// AuthStamp changes, as the RememberStore documentation says.
func TestParity_LogoutStaysLoggedOutWithRememberMe(t *testing.T) {
	testLogoutWithRemember(t, "/login/1?remember=1")
}

// Flask-Login #48 test_logout_stays_logged_out_with_remember_me_custom_duration
func TestParity_LogoutStaysLoggedOutWithRememberMeCustomDuration(t *testing.T) {
	testLogoutWithRemember(t, "/login/1?remember=1&duration=7h")
}

func testLogoutWithRemember(t *testing.T, login string) {
	t.Helper()
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get(login).Code)
			copied := b.cookie(DefaultRememberCookieName)
			require.NotEmpty(t, copied)

			rec := b.get("/logout")
			require.Equal(t, 200, rec.Code)
			deleted := parsedSetCookie(t, rec, DefaultRememberCookieName)
			assert.Empty(t, deleted.Value)
			assert.Less(t, deleted.MaxAge, 0)
			assert.Empty(t, b.cookie(DefaultRememberCookieName))
			_, body := b.text("/username")
			assert.Equal(t, "Anonymous", body)
			b.dropCookie("session")
			_, body = b.text("/username")
			assert.Equal(t, "Anonymous", body)

			thief := a.browser()
			thief.setCookie(DefaultRememberCookieName, copied)
			_, body = thief.text("/username")
			if scheme.name == "split" {
				assert.Equal(t, "Anonymous", body, "logout revoked the device")
			} else {
				assert.Equal(t, "Notch", body, "a stateless token is valid until it expires")
			}
		})
	}
}

// Flask-Login #56 test_confirm_login
func TestParity_ConfirmLogin(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			require.False(t, b.who().Fresh)
			require.Equal(t, 200, b.get("/confirm").Code)
			w := b.who()
			assert.Equal(t, "1", w.ID)
			assert.True(t, w.Fresh)
			assert.True(t, w.Remembered)
		})
	}
}

// Flask-Login #57 test_user_login_confirmed_signal_fired
// Flask's confirm_login fires even when nobody is logged in. Different on
// purpose: ConfirmLogin then returns ErrNotAuthenticated and runs no hook,
// so a stray call cannot mark an anonymous session fresh.
func TestParity_UserLoginConfirmedSignalFired(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	code, body := b.text("/confirm")
	assert.Equal(t, 401, code)
	assert.Equal(t, ErrNotAuthenticated.Error(), body)
	assert.Equal(t, 0, a.hooks.count(hookLoginConfirmed))

	require.Equal(t, 200, b.get("/login/1?fresh=0").Code)
	require.Equal(t, 200, b.get("/confirm").Code)
	assert.Equal(t, []string{"1"}, a.hooks.users(hookLoginConfirmed))
}

// Flask-Login #58 test_session_not_modified
// A request that changes nothing writes no session cookie: one that never
// asks for the user, an anonymous one that does, and a logged-in one within
// the minute in which the last use is not re-recorded.
func TestParity_SessionNotModified(t *testing.T) {
	a := newParityApp(t, nil)
	b := a.browser()
	for _, path := range []string{"/nothing", "/whoami", "/username"} {
		assert.Empty(t, b.get(path).Header().Values("Set-Cookie"), path)
	}
	require.Equal(t, 200, b.get("/login/1").Code)
	a.clock.Advance(30 * time.Second)
	for _, path := range []string{"/nothing", "/whoami", "/protected"} {
		assert.Empty(t, b.get(path).Header().Values("Set-Cookie"), path)
	}
}

// Flask-Login #59 test_invalid_remember_cookie
// A forged remember cookie gives an anonymous request, and ginlogin also
// deletes it (Flask leaves it in place).
func TestParity_InvalidRememberCookie(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			b.dropCookie("session")
			b.setCookie(DefaultRememberCookieName, "foo")
			rec := b.get("/username")
			assert.Equal(t, "Anonymous", rec.Body.String())
			deleted := parsedSetCookie(t, rec, DefaultRememberCookieName)
			assert.Less(t, deleted.MaxAge, 0)
			assert.Equal(t, 0, a.hooks.count(hookLoadedFromCookie))
		})
	}
}

// Flask-Login #89 test_cookie_encoding
// Different on purpose: Flask's cookie is id|HMAC-SHA512(id), with no
// expiry and no way to revoke it. Without a RememberStore ginlogin signs
// version, user ID, server-checked expiry, AuthStamp MAC and cookie name
// under a key derived for this purpose; with a store the cookie is a random
// selector.validator pair. Both round-trip and reject tampering.
func TestParity_CookieEncoding(t *testing.T) {
	a := newParityApp(t, nil)
	tokens, ok := a.mgr.remember.(*signedTokens)
	require.True(t, ok)
	expires := a.clock.Now().Add(time.Hour)
	token := tokens.encode("1", expires, nil)

	uid, exp, stamp, valid := tokens.decode(token)
	require.True(t, valid)
	assert.Equal(t, "1", uid)
	assert.True(t, exp.Equal(expires))
	assert.Nil(t, stamp)

	parts := strings.Split(token, ".")
	require.Len(t, parts, 5)
	swap := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	otherName := newParityApp(t, func(c *Config) { c.RememberCookie.Name = "other" })
	for name, bad := range map[string]string{
		"flask tamper":      "Foo|BAD_BASH",
		"flask no bar":      "no bar",
		"empty":             "",
		"version":           swap(0, "2"),
		"user id":           swap(1, "Mg"), // base64url of "2"
		"expiry":            swap(2, "9999999999"),
		"stamp":             swap(3, "AAAAAAAAAAAAAAAAAAAAAA"),
		"mac":               swap(4, strings.Repeat("A", 43)),
		"truncated":         token[:len(token)-1],
		"other cookie name": otherName.mgr.remember.(*signedTokens).encode("1", expires, nil),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, _, valid := tokens.decode(bad)
			assert.False(t, valid)
		})
	}

	r, err := tokens.restore(t.Context(), token, expires)
	require.NoError(t, err)
	assert.False(t, r.ok, "refused at its expiry")

	// Split tokens accept only their exact form.
	split := newParityApp(t, withRememberStore(NewMemoryStore()))
	b := split.browser()
	require.Equal(t, 200, b.get("/login/1?remember=1").Code)
	value := b.cookie(DefaultRememberCookieName)
	selector, validator, ok := parseSplitToken(value)
	require.True(t, ok)
	assert.Len(t, validator, validatorBytes)
	assert.Equal(t, value[:selectorLen], selector)
	for _, bad := range []string{"", "foo", value[:len(value)-1], strings.Replace(value, ".", "|", 1), value + "A"} {
		_, _, ok := parseSplitToken(bad)
		assert.False(t, ok, bad)
	}
}

// Flask-Login #90 test_cookie_encoding_with_key
// Flask's explicit key= argument becomes key rotation: a token signed under
// the old key is accepted while that key is still listed after the new one,
// and refused once it is dropped.
func TestParity_CookieEncodingWithKey(t *testing.T) {
	oldKey := testSecret
	newKey := []byte("fedcba9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu")
	build := func(keys ...[]byte) *parityApp {
		return newParityApp(t, func(c *Config) { c.SecretKeys = keys })
	}
	old := build(oldKey)
	token := old.mgr.remember.(*signedTokens).encode("1", old.clock.Now().Add(time.Hour), nil)

	for _, tc := range []struct {
		name  string
		keys  [][]byte
		valid bool
	}{
		{"old key only", [][]byte{oldKey}, true},
		{"rotated, old still listed", [][]byte{newKey, oldKey}, true},
		{"old key dropped", [][]byte{newKey}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := build(tc.keys...)
			uid, _, _, valid := m.mgr.remember.(*signedTokens).decode(token)
			assert.Equal(t, tc.valid, valid)
			if tc.valid {
				assert.Equal(t, "1", uid)
			}
		})
	}
	rotated := build(newKey, oldKey)
	fresh := rotated.mgr.remember.(*signedTokens).encode("1", old.clock.Now().Add(time.Hour), nil)
	_, _, _, valid := old.mgr.remember.(*signedTokens).decode(fresh)
	assert.False(t, valid, "the first key signs")
}

// Flask-Login #91 test_bytes
// Secret keys are []byte and used as given: binary keys are fine.
func TestParity_SecretKeyBytes(t *testing.T) {
	key := make([]byte, MinSecretKeyLength)
	for i := range key {
		key[i] = byte(i * 7)
	}
	cfg := parityConfig()
	cfg.SecretKeys, cfg.SessionStore = [][]byte{key}, NewCookieStore(key)
	_, err := New(cfg)
	assert.NoError(t, err)
}

// Flask-Login #92 test_native
// Different on purpose: Flask accepts any str key (latin-1 encoded), even
// Flask's own 3-byte test key. New refuses short, made-up, repeated and
// missing keys, saying which one and why.
func TestParity_SecretKeyNative(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys [][]byte
		want string
	}{
		{"none", nil, "ginlogin: Config.SecretKeys is empty"},
		{"flask test key", [][]byte{[]byte("\x9e\x8f\x14")}, "ginlogin: Config.SecretKeys[0] is 3 bytes: use a random key of at least 32 bytes"},
		{"deterministic", [][]byte{[]byte("deterministic")}, "ginlogin: Config.SecretKeys[0] is 13 bytes"},
		{"made up", [][]byte{[]byte(strings.Repeat("secret", 8))}, "ginlogin: Config.SecretKeys[0] uses only 5 distinct byte values"},
		{"repeated", [][]byte{testSecret, testSecret}, "ginlogin: Config.SecretKeys[1] repeats an earlier key"},
		{"short second", [][]byte{testSecret, []byte("short")}, "ginlogin: Config.SecretKeys[1] is 5 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parityConfig()
			cfg.SecretKeys = tc.keys
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Flask-Login #93 test_default
// Flask's _secret_key(key) returns the key as bytes. ginlogin never uses a
// secret directly: DeriveKey gives each purpose its own 32-byte key.
func TestParity_SecretKeyDefault(t *testing.T) {
	other := []byte("fedcba9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu")
	k := DeriveKey(testSecret, purposeRemember)
	assert.Len(t, k, 32)
	assert.Equal(t, k, DeriveKey(testSecret, purposeRemember), "deterministic")
	assert.NotEqual(t, k, DeriveKey(testSecret, purposeIdentifier), "per purpose")
	assert.NotEqual(t, k, DeriveKey(other, purposeRemember), "per secret")
	assert.NotContains(t, string(k), string(testSecret[:8]))
	assert.Panics(t, func() { DeriveKey(nil, purposeRemember) })
}

// Flask-Login #100 test_remember_me_username
// A non-ASCII user ID survives the remember cookie: the cookie value is
// encoded, so net/http sends it unchanged.
func TestParity_RememberMeUsername(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			rec := b.get("/login/%E4%BD%90%E8%97%A4?remember=1")
			require.Equal(t, 200, rec.Code, rec.Body.String())
			value := parsedSetCookie(t, rec, DefaultRememberCookieName).Value
			require.NotEmpty(t, value)
			for _, r := range value {
				assert.True(t, r > 0x20 && r < 0x7f && !strings.ContainsRune("\";\\, ", r), "cookie value byte %q", r)
			}
			b.dropCookie("session")
			_, body := b.text("/username")
			assert.Equal(t, "Müller", body)
		})
	}
}

// Flask-Login #101 test_remember_me_user_id
func TestParity_RememberMeUserID(t *testing.T) {
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			a := newParityApp(t, withRememberStore(scheme.store()))
			b := a.browser()
			require.Equal(t, 200, b.get("/login/%E4%BD%90%E8%97%A4?remember=1").Code)
			b.dropCookie("session")
			w := b.who()
			assert.Equal(t, "佐藤", w.ID)
			assert.False(t, w.Anonymous)
			assert.Equal(t, []string{"佐藤"}, a.hooks.users(hookLoadedFromCookie))
		})
	}
}

// Flask-Login: no test ("Secure/HttpOnly/SameSite attributes on the set
// cookie and their absence on the delete cookie"). The remember cookie is
// Secure, HttpOnly and SameSite=Lax by default, and it is deleted with every
// attribute it was set with (Flask #683/#734: a deletion without them is
// ignored by some browsers).
func TestParity_RememberCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    RememberCookieConfig
		secure bool
		http   bool
		site   http.SameSite
		domain string
	}{
		{"defaults", RememberCookieConfig{}, true, true, http.SameSiteLaxMode, ""},
		{"custom", RememberCookieConfig{Domain: "app.example", SameSite: http.SameSiteStrictMode, ScriptReadable: true}, true, false, http.SameSiteStrictMode, "app.example"},
		{"insecure", RememberCookieConfig{Insecure: true}, false, true, http.SameSiteLaxMode, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newParityApp(t, func(c *Config) { c.RememberCookie = tc.cfg })
			b := a.browser()
			rec := b.get("/login/1?remember=1")
			require.Equal(t, 200, rec.Code)
			set := parsedSetCookie(t, rec, DefaultRememberCookieName)
			rec = b.get("/logout")
			require.Equal(t, 200, rec.Code)
			del := parsedSetCookie(t, rec, DefaultRememberCookieName)
			for _, ck := range []*http.Cookie{set, del} {
				assert.Equal(t, tc.secure, ck.Secure)
				assert.Equal(t, tc.http, ck.HttpOnly)
				assert.Equal(t, tc.site, ck.SameSite)
				assert.Equal(t, "/", ck.Path)
				assert.Equal(t, tc.domain, ck.Domain)
			}
			assert.Equal(t, a.clock.Now().Add(DefaultRememberDuration), set.Expires)
			assert.Equal(t, int(DefaultRememberDuration/time.Second), set.MaxAge)
			assert.Less(t, del.MaxAge, 0)
			assert.Empty(t, del.Value)
		})
	}
}

// Flask-Login: no test. Decision: freshness is a time window
// (Config.FreshFor, default 15 minutes); NoTimeout gives Flask-Login's
// "fresh until the session ends".
func TestParity_FreshnessWindow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		freshFor  time.Duration
		after     time.Duration
		wantFresh bool
	}{
		{"default, inside", 0, 14 * time.Minute, true},
		{"default, after", 0, DefaultFreshFor, false},
		{"NoTimeout, a day later", NoTimeout, 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newParityApp(t, func(c *Config) {
				c.FreshFor = tc.freshFor
				c.IdleTimeout, c.AbsoluteTimeout = NoTimeout, NoTimeout
			})
			b := a.browser()
			require.Equal(t, 200, b.get("/login/1").Code)
			a.clock.Advance(tc.after)
			w := b.who()
			require.Equal(t, "1", w.ID)
			assert.Equal(t, tc.wantFresh, w.Fresh)
		})
	}
}
