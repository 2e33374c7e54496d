package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromePath finds a Chromium to drive: CHROME_PATH, else one in PATH.
func chromePath() string {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newChrome starts a headless Chromium for the test and returns a context
// for its actions, bounded by timeout.
func newChrome(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := chromePath()
	if path == "" {
		t.Skip("no Chromium found (set CHROME_PATH or install chromium): skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 860),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser, which lives as long as browserCtx:
	// no timeout on it; later actions get one.
	require.NoError(t, chromedp.Do(browserCtx, chromedp.Navigate("about:blank")))
	ctx, cancel := context.WithTimeout(browserCtx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// cookies returns the browser's cookies for the site, by name.
func cookies(t *testing.T, ctx context.Context, site string) map[string]*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{site}})
	require.NoError(t, err)
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

// submit fills the fields of the page's main form, submits it and waits
// for an element of the next page.
func submit(t *testing.T, ctx context.Context, fields map[string]string, form, next string) {
	t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for name, value := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(form+` [name="`+name+`"]`), value))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(next)))
	require.NoError(t, chromedp.Do(ctx, steps...))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err)
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	return s
}

// TestBrowserFlow drives the site in headless Chromium: register, log out,
// log in with remember me, restart the browser (the session cookie goes),
// still be logged in, be asked for the password on /admin, give it, reach
// /admin, log out. With UPDATE_SCREENSHOT=1 it writes the dashboard to
// docs/dashboard.png.
func TestBrowserFlow(t *testing.T) {
	ctx := newChrome(t, 90*time.Second)
	s := newSite(t) // Secure cookies, as by default
	base := s.srv.URL
	const (
		dashboard = "dl.facts"
		home      = "section.hero"
		loginForm = `form[action="/login"]`
		reauth    = `form[action="/reauthenticate"]`
		admin     = `form[action="/profile/password"]`
		logoutBtn = `header form[action="/logout"] button`
	)

	// Register: the new account is logged in.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/register"), chromedp.WaitVisible(chromedp.CSS(`form[action="/register"]`))))
	submit(t, ctx, map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "password": testPassword, "confirm_password": testPassword},
		`form[action="/register"]`, dashboard)
	assert.Equal(t, base+"/dashboard", location(t, ctx))
	assert.Contains(t, text(t, ctx, "main"), "Hello, Ada Lovelace")
	assert.Contains(t, text(t, ctx, "header"), "Signed in as Ada Lovelace")

	// Log out with the header's button.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(logoutBtn)), chromedp.WaitVisible(chromedp.CSS(home))))
	assert.Contains(t, text(t, ctx, ".flashes"), "You have been logged out.")
	assert.Contains(t, text(t, ctx, "header"), "Not signed in")

	// Log in with remember me.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(loginForm)),
		chromedp.Click(chromedp.CSS("#remember"))))
	submit(t, ctx, map[string]string{"email": "ada@example.com", "password": testPassword}, loginForm, dashboard)
	assert.Contains(t, text(t, ctx, ".flashes"), "Welcome back, Ada Lovelace.")

	jar := cookies(t, ctx, base)
	require.Contains(t, jar, "session")
	require.Contains(t, jar, "remember_token")
	for _, name := range []string{"session", "remember_token"} {
		assert.True(t, jar[name].Secure, "%s is Secure, and Chromium keeps it on http://127.0.0.1", name)
		assert.True(t, jar[name].HTTPOnly, name)
	}
	// On the cookie store the session cookie ends with the browser; the
	// remember cookie lasts the remember duration (30 days).
	assert.True(t, jar["session"].Session, "the session cookie is a browser-session cookie")
	now := float64(time.Now().Unix())
	assert.InDelta(t, now+30*24*3600, jar["remember_token"].Expires, 120)

	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "..", "docs", "dashboard.png"), png, 0o644))
		t.Log("wrote docs/dashboard.png")
	}

	// A browser restart: session cookies are gone, the remember cookie stays.
	_, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: "session", URL: base})
	require.NoError(t, err)
	require.NotContains(t, cookies(t, ctx, base), "session")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(dashboard))))
	assert.Contains(t, text(t, ctx, "main"), "Hello, Ada Lovelace", "still logged in")
	assert.Contains(t, text(t, ctx, "dl.facts"), "Remembered on this device\nYes")
	assert.Contains(t, cookies(t, ctx, base), "session", "a new session was started")

	// /admin needs the password again: the restored login is not fresh.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS(reauth))))
	assert.Equal(t, base+"/reauthenticate?next=%2Fadmin", location(t, ctx))
	assert.Contains(t, text(t, ctx, ".flashes"), "Please reauthenticate to access this page.")
	submit(t, ctx, map[string]string{"password": testPassword}, reauth, admin)
	assert.Equal(t, base+"/admin", location(t, ctx))
	assert.Contains(t, text(t, ctx, "main"), "You entered your password recently")

	// Log out: the dashboard asks for a login again.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(logoutBtn)), chromedp.WaitVisible(chromedp.CSS(home))))
	assert.NotContains(t, cookies(t, ctx, base), "remember_token", "logout deletes the remember cookie")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(loginForm))))
	assert.True(t, strings.HasPrefix(location(t, ctx), base+"/login?next="), location(t, ctx))
}

