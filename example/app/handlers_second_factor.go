package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// secondFactorURL is the second step of a login (Config.TwoStep.URL): the
// password was right, the code is pending. Only a browser with a pending
// login reaches it (ginlogin.PendingLoginRequired).
const secondFactorURL = "/login/two-factor"

// maxCodeBytes bounds what the code field may hold: a recovery code with
// its dashes and some spaces.
const maxCodeBytes = 64

// passwordVerified finishes a login whose password was right. A user
// without two-step login, or on a browser that passed the second factor
// with "trust this browser" (ginlogin.IsTrustedBrowser, which ends with a
// password change), is logged in. Otherwise the login becomes pending
// (ginlogin.StartLogin) and the browser goes to the second-factor page; the
// password's throttle token goes back, but the device cookie, which gives a
// browser its own allowance of failures, waits for the second factor: a
// holder of the password alone must not get one.
func (a *App) passwordVerified(c *gin.Context, user *User, att *passwordAttempt, remember bool) {
	st, err := a.twoFactor.State(c.Request.Context(), user.LoginID())
	if err != nil {
		a.releaseAttempt(c, att)
		fail(c, err)
		return
	}
	if !st.Enabled || ginlogin.IsTrustedBrowser(c, user) {
		a.passwordAccepted(c, att)
		a.logIn(c, user, remember, "success", "Welcome back, "+user.Name+".", "/dashboard")
		return
	}
	a.releaseAttempt(c, att)
	newCSRFToken(c)
	var opts []ginlogin.LoginOption
	if remember {
		opts = append(opts, ginlogin.Remember()) // set when the login completes
	}
	if err := ginlogin.StartLogin(c, user, opts...); err != nil {
		fail(c, err)
		return
	}
	target := secondFactorURL
	if next := safeNextField(c); next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	c.Redirect(http.StatusSeeOther, target)
}

// secondFactorForm asks for the code.
func (a *App) secondFactorForm(c *gin.Context) {
	u, err := ginlogin.PendingUser(c)
	if err != nil || u == nil { // the guard found one a moment ago
		a.secondFactorGone(c, err)
		return
	}
	a.showSecondFactor(c, http.StatusOK, u.(*User), "")
}

func (a *App) showSecondFactor(c *gin.Context, status int, user *User, msg string) {
	a.show(c, status, "second_factor", true, func(p *page) {
		p.Email, p.Next = user.Email, safeNextField(c)
		p.TwoFactor = &twoFactorPage{TrustFor: humanDuration(a.mgr.Config().TwoStep.TrustFor)}
		if msg != "" {
			p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: msg})
		}
	})
}

// secondFactor checks a TOTP code or a recovery code and completes the
// login (ginlogin.CompleteLogin), trusting the browser if asked. The check
// is reserved first, as a password check is: per client address, and per
// account (or, with a device cookie from an earlier full login, per
// device), in the same buckets as the password, so guessing codes uses up
// the same allowance as guessing passwords.
func (a *App) secondFactor(c *gin.Context) {
	u, err := ginlogin.PendingUser(c)
	if err != nil || u == nil {
		a.secondFactorGone(c, err)
		return
	}
	user := u.(*User)
	code := c.PostForm("code")
	att := a.reserveOrRefuse(c, a.throttle.loginPerAddress, user.Email, func() { a.showSecondFactor(c, http.StatusTooManyRequests, user, msgThrottled) })
	if att == nil {
		return
	}
	if normalizeRecoveryCode(code) == "" || len(code) > maxCodeBytes {
		a.releaseAttempt(c, att)
		a.showSecondFactor(c, http.StatusBadRequest, user, msgCodeMissing)
		return
	}
	ok, recovery, err := a.checkSecondFactor(c.Request.Context(), user, code)
	if err != nil {
		a.releaseAttempt(c, att)
		fail(c, err)
		return
	}
	if !ok {
		a.showSecondFactor(c, http.StatusUnauthorized, user, msgCodeFailed) // the reserved attempt stays used
		return
	}
	a.passwordAccepted(c, att)
	newCSRFToken(c) // the token of the pending session does not carry over
	var opts []ginlogin.LoginOption
	if c.PostForm("trust") == "on" {
		opts = append(opts, ginlogin.TrustBrowser())
	}
	err = ginlogin.CompleteLogin(c, opts...)
	switch {
	case errors.Is(err, ginlogin.ErrNoPendingLogin): // expired in the meantime
		a.flashAndRedirect(c, "error", "Your login took too long. Log in again.", "/login")
		return
	case errors.Is(err, ginlogin.ErrTooManyDevices):
		a.flashAndRedirect(c, "error", "You are logged in on too many devices. Log out on one of them first.", "/login")
		return
	case err != nil:
		fail(c, err)
		return
	}
	msg := "Welcome back, " + user.Name + "."
	if recovery {
		left, err := a.twoFactor.RecoveryCodesLeft(c.Request.Context(), user.LoginID())
		if err != nil {
			fail(c, err)
			return
		}
		msg += fmt.Sprintf(" You used a recovery code: %d left.", left)
	}
	ginlogin.Flash(c, "success", msg)
	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
}

// checkSecondFactor checks code as a TOTP code (digits) or a recovery code
// (anything else) and uses it up: a TOTP code's time step is recorded, so
// the same code, or an older one, is refused afterwards (a replay); a
// recovery code is deleted.
func (a *App) checkSecondFactor(ctx context.Context, user *User, code string) (ok, recovery bool, err error) {
	st, err := a.twoFactor.State(ctx, user.LoginID())
	if err != nil || !st.Enabled { // turned off since the password was checked: nothing to check against
		return false, false, err
	}
	if !looksLikeTOTP(code) {
		ok, err := a.twoFactor.UseRecoveryCode(ctx, user.LoginID(), recoveryCodeHash(user.LoginID(), code))
		if ok {
			a.cfg.Logger.Info("recovery code used", "user_id", user.LoginID())
		}
		return ok, true, err
	}
	secret, err := a.secrets.open(user.LoginID(), st.SealedSecret)
	if err != nil {
		return false, false, err
	}
	step, ok := matchTOTP(secret, code, a.cfg.Now())
	if !ok {
		return false, false, nil
	}
	fresh, err := a.twoFactor.UseStep(ctx, user.LoginID(), step)
	if err == nil && !fresh {
		a.cfg.Logger.Warn("refused a TOTP code that was used already", "user_id", user.LoginID())
	}
	return fresh, false, err
}

// secondFactorGone answers when the pending login vanished between the
// guard and the handler (it expired this very second), or could not be
// read.
func (a *App) secondFactorGone(c *gin.Context, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	a.flashAndRedirect(c, "error", "Your login took too long. Log in again.", "/login")
}
