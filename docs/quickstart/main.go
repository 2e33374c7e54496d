// Command quickstart is the README's quick start: a complete Gin program
// with ginlogin, one hard-coded account, a login form handler, a protected
// page and a JSON API. Run it with
//
//	SECRET_KEY=$(openssl rand -base64 48) go run ./docs/quickstart
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"golang.org/x/crypto/bcrypt"
)

// User is the application's account type.
type User struct {
	ginlogin.UserMixin // active, authenticated, not anonymous
	Email, Name        string
	PasswordHash       []byte
}

// ID is what the session stores and UserLoader receives.
func (u *User) ID() string { return u.Email }

// AuthStamp ends every login of the user when the password changes.
func (u *User) AuthStamp() string { return string(u.PasswordHash) }

func main() {
	secret := []byte(os.Getenv("SECRET_KEY"))
	hash, _ := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), bcrypt.DefaultCost)
	users := map[string]*User{"ada@example.com": {Email: "ada@example.com", Name: "Ada", PasswordHash: hash}}

	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{secret},
		SessionStore:  ginlogin.NewCookieStore(secret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader: func(_ context.Context, id string) (ginlogin.User, error) {
			if u, ok := users[id]; ok {
				return u, nil
			}
			return nil, nil // unknown: anonymous
		},
		LoginURL: "/login",
	})
	if err != nil {
		log.Fatal(err) // e.g. "ginlogin: Config.SecretKeys[0] is 0 bytes: use a random key of at least 32 bytes"
	}

	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery(), ginlogin.Middleware(mgr))

	r.POST("/login", func(c *gin.Context) {
		u := users[c.PostForm("email")]
		hash := []byte("$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinvali")
		if u != nil {
			hash = u.PasswordHash
		}
		// Always run bcrypt, so unknown e-mails take as long as wrong passwords.
		ok := bcrypt.CompareHashAndPassword(hash, []byte(c.PostForm("password"))) == nil
		if u == nil || !ok {
			c.String(http.StatusUnauthorized, "wrong e-mail or password\n")
			return
		}
		var opts []ginlogin.LoginOption
		if c.PostForm("remember") == "on" {
			opts = append(opts, ginlogin.Remember())
		}
		if err := ginlogin.LoginUser(c, u, opts...); err != nil {
			ginlogin.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := ginlogin.LogoutUser(c); err != nil {
			ginlogin.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/dashboard", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*User](c)
		c.String(http.StatusOK, "Hello, %s!\n", u.Name)
	})
	r.GET("/api/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*User](c)
		c.JSON(http.StatusOK, gin.H{"email": u.Email, "name": u.Name})
	})

	log.Println("listening on http://127.0.0.1:8000")
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", r))
}
