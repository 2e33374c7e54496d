// Command quickstart is the README's quick start. Run it with
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
	ginlogin.UserMixin // IsActive: true unless Inactive is set
	Email, Name        string
	PasswordHash       []byte
}

func (u *User) LoginID() string   { return u.Email }                // what the session keeps
func (u *User) AuthStamp() string { return string(u.PasswordHash) } // a new password ends every login

func main() {
	site, err := newSite([]byte(os.Getenv("SECRET_KEY")))
	if err != nil {
		log.Fatal(err) // e.g. "ginlogin: Config.SecretKeys[0] is 0 bytes: use a random key of at least 32 bytes"
	}
	log.Println("listening on http://127.0.0.1:8000")
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", site))
}

func newSite(secret []byte) (http.Handler, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	users := map[string]*User{"ada@example.com": {Email: "ada@example.com", Name: "Ada", PasswordHash: hash}}
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{secret},
		SessionStore:  ginlogin.NewCookieStore(secret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader: func(_ context.Context, id string) (ginlogin.User, error) {
			return users[id], nil // a nil *User: nobody is logged in
		},
		LoginURL: "/login",
	})
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery(), ginlogin.Middleware(mgr))

	r.POST("/login", func(c *gin.Context) {
		u, known := users[c.PostForm("email")]
		if !known {
			u = &User{PasswordHash: hash} // still run bcrypt: unknown e-mails take as long
		}
		if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(c.PostForm("password"))) != nil || !known {
			c.String(http.StatusUnauthorized, "wrong e-mail or password\n")
			return
		}
		var opts []ginlogin.LoginOption
		if c.PostForm("remember") == "on" {
			opts = append(opts, ginlogin.Remember())
		}
		if err := ginlogin.Login(c, u, opts...); err != nil {
			ginlogin.Fail(c, err) // 503 while a store is down
			return
		}
		c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := ginlogin.Logout(c); err != nil {
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
	// A browser's form post from another site gets 403 (login CSRF); curl passes.
	return http.NewCrossOriginProtection().Handler(r), nil
}
