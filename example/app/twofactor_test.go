package app_test

import (
	"bytes"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	secretOnPage        = regexp.MustCompile(`<pre class="code" id="totp-secret">([^<]+)</pre>`)
	recoveryCodesOnPage = regexp.MustCompile(`(?s)<pre class="code" id="recovery-codes">([^<]+)</pre>`)
)

// totpCode is what an authenticator app shows for secret at t.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	require.NoError(t, err)
	return code
}

// enrolTOTP turns two-step login on for the logged-in (fresh) browser the
// way a user does: set up, read the secret off the page, confirm with the
// code of the moment, keep the recovery codes. The clock then moves to the
// next time step, so the confirming code is not the next one asked.
// enrolledSite is a site where ada@example.com has registered, turned
// two-step login on and logged out again, with her browser, TOTP secret
// and recovery codes.
func enrolledSite(t *testing.T, opts ...func(*app.Config)) (*site, *browser, string, []string) {
	t.Helper()
	s := newSite(t, opts...)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	secret, codes := b.enrolTOTP()
	b.logOut()
	return s, b, secret, codes
}

func (b *browser) enrolTOTP() (secret string, codes []string) {
	b.t.Helper()
	res := b.post("/profile/two-factor/setup", nil)
	require.Equal(b.t, http.StatusSeeOther, res.status, res.body)
	require.Equal(b.t, "/profile/two-factor", res.location())
	res = b.get("/profile/two-factor")
	require.Equal(b.t, http.StatusOK, res.status)
	m := secretOnPage.FindStringSubmatch(res.body)
	require.NotNil(b.t, m, "the page shows the secret as text")
	secret = strings.ReplaceAll(html.UnescapeString(m[1]), " ", "")
	res = b.post("/profile/two-factor/confirm", url.Values{"code": {totpCode(b.t, secret, b.s.clock.Now())}})
	require.Equal(b.t, http.StatusOK, res.status, res.body)
	m = recoveryCodesOnPage.FindStringSubmatch(res.body)
	require.NotNil(b.t, m, "the recovery codes are shown")
	codes = strings.Fields(m[1])
	b.s.clock.Advance(30 * time.Second)
	return secret, codes
}

// secondFactor submits the second-factor form.
func (b *browser) secondFactor(code string, trust bool) response {
	b.t.Helper()
	form := url.Values{"code": {code}}
	if trust {
		form.Set("trust", "on")
	}
	res := b.post("/login/two-factor", form)
	if res.status == http.StatusSeeOther {
		b.get(res.location()) // as a browser does, which also picks up the new CSRF token
	}
	return res
}

// logOut presses the logout button and follows the redirect.
func (b *browser) logOut() {
	b.t.Helper()
	res := b.post("/logout", nil)
	require.Equal(b.t, http.StatusSeeOther, res.status)
	b.get(res.location())
}

// pendingLogin logs in with the password and expects the second step.
func (b *browser) pendingLogin(email, password string) {
	b.t.Helper()
	res := b.login(email, password, false)
	require.Equal(b.t, http.StatusSeeOther, res.status, res.body)
	require.Equal(b.t, "/login/two-factor", res.location())
}

