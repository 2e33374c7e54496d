// Command benchbaseline is the reference `make bench-http` measures the
// example app against: gin and gin-contrib/sessions' cookie store, with the
// same session keys the example app derives from SECRET_KEY, and users in
// a map. It has no login library, no database and no middleware, and logs
// nothing per request; it is a yardstick, not an example to copy (it
// checks no password).
//
//	SECRET_KEY=... benchbaseline -addr 127.0.0.1:18082
//
// POST /login with email=bench@example.com sets the session; GET /api/me
// answers the logged-in user as JSON, or 401.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

type user struct{ id, email, name string }

// users is the whole user database: one account, found by ID or email.
var users = map[string]user{"1": {id: "1", email: "bench@example.com", name: "Bench"}}

func byEmail(email string) (user, bool) {
	for _, u := range users {
		if u.email == email {
			return u, true
		}
	}
	return user{}, false
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18082", "address to listen on")
	flag.Parse()
	secret := os.Getenv("SECRET_KEY")
	if len(secret) < ginlogin.MinSecretKeyLength {
		fmt.Fprintf(os.Stderr, "benchbaseline: SECRET_KEY must be at least %d bytes\n", ginlogin.MinSecretKeyLength)
		os.Exit(2)
	}
	gin.SetMode(gin.ReleaseMode)
	srv := &http.Server{Addr: *addr, Handler: handler([]byte(secret)), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(os.Stderr, "benchbaseline: serving on http://"+*addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "benchbaseline:", err)
		os.Exit(1)
	}
}

func handler(secret []byte) http.Handler {
	r := gin.New()
	store := cookie.NewStore(ginlogin.SessionKeyPairs(secret)...)
	store.Options(sessions.Options{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	r.Use(sessions.Sessions("session", store))
	r.POST("/login", func(c *gin.Context) {
		u, ok := byEmail(c.PostForm("email"))
		if !ok {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		s := sessions.Default(c)
		s.Set("user_id", u.id)
		if err := s.Save(); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/api/me", func(c *gin.Context) {
		id, _ := sessions.Default(c).Get("user_id").(string)
		u, ok := users[id]
		if !ok {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": u.id, "email": u.email, "name": u.name})
	})
	return r
}