// loadedImageWidth waits (up to 10 seconds) for the image to finish
// loading and returns its natural width: 0 if the browser refused or failed
// to load it.
func loadedImageWidth(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	expr := `(() => { const i = document.querySelector(` + "`" + sel + "`" + `); return i && i.complete ? i.naturalWidth : -1 })()`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		require.NoError(t, err)
		if w >= 0 {
			return w
		}
	}
	t.Fatalf("%s did not finish loading", sel)
	return 0
}

// TestBrowserTwoStepLogin drives two-step login in headless Chromium:
// register, enrol TOTP from the profile (the QR code loads under the
// site's Content-Security-Policy), log out, log in with the password, give
// the code on the second-factor page, open /admin (the completed login is
// fresh), log out. Codes come from the secret shown on the page, as an
// authenticator app would compute them.
func TestBrowserTwoStepLogin(t *testing.T) {
	ctx := newChrome(t, 90*time.Second)
	s := newSite(t)
	base := s.srv.URL
	const (
		dashboard    = "dl.facts"
		home         = "section.hero"
		loginForm    = `form[action="/login"]`
		setupForm    = `form#setup`
		confirmForm  = `form#confirm`
		codesShown   = `#recovery-codes`
		secondFactor = `form[action="/login/two-factor"]`
		admin        = `form[action="/profile/password"]`
		logoutBtn    = `header form[action="/logout"] button`
	)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/register"), chromedp.WaitVisible(chromedp.CSS(`form[action="/register"]`))))
	submit(t, ctx, map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "password": testPassword, "confirm_password": testPassword},
		`form[action="/register"]`, dashboard)

	// Enrol: from the profile to the set-up page, scan (read) the secret.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/profile"), chromedp.WaitVisible(chromedp.CSS(`a[href="/profile/two-factor"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/profile/two-factor"]`)), chromedp.WaitVisible(chromedp.CSS(setupForm))))
	submit(t, ctx, nil, setupForm, confirmForm)
	secret := strings.ReplaceAll(text(t, ctx, "#totp-secret"), " ", "")
	require.Len(t, secret, 32)
	assert.Equal(t, 240, loadedImageWidth(t, ctx, "img.qr"), "the QR code loads from the site itself: the CSP allows it")
	submit(t, ctx, map[string]string{"code": totpCode(t, secret, s.clock.Now())}, confirmForm, codesShown)
	assert.Contains(t, text(t, ctx, ".flashes"), "Two-step login is on.")
	assert.Len(t, strings.Fields(text(t, ctx, codesShown)), 10)

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(logoutBtn)), chromedp.WaitVisible(chromedp.CSS(home))))

	// Log in: the password leads to the second-factor page, not in.
	s.clock.Advance(30 * time.Second) // a new code, as a user's next login would see
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(loginForm))))
	submit(t, ctx, map[string]string{"email": "ada@example.com", "password": testPassword}, loginForm, secondFactor)
	assert.Equal(t, base+"/login/two-factor", location(t, ctx))
	assert.Contains(t, text(t, ctx, "header"), "Not signed in", "the password alone is not a login")
	submit(t, ctx, map[string]string{"code": "000000"}, secondFactor, ".flash-error")
	assert.Contains(t, text(t, ctx, ".flashes"), "That code is not correct")
	submit(t, ctx, map[string]string{"code": totpCode(t, secret, s.clock.Now())}, secondFactor, dashboard)
	assert.Equal(t, base+"/dashboard", location(t, ctx))
	assert.Contains(t, text(t, ctx, ".flashes"), "Welcome back, Ada Lovelace.")
	assert.Contains(t, text(t, ctx, "header"), "Signed in as Ada Lovelace")

	// The completed login is fresh: /admin opens without the password.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS(admin))))
	assert.Equal(t, base+"/admin", location(t, ctx))
	assert.Contains(t, text(t, ctx, "main"), "You entered your password recently")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(logoutBtn)), chromedp.WaitVisible(chromedp.CSS(home))))
	assert.Contains(t, text(t, ctx, ".flashes"), "You have been logged out.")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(loginForm))))
	assert.True(t, strings.HasPrefix(location(t, ctx), base+"/login?next="), location(t, ctx))
}
