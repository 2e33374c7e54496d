package app

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// Messages shown on the account forms.
const (
	msgLoginFailed  = "Invalid email or password."
	msgThrottled    = "Too many attempts. Wait a minute, then try again."
	msgEmailTaken   = "An account with this email already exists. Log in instead, or use another email."
	msgWrongCurrent = "The password you entered is not correct."
)

func (a *App) home(c *gin.Context) { a.show(c, http.StatusOK, "home", false, nil) }

// loggedIn reports whether someone is logged in, for the login and
// register pages, which send a logged-in user to the dashboard.
func (a *App) loggedIn(c *gin.Context) bool {
	u, _ := ginlogin.CurrentUser(c)
	return u != nil
}

func (a *App) registerForm(c *gin.Context) {
	if a.loggedIn(c) {
		c.Redirect(http.StatusFound, "/dashboard")
		return
	}
	a.show(c, http.StatusOK, "register", true, nil)
}

// register creates an account and logs it in. Invalid input re-renders
// the form with every problem listed, and creates nothing.
func (a *App) register(c *gin.Context) {
	email, name := c.PostForm("email"), c.PostForm("name")
	password, confirm := c.PostForm("password"), c.PostForm("confirm_password")
	again := func(status int, msgs ...string) {
		a.show(c, status, "register", true, func(p *page) {
			p.Email, p.Name = email, name
			for _, m := range msgs {
				p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: m})
			}
		})
	}
	ok, wait, err := a.throttle.registerPerAddress.Take(c.Request.Context(), a.throttle.address(c))
	if err != nil {
		fail(c, err)
		return
	}
	if !ok {
		retryAfter(c, wait)
		again(http.StatusTooManyRequests, msgThrottled)
		return
	}
	var problems []string
	cleanEmail, err := CheckEmail(email)
	if err != nil {
		problems = append(problems, err.Error())
	}
	cleanName, err := CheckName(name)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if err := CheckNewPassword(password, confirm); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		if !validText(email, false) {
			email = ""
		}
		if !validText(name, false) {
			name = ""
		}
		again(http.StatusBadRequest, problems...)
		return
	}
	hash, err := a.passwords.Hash(password)
	if err != nil {
		fail(c, err)
		return
	}
	user, err := a.users.Create(c.Request.Context(), cleanEmail, cleanName, hash, a.cfg.Now())
	if errors.Is(err, ErrEmailTaken) {
		again(http.StatusConflict, msgEmailTaken)
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	a.logIn(c, user, false, "success", "Welcome, "+user.Name+"! Your account is ready.", "/dashboard")
}

// logIn logs user in with a new CSRF token, flashes msg and redirects (303)
// to the safe next page or fallback.
func (a *App) logIn(c *gin.Context, user *User, remember bool, category, msg, fallback string) {
	newCSRFToken(c) // the pre-login token does not carry over
	var opts []ginlogin.LoginOption
	if remember {
		opts = append(opts, ginlogin.Remember())
	}
	if err := ginlogin.Login(c, user, opts...); err != nil {
		fail(c, err)
		return
	}
	ginlogin.Flash(c, category, msg)
	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, fallback))
}

// safeNextField returns the next page from the form or query, if it is
// safe, for the hidden field of a re-rendered form.
func safeNextField(c *gin.Context) string {
	for _, v := range []string{c.PostForm("next"), c.Query("next")} {
		if next, ok := ginlogin.SafeNext(v); ok {
			return next
		}
	}
	return ""
}

func (a *App) loginForm(c *gin.Context) {
	if a.loggedIn(c) {
		c.Redirect(http.StatusFound, ginlogin.NextURL(c, "/dashboard"))
		return
	}
	a.show(c, http.StatusOK, "login", true, func(p *page) { p.Next = safeNextField(c) })
}

