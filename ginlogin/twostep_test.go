package ginlogin

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoStepApp is a test app with a two-step login:
//
//	/start/:id        password checked: StartLogin (?remember=1)
//	/second           the second-factor page (PendingLoginRequired): whose code?
//	/complete         second factor checked: CompleteLogin (?trust=1)
//	/trusted/:id      IsTrustedBrowser for the user
func twoStepApp(t *testing.T, mutate func(*Config)) (*testApp, *hookLog) {
	t.Helper()
	log := &hookLog{calls: map[string][]string{}}
	a := newTestApp(t, func(c *Config) {
		c.LoginURL = "/login"
		c.TwoStep.URL = "/second"
		c.RememberStore = NewMemoryStore()
		c.Hooks.PendingStarted = func(_ *gin.Context, u User) { log.record("pending started", u) }
		c.Hooks.PendingCompleted = func(_ *gin.Context, u User) { log.record("pending completed", u) }
		c.Hooks.PendingExpired = func(_ *gin.Context, id string) { log.record("pending expired", &testUser{id: id}) }
		if mutate != nil {
			mutate(c)
		}
	})
	a.engine.GET("/start/:id", func(c *gin.Context) {
		u, _ := a.users.load(c, c.Param("id"))
		var opts []LoginOption
		if c.Query("remember") != "" {
			opts = append(opts, Remember())
		}
		if err := StartLogin(c, u, opts...); err != nil {
			c.String(http.StatusBadRequest, err.Error())
			return
		}
		c.Redirect(http.StatusSeeOther, "/second")
	})
	a.engine.GET("/second", PendingLoginRequired(), func(c *gin.Context) {
		u, err := PendingUser(c)
		require.NoError(t, err)
		c.String(200, "code for %s", u.LoginID())
	})
	a.engine.GET("/complete", func(c *gin.Context) {
		var opts []LoginOption
		if c.Query("trust") != "" {
			opts = append(opts, TrustBrowser())
		}
		if err := CompleteLogin(c, opts...); err != nil {
			c.String(http.StatusConflict, err.Error())
			return
		}
		c.String(200, "logged in")
	})
	a.engine.GET("/trusted/:id", func(c *gin.Context) {
		u, _ := a.users.load(c, c.Param("id"))
		c.String(200, "%v", IsTrustedBrowser(c, u))
	})
	addAccountRoutes(a)
	return a, log
}

// A pending login is not a login: guards refuse it and send the browser to
// the second-factor page, the accessors see nobody, and only
// PendingLoginRequired lets it through. Completing it makes a full, fresh
// login with a new session and a device.
func TestTwoStepLoginPendingIsNotALogin(t *testing.T) {
	t.Parallel()
	a, log := twoStepApp(t, nil)
	b := a.browser()
	assert.Equal(t, 302, b.get("/second").Code, "no pending login: the second-factor page is refused")
	assert.Equal(t, "/login?next=%2Fsecond", b.get("/second").Header().Get("Location"))

	b.getStatus("/login/2", 200) // someone else was logged in in this browser
	before := b.cookie(DefaultSessionName)
	rec := b.get("/start/1")
	require.Equal(t, 303, rec.Code, rec.Body.String())
	assert.NotEqual(t, before, b.cookie(DefaultSessionName), "the session was renewed")
	assert.True(t, b.who().Anonymous, "CurrentUser is nil while the second factor is pending")

	rec = b.get("/protected")
	assert.Equal(t, 302, rec.Code)
	assert.Equal(t, "/second?next=%2Fprotected", rec.Header().Get("Location"), "guards send the browser to the second factor")
	assert.Equal(t, 401, b.get("/protected", "Accept", "*/*").Code, "an API client gets the JSON 401")
	_, body := b.text("/second")
	assert.Equal(t, "code for 1", body)
	assert.Equal(t, []string{"1"}, log.users("pending started"))

	sessionBefore := b.cookie(DefaultSessionName)
	b.getStatus("/complete", 200)
	assert.NotEqual(t, sessionBefore, b.cookie(DefaultSessionName), "completion renews the session")
	w := b.who()
	assert.Equal(t, "1", w.ID)
	assert.True(t, w.Fresh, "the completed login is fresh")
	assert.Equal(t, 200, b.get("/protected").Code)
	assert.Equal(t, []string{"1"}, log.users("pending completed"))
	devices, err := a.cfg.RememberStore.UserDevices(t.Context(), "1")
	require.NoError(t, err)
	assert.Len(t, devices, 1, "a device was created at completion")
	assert.Equal(t, 302, b.get("/second").Code, "nothing is pending any more")
	rec = b.get("/complete")
	assert.Equal(t, 409, rec.Code, "a completed login cannot be completed twice")
	assert.Equal(t, ErrNoPendingLogin.Error(), rec.Body.String())
}

