package app

import (
	"bytes"
	"image/png"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// twoFactorURL is the page where a user turns two-step login on and off.
const twoFactorURL = "/profile/two-factor"

// Messages of the two-step login pages.
const (
	msgCodeFailed  = "That code is not correct, or it was used already. Enter the code your app shows now, or a recovery code."
	msgCodeMissing = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
	msgEnrolFailed = "That code is not correct. Check that your phone's clock is right, then enter the code your app shows now."
)

// twoFactorPage is what the two-step login templates show.
type twoFactorPage struct {
	Enabled, Enrolling bool
	// Secret is the TOTP secret in groups of four, while enrolling, for
	// apps that cannot scan the QR code.
	Secret string
	// RecoveryCodes were just made: shown on this page only.
	RecoveryCodes []string
	CodesLeft     int
	// TrustFor is how long "trust this browser" lasts ("30 days").
	TrustFor string
}

// twoFactorRoutes: enrolment needs a fresh login (FRESH_FOR) because it
// shows the secret; turning it off needs a recent password (see
// recentPasswordRequired), from a confirmation page.
func (a *App) twoFactorRoutes(r *gin.Engine) {
	enrol := r.Group(twoFactorURL, ginlogin.FreshLoginRequired())
	enrol.GET("", a.twoFactorSettings)
	enrol.GET("/qr.png", a.twoFactorQR)
	enrol.POST("/setup", a.startEnrolment)
	enrol.POST("/confirm", a.confirmEnrolment)
	r.GET(twoFactorURL+"/disable", recentPasswordRequired(), a.disableTwoFactorForm)
	r.POST(twoFactorURL+"/disable", recentPasswordRequired(), a.disableTwoFactor)
}

// twoFactorSummary loads the user's state for the pages: on or off, how
// many recovery codes are left, whether an enrolment waits for its code.
func (a *App) twoFactorSummary(c *gin.Context, user *User) (twoFactor, *twoFactorPage, error) {
	st, err := a.twoFactor.State(c.Request.Context(), user.LoginID())
	if err != nil {
		return st, nil, err
	}
	tp := &twoFactorPage{Enabled: st.Enabled, Enrolling: !st.Enabled && st.SealedSecret != ""}
	if st.Enabled {
		if tp.CodesLeft, err = a.twoFactor.RecoveryCodesLeft(c.Request.Context(), user.LoginID()); err != nil {
			return st, nil, err
		}
	}
	return st, tp, nil
}

// twoFactorState is twoFactorSummary with the secret opened while an
// enrolment waits for its first code.
func (a *App) twoFactorState(c *gin.Context, user *User) (twoFactor, *twoFactorPage, string, error) {
	st, tp, err := a.twoFactorSummary(c, user)
	if err != nil || !tp.Enrolling {
		return st, tp, "", err
	}
	secret, err := a.secrets.open(user.LoginID(), st.SealedSecret)
	if err != nil {
		return st, nil, "", err
	}
	tp.Secret = groupsOfFour(secret)
	return st, tp, secret, nil
}

// twoFactorSettings shows whether two-step login is on and, during an
// enrolment, the QR code, the secret and the form for the first code.
func (a *App) twoFactorSettings(c *gin.Context) { a.showTwoFactor(c, http.StatusOK, nil) }

func (a *App) showTwoFactor(c *gin.Context, status int, fill func(tp *twoFactorPage, p *page)) {
	user, _ := ginlogin.Current[*User](c)
	_, tp, _, err := a.twoFactorState(c, user)
	if err != nil {
		fail(c, err)
		return
	}
	a.show(c, status, "two_factor", true, func(p *page) {
		p.TwoFactor = tp
		if fill != nil {
			fill(tp, p)
		}
	})
}

// twoFactorQR serves the enrolment's QR code as a PNG from this origin, so
// the site's Content-Security-Policy (img-src 'self') stays as it is
// rather than allowing data: images on every page. It is served only
// while an enrolment waits for its first code, never once two-step login
// is on, and never cached.
func (a *App) twoFactorQR(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	st, _, secret, err := a.twoFactorState(c, user)
	if err != nil {
		fail(c, err)
		return
	}
	if st.Enabled || secret == "" {
		a.errorPage(c, http.StatusNotFound, "Page not found", "There is no QR code to show: start the set-up first.")
		return
	}
	key, err := totpKey(user.Email, secret)
	if err != nil {
		fail(c, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", buf.Bytes())
}

// startEnrolment makes a new secret (replacing one that was never
// confirmed) and shows the page with its QR code.
func (a *App) startEnrolment(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	key, err := newTOTPKey(user.Email)
	if err != nil {
		fail(c, err)
		return
	}
	sealed, err := a.secrets.seal(user.LoginID(), key.Secret())
	if err != nil {
		fail(c, err)
		return
	}
	started, err := a.twoFactor.StartEnrolment(c.Request.Context(), user.LoginID(), sealed)
	if err != nil {
		fail(c, err)
		return
	}
	if !started {
		a.flashAndRedirect(c, "error", "Two-step login is on already.", twoFactorURL)
		return
	}
	c.Redirect(http.StatusSeeOther, twoFactorURL)
}

// confirmEnrolment turns two-step login on once the first code from the
// app is right, and shows the recovery codes, once. The check is reserved
// first, like a password check (per address and per account).
func (a *App) confirmEnrolment(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	again := func(status int, msg string) {
		a.showTwoFactor(c, status, func(_ *twoFactorPage, p *page) {
			p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: msg})
		})
	}
	att := a.reserveOrRefuse(c, a.throttle.reauthPerAddress, user.Email, func() { again(http.StatusTooManyRequests, msgThrottled) })
	if att == nil {
		return
	}
	st, _, secret, err := a.twoFactorState(c, user)
	if err != nil {
		a.releaseAttempt(c, att)
		fail(c, err)
		return
	}
	if st.Enabled || secret == "" {
		a.releaseAttempt(c, att)
		c.Redirect(http.StatusSeeOther, twoFactorURL)
		return
	}
	step, ok := matchTOTP(secret, c.PostForm("code"), a.cfg.Now())
	if !ok {
		again(http.StatusBadRequest, msgEnrolFailed) // the reserved attempt stays used
		return
	}
	a.releaseAttempt(c, att)
	codes, hashes, err := newRecoveryCodes(user.LoginID())
	if err != nil {
		fail(c, err)
		return
	}
	enabled, err := a.twoFactor.Enable(c.Request.Context(), user.LoginID(), st.SealedSecret, step, hashes)
	if err != nil {
		fail(c, err)
		return
	}
	if !enabled { // another tab started over meanwhile
		a.flashAndRedirect(c, "error", "The set-up was started again in another window: scan the new QR code.", twoFactorURL)
		return
	}
	a.cfg.Logger.Info("two-step login turned on", "user_id", user.LoginID())
	a.showTwoFactor(c, http.StatusOK, func(tp *twoFactorPage, p *page) {
		tp.RecoveryCodes = codes
		p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "success", Message: "Two-step login is on. Save your recovery codes now: they are shown only once."})
	})
}

// disableTwoFactorForm asks for confirmation.
func (a *App) disableTwoFactorForm(c *gin.Context) {
	a.show(c, http.StatusOK, "two_factor_disable", true, nil)
}

// disableTwoFactor turns two-step login off: the secret and the recovery
// codes are deleted.
func (a *App) disableTwoFactor(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	if err := a.twoFactor.Disable(c.Request.Context(), user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	a.cfg.Logger.Info("two-step login turned off", "user_id", user.LoginID())
	a.flashAndRedirect(c, "success", "Two-step login is off. Your recovery codes no longer work.", "/profile")
}

// groupsOfFour writes a base32 secret as "ABCD EFGH ...", easier to type.
func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
