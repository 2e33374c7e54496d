package app

import (
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// The routes that can lock a user out of their account or destroy it
// (turning two-step login off, deleting the account) need the password
// entered in the last recentPasswordWindow, whatever FRESH_FOR says. Each
// is a confirmation page and its form: once the page opened with a recent
// enough password, the form may still be sent for recentPasswordGrace,
// so a user who read the page for a while is not sent back to the
// password halfway (ginlogin.FreshGrace).
const (
	recentPasswordWindow = 5 * time.Minute
	recentPasswordGrace  = 2 * time.Minute
)

// recentPasswordRequired is the guard of those routes: a browser whose
// password is older is sent to /reauthenticate and back; an API client gets
// 401 {"error": "reauthentication_required"}.
func recentPasswordRequired() gin.HandlerFunc {
	return ginlogin.FreshLoginRequired(ginlogin.FreshWithin(recentPasswordWindow), ginlogin.FreshGrace(recentPasswordGrace))
}