// Remember-me asked for at the first step is honoured when the login
// completes, and not before.
func TestTwoStepLoginHonoursRememberFromTheFirstStep(t *testing.T) {
	t.Parallel()
	a, _ := twoStepApp(t, nil)
	b := a.browser()
	b.getStatus("/start/1?remember=1", 303)
	assert.Empty(t, b.cookie(DefaultRememberCookieName), "no remember cookie for a pending login")
	b.getStatus("/complete", 200)
	require.NotEmpty(t, b.cookie(DefaultRememberCookieName))
	b.dropCookie(DefaultSessionName) // the browser restarts
	w := b.who()
	assert.Equal(t, "1", w.ID, "the remember cookie restores the login")
	assert.True(t, w.Remembered)
}

// A pending login expires after TwoStep.PendingFor, is cleared by logout,
// and cannot be completed from another browser (a copied session cookie) or
// after the user's password changed.
func TestTwoStepLoginEnds(t *testing.T) {
	t.Parallel()
	t.Run("expires", func(t *testing.T) {
		t.Parallel()
		a, log := twoStepApp(t, func(c *Config) { c.TwoStep.PendingFor = 2 * time.Minute })
		b := a.browser()
		b.getStatus("/start/1", 303)
		a.clock.Advance(2 * time.Minute)
		assert.Equal(t, 409, b.get("/complete").Code)
		assert.Equal(t, []string{"1"}, log.users("pending expired"))
		rec := b.get("/protected")
		assert.Equal(t, "/login?next=%2Fprotected", rec.Header().Get("Location"), "back to the login page, not the second factor")
	})
	t.Run("logout clears it", func(t *testing.T) {
		t.Parallel()
		a, _ := twoStepApp(t, nil)
		b := a.browser()
		b.getStatus("/start/1", 303)
		b.getStatus("/logout", 200)
		assert.Equal(t, 409, b.get("/complete").Code)
	})
	t.Run("another browser", func(t *testing.T) {
		t.Parallel()
		a, _ := twoStepApp(t, nil)
		b := a.browser()
		b.getStatus("/start/1", 303)
		thief := a.browser()
		thief.remoteAddr, thief.userAgent = "198.51.100.7:5555", "OtherBrowser/2.0"
		thief.setCookie(DefaultSessionName, b.cookie(DefaultSessionName))
		assert.Equal(t, 409, thief.get("/complete").Code, "the pending login is bound to the browser that started it")
		assert.True(t, thief.who().Anonymous)
	})
	t.Run("password changed", func(t *testing.T) {
		t.Parallel()
		a, _ := twoStepApp(t, nil)
		u := a.stamped("s1", "old")
		b := a.browser()
		b.getStatus("/start/s1", 303)
		a.users.put(&stampedUser{testUser: u.testUser, stamp: "new"})
		assert.Equal(t, 409, b.get("/complete").Code)
	})
	t.Run("inactive user", func(t *testing.T) {
		t.Parallel()
		a, _ := twoStepApp(t, nil)
		rec := a.browser().get("/start/3")
		assert.Equal(t, 400, rec.Code)
		assert.Contains(t, rec.Body.String(), ErrInactiveUser.Error())
	})
}

