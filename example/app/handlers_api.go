package app

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// viaTokenKey marks requests authenticated by an API token.
type viaTokenKey struct{}

// bearerUser is ginlogin's Config.RequestLoader: on /api/ routes, a request
// without a session login may authenticate with
// "Authorization: Bearer <token>". Unknown tokens and inactive users are
// anonymous; store failures are errors (503).
func (a *App) bearerUser(c *gin.Context) (ginlogin.User, error) {
	if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		return nil, nil
	}
	token, ok := bearerToken(c)
	if !ok {
		return nil, nil
	}
	ctx := c.Request.Context()
	userID, err := a.tokens.UserID(ctx, token, a.cfg.Now())
	if err != nil || userID == "" {
		return nil, err
	}
	user, err := a.users.ByID(ctx, userID)
	if err != nil || user == nil || !user.IsActive() {
		return nil, err
	}
	c.Set(viaTokenKey{}, true)
	return user, nil
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, and false for any other scheme (a browser adds "Basic" by itself
// behind HTTP authentication) or none.
func bearerToken(c *gin.Context) (string, bool) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// me returns the current user.
func (a *App) me(c *gin.Context) {
	user, _ := ginlogin.Current[*User](c)
	c.JSON(http.StatusOK, gin.H{"id": user.LoginID(), "email": user.Email, "name": user.Name})
}

// createToken makes an API token for the logged-in user and shows it once:
// JSON for API clients, a page for a browser's form. Only a browser session
// can make tokens (a token cannot make more of itself), and only with a
// fresh login, as for the password change: a stolen session cookie, or a
// session restored from a remember cookie, cannot mint a long-lived
// credential without the password. A browser whose login is not fresh is
// sent to /reauthenticate and back to the profile; JSON clients get 401
// "reauthentication_required", as from ginlogin.FreshLoginRequired.
func (a *App) createToken(c *gin.Context) {
	if _, viaToken := c.Get(viaTokenKey{}); viaToken {
		c.AbortWithStatusJSON(http.StatusForbidden, gin.H{
			"error":   "forbidden",
			"message": "API tokens can only be created from a logged-in browser session.",
		})
		return
	}
	browserForm := ginlogin.WantsHTML(c)
	if !ginlogin.IsFresh(c) {
		if browserForm {
			// Back to the profile afterwards, not to this POST-only URL.
			a.flashAndRedirect(c, "info", "Confirm your password to create an API token.", "/reauthenticate?next=%2Fprofile")
			return
		}
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{
			"error":   "reauthentication_required",
			"message": "Creating an API token needs a fresh login: confirm your password at /reauthenticate first.",
		})
		return
	}
	user, _ := ginlogin.Current[*User](c)
	token, rec, err := a.tokens.Create(c.Request.Context(), user.LoginID(), a.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if browserForm {
		a.show(c, http.StatusCreated, "token", false, func(p *page) {
			p.NewToken, p.Origin = token, "http://"+a.cfg.Addr
		})
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": token, "id": rec.ID})
}
