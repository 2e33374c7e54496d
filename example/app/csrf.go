package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// CSRF defence has two layers:
//
//   - http.CrossOriginProtection (wrapped around the whole handler in
//     App.Handler) refuses cross-origin browser requests that change state,
//     from the browser's Sec-Fetch-Site and Origin headers;
//   - a synchronizer token, kept in the session and put in every form as
//     the field csrf_token (or sent as the X-CSRF-Token header), for
//     browsers that send neither header. It is replaced at every login.
//
// Only requests to /api/ that are authenticated by an API token
// ("Authorization: Bearer <token>", see bearerUser) skip the token check: a
// bearer token is no ambient credential, a browser never attaches one by
// itself. Any other Authorization header, such as the "Basic" one browsers
// add by themselves behind HTTP authentication, exempts nothing. An empty
// or missing token never matches, also when the session holds none yet (a
// session just restored from a remember cookie).
const (
	csrfSessionKey = "csrf_token"
	csrfField      = "csrf_token"
	csrfHeader     = "X-CSRF-Token"
)

// csrfToken returns the session's token, adding a new one when there is
// none. The caller saves the session (see saveSession) before writing the
// response.
func csrfToken(c *gin.Context) (token string, created bool) {
	s := sessions.Default(c)
	if t, ok := s.Get(csrfSessionKey).(string); ok && t != "" {
		return t, false
	}
	return newCSRFToken(c), true
}

// newCSRFToken puts a new token in the session and returns it.
func newCSRFToken(c *gin.Context) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("app: crypto/rand failed: " + err.Error())
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	sessions.Default(c).Set(csrfSessionKey, t)
	return t
}

// checkCSRF refuses state-changing requests whose token does not match the
// session's. It loads the user first, so a session store outage answers 503
// rather than a misleading 403.
func (a *App) checkCSRF(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	user, err := ginlogin.CurrentUser(c)
	if err != nil {
		ginlogin.Fail(c, err)
		return
	}
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		if _, viaToken := c.Get(viaTokenKey{}); viaToken || user == nil {
			// A bearer token is sent on purpose, never by a browser on its
			// own; and an anonymous request has nothing to forge (the API
			// guard answers 401).
			c.Next()
			return
		}
	}
	sent := c.GetHeader(csrfHeader)
	if sent == "" {
		sent = c.PostForm(csrfField)
	}
	want, _ := sessions.Default(c).Get(csrfSessionKey).(string)
	if sent == "" || want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
		a.cfg.Logger.Warn("refused a request without a valid CSRF token", "method", c.Request.Method, "path", c.Request.URL.Path)
		a.errorPage(c, http.StatusForbidden, "This form has expired",
			"The page you sent it from was too old or came from another site. Go back, reload the page and try again.")
		return
	}
	c.Next()
}
