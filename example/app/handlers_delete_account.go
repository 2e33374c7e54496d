package app

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// deleteAccountURL is the "delete my account" page and its form.
const deleteAccountURL = "/profile/delete"

func (a *App) deleteAccountRoutes(r *gin.Engine) {
	r.GET(deleteAccountURL, recentPasswordRequired(), a.deleteAccountForm)
	r.POST(deleteAccountURL, recentPasswordRequired(), a.deleteAccount)
}

// deleteAccountForm asks for confirmation.
func (a *App) deleteAccountForm(c *gin.Context) {
	a.show(c, http.StatusOK, "delete_account", true, nil)
}

// deleteAccount deletes the user for good: every device is logged out
// first (so no copy of a cookie survives), then the user row goes with
// their API tokens and recovery codes (ON DELETE CASCADE), then this
// browser is logged out.
func (a *App) deleteAccount(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	ctx := c.Request.Context()
	if err := a.mgr.RevokeAllDevices(ctx, user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	if err := a.users.Delete(ctx, user.LoginID()); err != nil {
		fail(c, err)
		return
	}
	a.cfg.Logger.Info("account deleted", "user_id", user.LoginID())
	if err := ginlogin.Logout(c); err != nil {
		fail(c, err)
		return
	}
	newCSRFToken(c)
	a.flashAndRedirect(c, "success", "Your account was deleted.", "/")
}