// TrustBrowser sets a cookie that IsTrustedBrowser accepts for that user
// only, until TrustFor ends or the user's password changes.
func TestTwoStepTrustedBrowser(t *testing.T) {
	t.Parallel()
	a, _ := twoStepApp(t, func(c *Config) { c.TwoStep.TrustFor = 24 * time.Hour })
	u := a.stamped("s1", "one")
	b := a.browser()
	_, body := b.text("/trusted/s1")
	assert.Equal(t, "false", body)
	b.getStatus("/start/s1", 303)
	rec := b.get("/complete?trust=1")
	require.Equal(t, 200, rec.Code)
	ck := findCookie(rec.Result().Cookies(), DefaultTrustedCookieName)
	require.NotNil(t, ck)
	assert.True(t, ck.HttpOnly)
	assert.True(t, ck.Secure)
	assert.Equal(t, 86400, ck.MaxAge)

	_, body = b.text("/trusted/s1")
	assert.Equal(t, "true", body)
	_, body = b.text("/trusted/1")
	assert.Equal(t, "false", body, "trusted for that user only")

	tampered := a.browser()
	tampered.setCookie(DefaultTrustedCookieName, "zzzzzz."+ck.Value[len(ck.Value)-22:])
	_, body = tampered.text("/trusted/s1")
	assert.Equal(t, "false", body, "a changed expiry breaks the MAC")

	a.users.put(&stampedUser{testUser: u.testUser, stamp: "two"})
	_, body = b.text("/trusted/s1")
	assert.Equal(t, "false", body, "a password change ends the trust")
	a.users.put(u)
	_, body = b.text("/trusted/s1")
	assert.Equal(t, "true", body)
	a.clock.Advance(24 * time.Hour)
	_, body = b.text("/trusted/s1")
	assert.Equal(t, "false", body, "trust expires")
}

// TwoStepConfig is checked by New, and its zero value gets the defaults.
func TestTwoStepConfigIsChecked(t *testing.T) {
	t.Parallel()
	mgr, err := New(Config{SecretKeys: [][]byte{testSecret}, SessionStore: NewCookieStore(testSecret), UserLoader: newUserDB().load})
	require.NoError(t, err)
	assert.Equal(t, TwoStepConfig{PendingFor: DefaultPendingFor, TrustFor: DefaultTrustFor, TrustedCookieName: DefaultTrustedCookieName}, mgr.Config().TwoStep)
	for name, tc := range map[string]struct {
		mutate func(*TwoStepConfig)
		want   string
	}{
		"pending too long": {func(c *TwoStepConfig) { c.PendingFor = 2 * time.Hour }, "TwoStep.PendingFor"},
		"trust too long":   {func(c *TwoStepConfig) { c.TrustFor = 500 * 24 * time.Hour }, "TwoStep.TrustFor"},
		"bad URL":          {func(c *TwoStepConfig) { c.URL = "javascript:x" }, "TwoStep.URL"},
		"cookie clash":     {func(c *TwoStepConfig) { c.TrustedCookieName = DefaultSessionName }, "TrustedCookieName"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{SecretKeys: [][]byte{testSecret}, SessionStore: NewCookieStore(testSecret), UserLoader: newUserDB().load}
			tc.mutate(&cfg.TwoStep)
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// The pending record survives its own encoding and refuses garbage.
func TestPendingRecordRoundTrip(t *testing.T) {
	t.Parallel()
	rec := pendingRecord{UserID: "a|b", Started: 1700000000, Remember: true, RememberFor: 3600, Identifier: "id", Stamp: "st", Label: "Firefox | Linux"}
	got, ok := parsePendingRecord(rec.encode())
	require.True(t, ok)
	assert.Equal(t, rec, got)
	for _, bad := range []string{"", "1", "2|a|0|0|||x|u", "1|zz|2|0|||x|u", "1|a|0|0||||", "1|-5|0|0|||eA|u"} {
		_, ok := parsePendingRecord(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func findCookie(cookies []*http.Cookie, name string) *http.Cookie {
	for _, ck := range cookies {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}
