package app

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// dashboard shows who is logged in and how fresh the login is (both come
// with ginlogin.Page).
func (a *App) dashboard(c *gin.Context) {
	a.show(c, http.StatusOK, "dashboard", false, nil)
}

// admin needs a fresh login (the route's guard); it holds the password
// change form.
func (a *App) admin(c *gin.Context) { a.showAdmin(c, http.StatusOK) }

func (a *App) showAdmin(c *gin.Context, status int, msgs ...string) {
	n, err := a.users.Count(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	a.show(c, status, "admin", true, func(p *page) {
		p.UserCount = n
		for _, m := range msgs {
			p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: m})
		}
	})
}

// profile lists the user's devices (with the cap, if any), API tokens
// and whether two-step login is on.
func (a *App) profile(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	devices, err := ginlogin.Devices(c)
	if err != nil {
		fail(c, err)
		return
	}
	tokens, err := a.tokens.List(c.Request.Context(), user.LoginID())
	if err != nil {
		fail(c, err)
		return
	}
	_, twoFactor, err := a.twoFactorSummary(c, user)
	if err != nil {
		fail(c, err)
		return
	}
	a.show(c, http.StatusOK, "profile", true, func(p *page) {
		p.Devices, p.Tokens = devices, tokens
		p.DeviceCap, p.TwoFactor = a.cfg.MaxDevices, twoFactor
	})
}

// revokeDevice logs one of the user's devices out. Revoking this device
// logs this browser out.
func (a *App) revokeDevice(c *gin.Context) {
	err := ginlogin.RevokeDevice(c, c.PostForm("id"))
	switch {
	case errors.Is(err, ginlogin.ErrDeviceNotFound):
		a.flashAndRedirect(c, "error", "That device was not found; it may have been logged out already.", "/profile")
	case err != nil:
		fail(c, err)
	case !a.loggedIn(c):
		newCSRFToken(c)
		a.flashAndRedirect(c, "success", "You have been logged out.", "/")
	default:
		a.flashAndRedirect(c, "success", "The device was logged out.", "/profile")
	}
}

// revokeToken deletes one of the user's API tokens.
func (a *App) revokeToken(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	found, err := a.tokens.Revoke(c.Request.Context(), user.LoginID(), c.PostForm("id"))
	switch {
	case err != nil:
		fail(c, err)
	case !found:
		a.flashAndRedirect(c, "error", "That API token was not found.", "/profile")
	default:
		a.flashAndRedirect(c, "success", "The API token was revoked.", "/profile")
	}
}

// changePassword needs a fresh login. It checks the current password, sets
// the new one and calls ginlogin.UpdateAuthStamp: every other session and
// device of the user is logged out, this one stays logged in. Every API
// token of the user is revoked too. The check of the current password is
// reserved first, as on /reauthenticate.
func (a *App) changePassword(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	current, next, confirm := c.PostForm("current_password"), c.PostForm("new_password"), c.PostForm("confirm_password")
	att := a.reserveOrRefuse(c, a.throttle.reauthPerAddress, user.Email, func() { a.showAdmin(c, http.StatusTooManyRequests, msgThrottled) })
	if att == nil {
		return
	}
	if checkPasswordInput(current) != nil || !a.passwords.Verify(&user.PasswordHash, current) {
		a.showAdmin(c, http.StatusBadRequest, msgWrongCurrent) // the reserved attempt stays used
		return
	}
	a.passwordAccepted(c, att)
	if err := CheckNewPassword(next, confirm); err != nil {
		a.showAdmin(c, http.StatusBadRequest, err.Error())
		return
	}
	if next == current {
		a.showAdmin(c, http.StatusBadRequest, "Choose a password different from the current one.")
		return
	}
	hash, err := a.passwords.Hash(next)
	if err != nil {
		fail(c, err)
		return
	}
	// The tokens go first: if setting the password then fails, the user
	// has lost tokens, not kept ones the old password's holder could see.
	if err := a.tokens.RevokeAll(c.Request.Context(), user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	if err := a.users.SetPassword(c.Request.Context(), user.LoginID(), hash); err != nil {
		fail(c, err)
		return
	}
	updated := *user
	updated.PasswordHash = hash
	if err := ginlogin.UpdateAuthStamp(c, &updated); err != nil {
		fail(c, err)
		return
	}
	a.flashAndRedirect(c, "success", "Your password was changed. Every other device has been logged out, and your API tokens were revoked.", "/profile")
}

// flashAndRedirect flashes msg and redirects (303) to target.
func (a *App) flashAndRedirect(c *gin.Context, category, msg, target string) {
	ginlogin.Flash(c, category, msg)
	c.Redirect(http.StatusSeeOther, target)
}
