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
	ginlogin.UserMixin // IsActive: true unless Inactive is set
	Email, Name        string
	PasswordHash       []byte
}

// LoginID is what the session stores and UserLoader receives.
func (u *User) LoginID() string { return u.Email }

// AuthStamp ends every login of the user when the password changes.
func (u *User) AuthStamp() string { return string(u.PasswordHash) }

func main() {
	site, err := newSite([]byte(os.Getenv("SECRET_KEY")))
	if err != nil {
		log.Fatal(err) // e.g. "ginlogin: Config.SecretKeys[0] is 0 bytes: use a random key of at least 32 bytes"
	}
	log.Println("listening on http://127.0.0.1:8000")
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", site))
}

// newSite builds the whole site around one account.
//
// This is a quick start, not a finished site. A real one also needs: a CSRF
// token in every form, for older browsers that send neither Sec-Fetch-Site
// nor Origin (the example app's csrf.go); throttled login attempts, per
// account and per address; HTTPS, so that the Secure cookies work beyond
// localhost; the secret from the environment or a secret store, never in
// the code, the same on every instance; users in a database and a
// RememberStore that survives restarts (ginlogin.NewSQLStore). The example
// app in ./example does all of this.
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
			if u, ok := users[id]; ok {
				return u, nil
			}
			return nil, nil // unknown: nobody is logged in
		},
		LoginURL: "/login",
	})
	if err != nil {
		return nil, err
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
		if err := ginlogin.Login(c, u, opts...); err != nil {
			ginlogin.Fail(c, err)
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

	// Refuse cross-site form posts (Go 1.25+): a browser's POST from another
	// site, told by Sec-Fetch-Site or by an Origin that is not this Host, gets
	// 403 before any handler runs. Without it any site could post its own
	// account to /login for its visitors (login CSRF), or log them out.
	// The site's own forms and clients such as curl, which send neither
	// header, pass.
	return http.NewCrossOriginProtection().Handler(r), nil
}
