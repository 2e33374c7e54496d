package ginlogin

import "github.com/gin-gonic/gin"

// PageData is what a page template needs from the library, as Flask's
// context processor gives current_user and get_flashed_messages to every
// Jinja template. Build it with Page.
type PageData struct {
	// User is the logged-in user, or nil when nobody is logged in. In a
	// template, {{with .User}}...{{end}} shows a block only to a logged-in
	// user, and {{.User.Name}} reaches the application type's fields.
	User User
	// Fresh reports whether the login is fresh (see IsFresh).
	Fresh bool
	// Remembered reports whether the login was restored from the remember
	// cookie during this session (see IsRemembered).
	Remembered bool
	// Flashes are the waiting flash messages, oldest first. Page has
	// removed them from the session: each is shown once.
	Flashes []FlashMessage
	// Data holds the handler's own values for the template.
	Data any
}

// Page gathers what a page template needs in one call:
//
//	c.HTML(http.StatusOK, "dashboard.html", ginlogin.Page(c, gin.H{"Orders": orders}))
//
// and in the template: {{.User.Name}}, {{range .Flashes}}, {{.Data.Orders}}.
// It consumes the flashed messages and saves the session, so call it before
// the response body is written. It never fails: when the user cannot be
// loaded (a store outage on a route without a guard) the page is rendered
// for nobody, and the failure is pushed with c.Error; a guarded route has
// loaded the user already.
func Page(c *gin.Context, data any) PageData {
	u, err := CurrentUser(c)
	if err != nil {
		_ = c.Error(err)
	}
	p := PageData{User: u, Data: data, Flashes: Flashes(c)}
	if u != nil {
		p.Fresh = IsFresh(c)
		p.Remembered = IsRemembered(c)
	}
	return p
}
