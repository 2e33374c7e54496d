package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/templates"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// buildHandler wires the engine and wraps it, outermost first, in the
// request log, the removal of forwarded headers that no trusted proxy sent
// (see forwarded.go), the security headers, Go's cross-origin protection
// and the body cap. extra adds routes after the app's own (for tests that
// show what the default guard does to a route declared without one).
func (a *App) buildHandler(extra ...func(r *gin.Engine)) http.Handler {
	r := gin.New()
	// Forwarded headers are trusted only from the configured proxies
	// (TRUSTED_PROXIES); by default none, and c.ClientIP() is the TCP peer.
	// The list was checked by FromEnv/New, so this cannot fail. Gin's
	// trailing-slash redirect reads X-Forwarded-Prefix whatever the peer:
	// forwardedOnlyFromProxies removes it, with the other forwarded
	// headers, from requests no trusted proxy sent.
	_ = r.SetTrustedProxies(a.cfg.TrustedProxies)
	r.HandleMethodNotAllowed = true
	// Every route needs a login unless its declaration says ginlogin.Public
	// (TestOnlyTheRoutesDeclaredPublicAreOpen lists them): a route added
	// without a guard is protected. The CSRF check runs first, as before,
	// so a forged POST is refused whoever sends it.
	r.Use(a.recoverPanics, a.limitTime, ginlogin.Middleware(a.mgr), a.checkCSRF, ginlogin.LoginRequiredByDefault())

	r.GET("/static/style.css", ginlogin.Public, a.stylesheet)
	r.GET("/healthz", ginlogin.Public, a.health)
	r.GET("/", ginlogin.Public, a.home)
	r.GET("/register", ginlogin.Public, a.registerForm)
	r.POST("/register", ginlogin.Public, a.register)
	r.GET("/login", ginlogin.Public, a.loginForm)
	r.POST("/login", ginlogin.Public, a.login)
	r.GET("/logout", ginlogin.Public, a.logoutForm)
	r.POST("/logout", ginlogin.Public, a.logout) // also cancels a pending second step
	// The second-factor page has its own guard: a browser whose password
	// was right and whose second factor is pending (Config.TwoStep.URL).
	r.GET(secondFactorURL, ginlogin.Public, ginlogin.PendingLoginRequired(), a.secondFactorForm)
	r.POST(secondFactorURL, ginlogin.Public, ginlogin.PendingLoginRequired(), a.secondFactor)

	r.POST("/logout-all", a.logoutEverywhere)
	r.GET("/dashboard", a.dashboard)
	r.GET("/reauthenticate", a.reauthenticateForm)
	r.POST("/reauthenticate", a.reauthenticate)
	r.GET("/profile", a.profile)
	r.POST("/profile/devices/revoke", a.revokeDevice)
	r.POST("/profile/tokens/revoke", a.revokeToken)
	r.GET("/profile/password", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/admin") })

	fresh := r.Group("", ginlogin.FreshLoginRequired())
	fresh.GET("/admin", a.admin)
	fresh.POST("/profile/password", a.changePassword)
	a.twoFactorRoutes(r)
	a.deleteAccountRoutes(r)

	api := r.Group("/api")
	api.GET("/me", a.me)
	api.POST("/tokens", a.createToken)

	// Unknown pages and methods answer 404 and 405 to everybody, as
	// Django's LoginRequiredMiddleware does: a login page would not help.
	r.NoRoute(ginlogin.Public, func(c *gin.Context) {
		a.errorPage(c, http.StatusNotFound, "Page not found", "There is no page at this address.")
	})
	r.NoMethod(ginlogin.Public, func(c *gin.Context) {
		a.errorPage(c, http.StatusMethodNotAllowed, "Method not allowed", "This address does not accept that kind of request.")
	})
	for _, add := range extra {
		add(r)
	}

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(a.crossOriginDenied))
	trusted := parseTrustedPrefixes(a.cfg.TrustedProxies)
	return a.logRequests(forwardedOnlyFromProxies(trusted, securityHeaders(cop.Handler(a.limitBody(r)))))
}

// base builds the data every page needs: ginlogin.Page (the logged-in
// user, the flashed messages) and, when the page has forms (or a logout
// button, which every page has for a logged-in user), the CSRF token. It
// saves the session if it changed, before anything is written. A store
// failure while loading the user is returned, so the page answers 503
// instead of showing a logged-out page.
func (a *App) base(c *gin.Context, forms bool) (*page, error) {
	if _, err := ginlogin.CurrentUser(c); err != nil {
		return nil, err
	}
	p := &page{PageData: ginlogin.Page(c, nil), Path: c.Request.URL.Path, RememberFor: humanDuration(a.mgr.Config().RememberCookie.Duration)}
	created := false
	if forms || p.User != nil {
		p.CSRFToken, created = csrfToken(c)
	}
	if created { // Page saved the session before the token existed
		if err := session(c).Save(); err != nil {
			return nil, storeError("saving the session", err)
		}
	}
	return p, nil
}

// show renders a page with the base data, or answers the store failure.
func (a *App) show(c *gin.Context, status int, name string, forms bool, fill func(p *page)) {
	p, err := a.base(c, forms)
	if err != nil {
		fail(c, err)
		return
	}
	if fill != nil {
		fill(p)
	}
	a.pages.render(c, status, name, p)
}

func readStyle() ([]byte, error) { return templates.FS.ReadFile("style.css") }

func (a *App) stylesheet(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", a.style)
}

// health answers 200 when the database (and Redis, if used) answer, 503
// otherwise. For load balancers and the scale-out tests.
func (a *App) health(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	status, body := http.StatusOK, gin.H{"database": "ok"}
	if err := a.db.DB.PingContext(ctx); err != nil {
		status, body["database"] = http.StatusServiceUnavailable, "unavailable"
	}
	if a.redisPool != nil {
		body["redis"] = "ok"
		conn, err := a.redisPool.GetContext(ctx)
		if err == nil {
			_, err = conn.Do("PING")
			conn.Close()
		}
		if err != nil {
			status, body["redis"] = http.StatusServiceUnavailable, "unavailable"
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, body)
}

// humanDuration writes 720h as "30 days" for the login form.
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	default:
		return d.String()
	}
}