// login checks the email and password. Unknown emails, wrong passwords and
// deactivated accounts get the same answer, after the same bcrypt work.
// The check is reserved first (reservePasswordCheck): per client address,
// and per account or, with a device cookie, per device; a refused attempt
// is answered 429 without its password being checked.
func (a *App) login(c *gin.Context) {
	email, password := c.PostForm("email"), c.PostForm("password")
	remember := c.PostForm("remember") == "on"
	again := func(status int, msg string) {
		a.show(c, status, "login", true, func(p *page) {
			if validText(email, false) && len(email) <= MaxEmailBytes {
				p.Email = email
			}
			p.Next = safeNextField(c)
			p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: msg})
		})
	}
	att := a.reserveOrRefuse(c, a.throttle.loginPerAddress, email, func() { again(http.StatusTooManyRequests, msgThrottled) })
	if att == nil {
		return
	}
	if err := checkPasswordInput(password); err != nil {
		a.releaseAttempt(c, att)
		again(http.StatusBadRequest, err.Error())
		return
	}
	var user *User
	if _, err := CheckEmail(email); err == nil {
		u, err := a.users.ByEmail(c.Request.Context(), email)
		if err != nil {
			a.releaseAttempt(c, att)
			fail(c, err)
			return
		}
		user = u
	}
	var hash *string
	if user != nil && user.IsActive() {
		hash = &user.PasswordHash
	}
	if !a.passwords.Verify(hash, password) {
		again(http.StatusUnauthorized, msgLoginFailed) // the reserved attempt stays used
		return
	}
	a.passwordVerified(c, user, att, remember) // logs in, or asks for the second factor
}

// logoutForm answers GET /logout with a page holding the logout button:
// a GET never logs out, so a link or an image on another site cannot.
// A store outage answers 503, not the "not logged in" redirect.
func (a *App) logoutForm(c *gin.Context) {
	u, err := ginlogin.CurrentUser(c)
	if err != nil {
		fail(c, err)
		return
	}
	if u == nil {
		c.Redirect(http.StatusFound, "/")
		return
	}
	a.show(c, http.StatusOK, "logout", true, nil)
}

// logout ends this browser's login (session, device and remember token).
func (a *App) logout(c *gin.Context) {
	if err := ginlogin.Logout(c); err != nil {
		fail(c, err)
		return
	}
	newCSRFToken(c)
	ginlogin.Flash(c, "success", "You have been logged out.")
	c.Redirect(http.StatusSeeOther, "/")
}

// logoutEverywhere ends every login of the user, this one included: the
// session epoch changes (so no session or remember token made before
// survives), every device record is deleted and every API token revoked.
func (a *App) logoutEverywhere(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	if err := a.tokens.RevokeAll(c.Request.Context(), user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	if err := a.users.BumpEpoch(c.Request.Context(), user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	if err := ginlogin.LogoutEverywhere(c); err != nil {
		fail(c, err)
		return
	}
	newCSRFToken(c)
	ginlogin.Flash(c, "success", "You have been logged out on every device, and your API tokens were revoked.")
	c.Redirect(http.StatusSeeOther, "/")
}

func (a *App) reauthenticateForm(c *gin.Context) {
	a.show(c, http.StatusOK, "reauthenticate", true, func(p *page) { p.Next = safeNextField(c) })
}

// reauthenticate checks the password of the logged-in user and makes the
// login fresh again (ginlogin.ConfirmLogin). The check is reserved first,
// as on the login form, with the per-address limit of ReauthPerAddress.
func (a *App) reauthenticate(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	again := func(status int, msg string) {
		a.show(c, status, "reauthenticate", true, func(p *page) {
			p.Next = safeNextField(c)
			p.Flashes = append(p.Flashes, ginlogin.FlashMessage{Category: "error", Message: msg})
		})
	}
	att := a.reserveOrRefuse(c, a.throttle.reauthPerAddress, user.Email, func() { again(http.StatusTooManyRequests, msgThrottled) })
	if att == nil {
		return
	}
	password := c.PostForm("password")
	if err := checkPasswordInput(password); err != nil {
		a.releaseAttempt(c, att)
		again(http.StatusBadRequest, err.Error())
		return
	}
	if !a.passwords.Verify(&user.PasswordHash, password) {
		again(http.StatusUnauthorized, msgWrongCurrent) // the reserved attempt stays used
		return
	}
	a.passwordAccepted(c, att)
	if err := ginlogin.ConfirmLogin(c); err != nil {
		fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
}
