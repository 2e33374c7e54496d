package app

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// HandlerWithRoutes is the site with routes added by a test, declared
// the way a new route would be, after the app's own.
func HandlerWithRoutes(a *App, add func(r *gin.Engine)) http.Handler { return a.buildHandler(add) }