func TestTwoFactorEnrolmentShowsTheSecretOnceAndStoresItEncrypted(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	assert.Contains(t, b.get("/profile").body, "Set up two-step login")
	assert.Equal(t, http.StatusNotFound, b.get("/profile/two-factor/qr.png").status, "no QR code before the set-up")

	require.Equal(t, http.StatusSeeOther, b.post("/profile/two-factor/setup", nil).status)
	res := b.get("/profile/two-factor")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `<img class="qr" src="/profile/two-factor/qr.png"`)
	assert.Contains(t, res.header.Get("Content-Security-Policy"), "img-src 'self';", "the QR code needs no data: images")
	secret := strings.ReplaceAll(secretOnPage.FindStringSubmatch(res.body)[1], " ", "")
	require.Len(t, secret, 32, "160 bits in base32")

	qr := b.get("/profile/two-factor/qr.png")
	require.Equal(t, http.StatusOK, qr.status)
	assert.Equal(t, "image/png", qr.header.Get("Content-Type"))
	assert.Equal(t, "no-store", qr.header.Get("Cache-Control"))
	img, err := png.Decode(bytes.NewReader([]byte(qr.body)))
	require.NoError(t, err)
	assert.Equal(t, 240, img.Bounds().Dx())

	var stored string
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT totp_secret FROM users").Scan(&stored))
	assert.NotContains(t, stored, secret, "the secret is encrypted at rest")
	assert.True(t, strings.HasPrefix(stored, "v1."), stored)

	res = b.post("/profile/two-factor/confirm", url.Values{"code": {"000000"}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body, "That code is not correct.")
	assert.Contains(t, b.get("/profile").body, "Set up two-step login", "a wrong first code enables nothing")

	res = b.post("/profile/two-factor/confirm", url.Values{"code": {totpCode(t, secret, s.clock.Now())}})
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Two-step login is on.")
	codes := strings.Fields(recoveryCodesOnPage.FindStringSubmatch(res.body)[1])
	require.Len(t, codes, 10)
	assert.Regexp(t, `^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`, codes[0])

	res = b.get("/profile/two-factor")
	assert.NotContains(t, res.body, codes[0], "recovery codes are shown once")
	assert.NotContains(t, res.body, "totp-secret", "the secret is not shown once enabled")
	assert.Contains(t, res.body, `<strong id="codes-left">10</strong>`)
	assert.Equal(t, http.StatusNotFound, b.get("/profile/two-factor/qr.png").status, "nor its QR code")
	var hashes []string
	rows, err := s.app.Database().DB.Query("SELECT code_hash FROM recovery_codes")
	require.NoError(t, err)
	for rows.Next() {
		var h string
		require.NoError(t, rows.Scan(&h))
		hashes = append(hashes, h)
	}
	require.NoError(t, rows.Err())
	require.Len(t, hashes, 10)
	for _, code := range codes {
		assert.NotContains(t, strings.Join(hashes, " "), code, "only hashes are stored")
	}
	assert.Equal(t, http.StatusSeeOther, b.post("/profile/two-factor/setup", nil).status)
	assert.Contains(t, b.get("/profile/two-factor").body, "Two-step login is on already.", "a new set-up does not replace an enabled secret")
}

func TestTwoFactorLoginAsksForTheCodeAndRefusesWrongAndReplayedCodes(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)
	res := b.get("/login/two-factor")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "The password of <strong class=\"email\">ada@example.com</strong> was right.")
	assert.Contains(t, res.body, "Trust this browser for 30 days")
	assert.Contains(t, res.body, "Not signed in", "a pending login is not a login")
	res = b.get("/dashboard")
	assert.Equal(t, http.StatusFound, res.status)
	assert.True(t, strings.HasPrefix(res.location(), "/login/two-factor"), "guards send a pending browser to the second step: %s", res.location())
	assert.Nil(t, b.cookie("remember_token"))

	res = b.secondFactor("123456", false)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, "That code is not correct")
	assert.Equal(t, http.StatusFound, b.get("/dashboard").status, "still pending")

	code := totpCode(t, secret, s.clock.Now())
	res = b.post("/login/two-factor", url.Values{"code": {code}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Equal(t, "/dashboard", res.location())
	assert.Contains(t, b.get("/dashboard").body, "Welcome back, Ada.")
	assert.Equal(t, http.StatusOK, b.get("/admin").status, "a completed login is fresh")
	assert.Nil(t, b.cookie("trusted_browser"), "trust was not asked for")

	// The same code again, from another login in the same time step.
	other := s.browser()
	other.pendingLogin("ada@example.com", testPassword)
	res = other.secondFactor(code, false)
	assert.Equal(t, http.StatusUnauthorized, res.status, "a code works once")
	assert.Contains(t, s.logs.String(), "refused a TOTP code that was used already")
	// An older code that is still within the drift allowance is refused too.
	assert.Equal(t, http.StatusUnauthorized, other.secondFactor(totpCode(t, secret, s.clock.Now().Add(-30*time.Second)), false).status)
	s.clock.Advance(30 * time.Second)
	res = other.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	require.Equal(t, http.StatusSeeOther, res.status, "the next code works")
	assert.True(t, other.loggedIn())
	assert.Contains(t, s.logs.String(), "password accepted, second factor pending")
	assert.Contains(t, s.logs.String(), "second factor accepted")
}

func TestTwoFactorLoginHonoursRememberMeAndNext(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.get("/login?next=%2Fprofile")
	res := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "remember": {"on"}, "next": {"/profile"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/login/two-factor?next=%2Fprofile", res.location())
	assert.Nil(t, b.cookie("remember_token"), "not before the second factor")
	assert.Contains(t, b.get(res.location()).body, `name="next" value="/profile"`)
	res = b.post("/login/two-factor", url.Values{"code": {totpCode(t, secret, s.clock.Now())}, "next": {"/profile"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/profile", res.location())
	assert.NotNil(t, b.cookie("remember_token"), "remember me, as asked at the password step")
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	_, b, _, codes := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)
	res := b.post("/login/two-factor", url.Values{"code": {strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))}}) // as typed, in any case
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Contains(t, b.get("/dashboard").body, "You used a recovery code: 9 left.")
	assert.Contains(t, b.get("/profile").body, "9 recovery codes left")
	b.logOut()

	b.pendingLogin("ada@example.com", testPassword)
	assert.Equal(t, http.StatusUnauthorized, b.secondFactor(codes[3], false).status, "a used recovery code is refused")
	assert.Equal(t, http.StatusUnauthorized, b.secondFactor("abcd-efgh-jkmn-pqrs", false).status)
	assert.Equal(t, http.StatusSeeOther, b.secondFactor(codes[4], false).status)
}

func TestTrustedBrowserSkipsTheSecondFactorUntilThePasswordChanges(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)
	require.Equal(t, http.StatusSeeOther, b.secondFactor(totpCode(t, secret, s.clock.Now()), true).status)
	trusted := b.cookie("trusted_browser")
	require.NotNil(t, trusted)
	b.logOut()
	require.NotNil(t, b.cookie("trusted_browser"), "logout does not end the trust")

	res := b.login("ada@example.com", testPassword, false)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/dashboard", res.location(), "a trusted browser skips the second factor")
	s.browser().pendingLogin("ada@example.com", testPassword) // but no other browser

	const newPassword = "a much better passphrase"
	res = b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	b.logOut()
	b.pendingLogin("ada@example.com", newPassword) // the password change ended the trust
}

func TestPendingLoginExpires(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)
	s.clock.Advance(5*time.Minute + time.Second)
	res := b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/login?next=%2Flogin%2Ftwo-factor", res.location(), "after 5 minutes the code is too late")
	assert.False(t, b.loggedIn())
	assert.Contains(t, s.logs.String(), "a pending second factor expired")
	res = b.get("/dashboard")
	assert.True(t, strings.HasPrefix(res.location(), "/login?next="), "back to the password: %s", res.location())
}

func TestLogoutDuringPendingLoginClearsIt(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)
	assert.Contains(t, b.get("/login/two-factor").body, "Cancel and log out")
	res := b.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/", res.location())
	b.get("/")
	res = b.get("/login/two-factor")
	assert.Equal(t, http.StatusFound, res.status)
	assert.True(t, strings.HasPrefix(res.location(), "/login?next="), res.location())
	b.get("/login") // a page with a form, for the CSRF token
	res = b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.False(t, b.loggedIn(), "a code after logout completes nothing")
}

// A copy of the pending browser's session cookie, sent by another client
// (another User-Agent here; the test's clients share 127.0.0.1), cannot
// complete the login: the pending state is bound to the client that
// entered the password, whatever the session protection mode, and the
// copy's pending state is dropped. The cookie store keeps the session in
// the cookie, so the original browser still finishes its own login.
func TestSecondFactorCannotBeCompletedFromAnotherBrowser(t *testing.T) {
	s, b, secret, _ := enrolledSite(t)
	b.pendingLogin("ada@example.com", testPassword)

	thief := s.browser()
	u, _ := url.Parse(s.srv.URL)
	thief.jar.SetCookies(u, []*http.Cookie{b.cookie("session")})
	thief.withHeaders(http.Header{"User-Agent": {"Mozilla/5.0 (Windows NT 10.0) Firefox/140.0"}})
	thief.csrf = b.csrf // the thief saw the page too
	res := thief.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.True(t, strings.HasPrefix(res.location(), "/login"), res.location())
	assert.Equal(t, http.StatusFound, thief.get("/dashboard").status, "the copy is not logged in")

	res = b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/dashboard", res.location(), "the browser that entered the password finishes its login")
}

func TestSecondFactorAttemptsAreThrottledLikePasswords(t *testing.T) {
	s, b, secret, _ := enrolledSite(t, func(c *app.Config) { c.Throttle.FailuresPerAccount = app.Limit{Burst: 3, Every: time.Hour} })

	b.pendingLogin("ada@example.com", testPassword)
	for range 3 {
		require.Equal(t, http.StatusUnauthorized, b.secondFactor("999999", false).status)
	}
	res := b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
	assert.Equal(t, http.StatusTooManyRequests, res.status, "the right code is not even checked once the allowance is used up")
	assert.NotEmpty(t, res.header.Get("Retry-After"))
	assert.Equal(t, http.StatusFound, b.get("/dashboard").status)
	assert.Equal(t, http.StatusTooManyRequests, s.browser().login("ada@example.com", testPassword, false).status,
		"codes and passwords share the account's allowance")
}

func TestTurningTwoFactorOffNeedsARecentPassword(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	b.enrolTOTP()

	s.clock.Advance(6 * time.Minute) // fresh for FRESH_FOR (15 minutes), not for this
	assert.Equal(t, http.StatusOK, b.get("/admin").status)
	res := b.get("/profile/two-factor/disable")
	require.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/reauthenticate?next=%2Fprofile%2Ftwo-factor%2Fdisable", res.location())
	res = b.post("/profile/two-factor/disable", nil)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Contains(t, b.get("/profile").body, "recovery codes left", "still on")

	res = b.post("/reauthenticate", url.Values{"password": {testPassword}, "next": {"/profile/two-factor/disable"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/profile/two-factor/disable", res.location())
	assert.Contains(t, b.get(res.location()).body, "Turn off two-step login?")
	res = b.post("/profile/two-factor/disable", nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Contains(t, b.get("/profile").body, "Two-step login is off.")
	var codes int
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM recovery_codes").Scan(&codes))
	assert.Zero(t, codes)

	b.logOut()
	res = b.login("ada@example.com", testPassword, false)
	assert.Equal(t, "/dashboard", res.location(), "the password alone logs in again")
}

func TestTwoFactorOnPostgres(t *testing.T) {
	dsn := postgresURL(t)
	s, b, secret, codes := enrolledSite(t, func(c *app.Config) { c.DatabaseURL = dsn })
	b.pendingLogin("ada@example.com", testPassword)
	code := totpCode(t, secret, s.clock.Now())
	require.Equal(t, http.StatusSeeOther, b.secondFactor(code, false).status)
	b.logOut()
	b.pendingLogin("ada@example.com", testPassword)
	assert.Equal(t, http.StatusUnauthorized, b.secondFactor(code, false).status, "replay")
	assert.Equal(t, http.StatusSeeOther, b.secondFactor(codes[0], false).status)
}

func TestUserCommandResetsTwoFactor(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	b.enrolTOTP()
	b.logOut()

	out, err := userCmd(t, s.cfg, "", "reset-two-factor", "ADA@example.com")
	require.NoError(t, err)
	assert.Equal(t, "turned two-step login off for ada@example.com: the password alone logs in\n", out)
	res := b.login("ada@example.com", testPassword, false)
	assert.Equal(t, "/dashboard", res.location())
	_, err = userCmd(t, s.cfg, "", "reset-two-factor", "nobody@example.com")
	assert.ErrorContains(t, err, "no account")
}

// With Redis sessions the pending state lives on the server: a copy of the
// session cookie sent by another client cannot complete the login, and its
// attempt ends the pending login for the original browser too (the
// session record they share is cleared), which then starts again with the
// password: failing safe, never logging the copy in.
func TestTwoFactorWithRedisSessions(t *testing.T) {
	for _, rb := range redisBackends(t) {
		t.Run(rb.name, func(t *testing.T) {
			s := newSite(t, func(c *app.Config) { c.RedisURL, c.RedisKeyPrefix = rb.url, rb.prefix })
			b := s.browser()
			b.register("ada@example.com", "Ada", testPassword)
			secret, _ := b.enrolTOTP()
			b.logOut()

			b.pendingLogin("ada@example.com", testPassword)
			thief := s.browser()
			thief.jar.SetCookies(mustURL(t, s.srv.URL), []*http.Cookie{b.cookie("session")})
			thief.withHeaders(http.Header{"User-Agent": {"curl/8.0"}})
			thief.csrf = b.csrf
			res := thief.secondFactor(totpCode(t, secret, s.clock.Now()), false)
			assert.True(t, strings.HasPrefix(res.location(), "/login"), res.location())
			assert.Equal(t, http.StatusFound, thief.get("/dashboard").status)

			res = b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
			assert.True(t, strings.HasPrefix(res.location(), "/login"), "the shared record was cleared: %s", res.location())
			b.pendingLogin("ada@example.com", testPassword)
			res = b.secondFactor(totpCode(t, secret, s.clock.Now()), false)
			assert.Equal(t, "/dashboard", res.location())
			assert.True(t, b.loggedIn())
		})
	}
}
