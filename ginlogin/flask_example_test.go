package ginlogin_test

// The examples of docs/flask.md: every Go block of that page is part of
// this file, verbatim (TestFlaskDocSnippetsCompile checks it), so the page
// cannot drift from the API.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Member is a user type whose primary key is the common ID field.
type Member struct {
	ginlogin.UserMixin // IsActive: true unless Inactive is set
	ID                 int64
	Email              string
}

// LoginID is Flask-Login's get_id: what the session keeps.
func (m *Member) LoginID() string { return strconv.FormatInt(m.ID, 10) }

var members = map[int64]*Member{1: {ID: 1, Email: "grace@example.com"}}

// findMember stands for a database query: (nil, nil) when there is no row.
func findMember(_ context.Context, id int64) (*Member, error) {
	return members[id], nil
}

// loadMember is the @login_manager.user_loader.
func loadMember(ctx context.Context, id string) (ginlogin.User, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, nil // not an ID of ours: nobody is logged in
	}
	return findMember(ctx, n) // a nil *Member is nobody too; an error is a 503 or 500
}

// checkPassword stands for the application's bcrypt comparison: it returns
// the account when the password is right, nil otherwise.
func checkPassword(email, password string) *Account {
	if a, ok := accounts[email]; ok && password == "correct horse" {
		return a
	}
	return nil
}

// apiKeyHashes maps the SHA-256 of each API key to its account: the
// database keeps hashes, never the keys.
var apiKeyHashes = map[[32]byte]*Account{
	sha256.Sum256([]byte("key-of-ada")): accounts["ada@example.com"],
}

// flaskApp builds what every example on the page shares: a Manager with the
// example secret, a cookie session store, devices in memory and loadAccount
// (unless cfg names a loader), and a router with its Middleware.
func flaskApp(cfg ginlogin.Config) *gin.Engine {
	cfg.SecretKeys = [][]byte{exampleSecret}
	cfg.SessionStore = ginlogin.NewCookieStore(exampleSecret)
	cfg.RememberStore = ginlogin.NewMemoryStore()
	if cfg.UserLoader == nil && cfg.RequestLoader == nil {
		cfg.UserLoader = loadAccount
	}
	mgr, err := ginlogin.New(cfg)
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	return r
}

// flaskBrowser keeps cookies between requests, as a browser does.
type flaskBrowser map[string]*http.Cookie

func (b flaskBrowser) keep(resp *http.Response) *http.Response {
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(b, ck.Name)
		} else {
			b[ck.Name] = ck
		}
	}
	return resp
}

func (b flaskBrowser) cookies() []*http.Cookie {
	out := make([]*http.Cookie, 0, len(b))
	for _, ck := range b {
		out = append(out, ck)
	}
	return out
}

// get sends a page request, with Accept: text/html as a browser's
// navigation does.
func (b flaskBrowser) get(h http.Handler, target string) *http.Response {
	return b.keep(send(h, http.MethodGet, target, b.cookies(), "Accept", "text/html"))
}

// post submits a form.
func (b flaskBrowser) post(h http.Handler, target string, form url.Values) *http.Response {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for _, ck := range b.cookies() {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return b.keep(rec.Result())
}

// bodyOf reads a response body, without surrounding white space.
func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

var adaForm = url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}}

// flaskLogin is a login view: login_user(user, remember=form.remember.data).
func flaskLogin(c *gin.Context) {
	account := checkPassword(c.PostForm("email"), c.PostForm("password"))
	if account == nil {
		ginlogin.Flash(c, "error", "Wrong e-mail or password.")
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	var opts []ginlogin.LoginOption
	if c.PostForm("remember") == "on" {
		opts = append(opts, ginlogin.Remember()) // remember=True
	}
	if err := ginlogin.Login(c, account, opts...); err != nil {
		ginlogin.Fail(c, err) // 503 while a store is down, 500 for a bug
		return
	}
	c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/")) // a safe `next`, or "/"
}

// flaskLogout is logout_user() in a view.
func flaskLogout(c *gin.Context) {
	if err := ginlogin.Logout(c); err != nil {
		ginlogin.Fail(c, err)
		return
	}
	ginlogin.Flash(c, "message", "You are logged out.")
	c.Redirect(http.StatusSeeOther, "/")
}

// displayName is what a Flask application puts in a custom anonymous_user
// class: the one place that says what "nobody" looks like.
func displayName(u ginlogin.User) string {
	if a, ok := u.(*Account); ok {
		return a.Name
	}
	return "Guest"
}

// The user class and the user loader: a Member with an ID field, loaded by
// loadMember.
func ExampleConfig_userLoader() {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},                // SECRET_KEY: at least 32 random bytes
		SessionStore:  ginlogin.NewCookieStore(exampleSecret), // Flask's signed cookie session, encrypted
		RememberStore: ginlogin.NewMemoryStore(),              // devices: revocable remember tokens (ginlogin.NewSQLStore)
		UserLoader:    loadMember,                             // @login_manager.user_loader
		LoginURL:      "/login",                               // login_manager.login_view
	})
	if err != nil {
		panic(err) // the error names the field to fix
	}
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr)) // login_manager.init_app(app)

	r.POST("/login", func(c *gin.Context) {
		_ = ginlogin.Login(c, members[1])
	})
	r.GET("/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		m, _ := ginlogin.Current[*Member](c)
		c.String(http.StatusOK, "member %d, %s", m.ID, m.Email)
	})
	b := flaskBrowser{}
	b.post(r, "/login", nil)
	fmt.Println(bodyOf(b.get(r, "/me")))
	// Output:
	// member 1, grace@example.com
}

// request_loader: an API key in the Authorization header.
func ExampleConfig_requestLoader() {
	r := flaskApp(ginlogin.Config{
		UserLoader: loadAccount,
		RequestLoader: func(c *gin.Context) (ginlogin.User, error) { // @login_manager.request_loader
			key, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
			if !ok {
				return nil, nil // no key: nobody
			}
			return apiKeyHashes[sha256.Sum256([]byte(key))], nil // a nil *Account for a wrong key
		},
	})
	r.GET("/api/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		a, _ := ginlogin.Current[*Account](c)
		c.JSON(http.StatusOK, gin.H{"name": a.Name})
	})

	resp := send(r, "GET", "/api/me", nil, "Authorization", "Bearer key-of-ada")
	fmt.Println(resp.StatusCode, bodyOf(resp))
	resp = send(r, "GET", "/api/me", nil, "Authorization", "Bearer wrong")
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 200 {"name":"Ada"}
	// 401 Bearer
}

// login_user, logout_user, current_user and login_required.
func ExampleLogin_flask() {
	r := flaskApp(ginlogin.Config{LoginURL: "/login"})
	r.POST("/login", flaskLogin)
	r.POST("/logout", flaskLogout)
	r.GET("/profile", ginlogin.LoginRequired(), func(c *gin.Context) { // @login_required
		account, _ := ginlogin.Current[*Account](c) // behind a guard: always a user
		c.String(http.StatusOK, "Hello, %s", account.Name)
	})
	r.GET("/", func(c *gin.Context) { // no guard: anybody
		user, err := ginlogin.CurrentUser(c) // nil when nobody is logged in
		if err != nil {
			ginlogin.Fail(c, err) // the session or user store failed
			return
		}
		c.String(http.StatusOK, "Hello, %s", displayName(user))
	})

	b := flaskBrowser{}
	fmt.Println(bodyOf(b.get(r, "/")))
	resp := b.get(r, "/profile")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	resp = b.post(r, "/login?next=%2Fprofile", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}})
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"), b["remember_token"] != nil)
	fmt.Println(bodyOf(b.get(r, "/profile")))
	b.post(r, "/logout", nil)
	fmt.Println(bodyOf(b.get(r, "/")), b["remember_token"] != nil)
	// Output:
	// Hello, Guest
	// 302 /login?next=%2Fprofile
	// 303 /profile true
	// Hello, Ada
	// Hello, Guest false
}

const homeTemplate = `{{with .User}}Hello, {{.Name}}!{{else}}<a href="/login">Log in</a>{{end}}
{{range .Flashes}}[{{.Category}}] {{.Message}}
{{end}}`

// current_user and get_flashed_messages in a template.
func ExamplePage_template() {
	r := flaskApp(ginlogin.Config{})
	r.POST("/login", flaskLogin)
	r.SetHTMLTemplate(template.Must(template.New("home.html").Parse(homeTemplate)))
	r.GET("/", func(c *gin.Context) {
		c.HTML(http.StatusOK, "home.html", ginlogin.Page(c, nil))
	})

	b := flaskBrowser{}
	fmt.Println(bodyOf(b.get(r, "/")))
	b.post(r, "/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong"}})
	fmt.Println(bodyOf(b.get(r, "/")))
	b.post(r, "/login", adaForm)
	fmt.Println(bodyOf(b.get(r, "/")))
	// Output:
	// <a href="/login">Log in</a>
	// <a href="/login">Log in</a>
	// [error] Wrong e-mail or password.
	// Hello, Ada!
}

// flash and get_flashed_messages(with_categories=True) in a JSON answer.
func ExampleFlash_flask() {
	r := flaskApp(ginlogin.Config{})
	r.POST("/save", func(c *gin.Context) {
		ginlogin.Flash(c, "success", "Profile saved.") // flash("Profile saved.", "success")
		c.Redirect(http.StatusSeeOther, "/messages")
	})
	r.GET("/messages", func(c *gin.Context) {
		c.JSON(http.StatusOK, ginlogin.Flashes(c)) // get_flashed_messages(with_categories=True)
	})

	b := flaskBrowser{}
	b.post(r, "/save", nil)
	fmt.Println(bodyOf(b.get(r, "/messages")))
	fmt.Println(bodyOf(b.get(r, "/messages")))
	// Output:
	// [{"c":"success","m":"Profile saved."}]
	// null
}

// fresh_login_required, refresh_view and confirm_login.
func ExampleConfirmLogin_flask() {
	now := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	r := flaskApp(ginlogin.Config{
		LoginURL:   "/login",
		RefreshURL: "/reauthenticate", // login_manager.refresh_view
		Now:        func() time.Time { return now },
	})
	r.POST("/login", flaskLogin)
	r.GET("/settings/email", ginlogin.FreshLoginRequired(), func(c *gin.Context) { // @fresh_login_required
		c.String(http.StatusOK, "change your e-mail")
	})
	r.POST("/reauthenticate", ginlogin.LoginRequired(), func(c *gin.Context) {
		account, _ := ginlogin.Current[*Account](c)
		if checkPassword(account.Email, c.PostForm("password")) == nil {
			c.String(http.StatusUnauthorized, "wrong password")
			return
		}
		if err := ginlogin.ConfirmLogin(c); err != nil { // confirm_login()
			ginlogin.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/"))
	})

	b := flaskBrowser{}
	b.post(r, "/login", adaForm)
	fmt.Println(bodyOf(b.get(r, "/settings/email")))
	now = now.Add(20 * time.Minute) // fresh for 15 minutes by default
	resp := b.get(r, "/settings/email")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	resp = b.post(r, "/reauthenticate?next=%2Fsettings%2Femail", url.Values{"password": {"correct horse"}})
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	fmt.Println(bodyOf(b.get(r, "/settings/email")))
	// Output:
	// change your e-mail
	// 302 /reauthenticate?next=%2Fsettings%2Femail
	// 303 /settings/email
	// change your e-mail
}

// login_view, login_message and blueprint_login_views.
func ExampleConfig_groupLoginURLs() {
	r := flaskApp(ginlogin.Config{
		LoginURL:             "/login",              // login_manager.login_view = "login"
		LoginMessage:         "Log in to see this.", // login_manager.login_message
		LoginMessageCategory: "info",                // login_manager.login_message_category
		GroupLoginURLs: map[string]string{ // login_manager.blueprint_login_views
			"/admin": "/admin/login",
		},
	})
	r.GET("/orders", ginlogin.LoginRequired(), func(c *gin.Context) {})
	admin := r.Group("/admin", ginlogin.LoginRequired())
	admin.GET("/users", func(c *gin.Context) {})
	shop := r.Group("/shop", ginlogin.LoginRequired(ginlogin.WithLoginURL("/shop/login")))
	shop.GET("/cart", func(c *gin.Context) {})
	r.GET("/login", func(c *gin.Context) { c.JSON(http.StatusOK, ginlogin.Flashes(c)) })

	b := flaskBrowser{}
	for _, page := range []string{"/orders", "/admin/users", "/shop/cart"} {
		fmt.Println(b.get(r, page).Header.Get("Location"))
	}
	fmt.Println(bodyOf(b.get(r, "/login")))
	// Output:
	// /login?next=%2Forders
	// /admin/login?next=%2Fadmin%2Fusers
	// /shop/login?next=%2Fshop%2Fcart
	// [{"c":"info","m":"Log in to see this."},{"c":"info","m":"Log in to see this."},{"c":"info","m":"Log in to see this."}]
}

// unauthorized_handler, needs_refresh_handler and unauthorized() in a view.
func ExampleConfig_denyHandler() {
	r := flaskApp(ginlogin.Config{
		DenyHandler: func(c *gin.Context, reason error) {
			switch {
			case errors.Is(reason, ginlogin.ErrNotAuthenticated): // @login_manager.unauthorized_handler
				c.String(http.StatusUnauthorized, "Log in first.")
			case errors.Is(reason, ginlogin.ErrNeedsRefresh): // @login_manager.needs_refresh_handler
				c.String(http.StatusUnauthorized, "Type your password again.")
			default: // ginlogin.ErrForbidden, from Require or Deny
				c.String(http.StatusForbidden, "Not for you.")
			}
		},
	})
	r.GET("/orders", ginlogin.LoginRequired(), func(c *gin.Context) {})
	r.GET("/reports", func(c *gin.Context) {
		if c.Query("private") != "" {
			if _, ok := ginlogin.Current[*Account](c); !ok {
				ginlogin.Deny(c, ginlogin.ErrNotAuthenticated) // return login_manager.unauthorized()
				return
			}
		}
		c.String(http.StatusOK, "public reports")
	})

	fmt.Println(bodyOf(send(r, "GET", "/orders", nil)))
	fmt.Println(bodyOf(send(r, "GET", "/reports", nil)))
	fmt.Println(bodyOf(send(r, "GET", "/reports?private=1", nil)))
	// Output:
	// Log in first.
	// public reports
	// Log in first.
}

// Signals: user_logged_in, user_logged_out, user_loaded_from_cookie,
// user_unauthorized and user_needs_refresh.
func ExampleHooks_signals() {
	r := flaskApp(ginlogin.Config{
		Hooks: ginlogin.Hooks{
			LoggedIn: func(c *gin.Context, user ginlogin.User) { // user_logged_in
				fmt.Println("logged in:", user.LoginID())
			},
			LoggedOut: func(c *gin.Context, user ginlogin.User) { // user_logged_out
				fmt.Println("logged out:", displayName(user)) // user is nil if nobody was
			},
			LoadedFromCookie: func(c *gin.Context, user ginlogin.User) { // user_loaded_from_cookie
				fmt.Println("remembered:", user.LoginID())
			},
			Denied: func(c *gin.Context, reason error) { // user_unauthorized, user_needs_refresh
				fmt.Println("denied:", reason)
			},
		},
	})
	r.POST("/login", flaskLogin)
	r.POST("/logout", flaskLogout)
	r.GET("/orders", ginlogin.LoginRequired(), func(c *gin.Context) {})

	send(r, "GET", "/orders", nil)
	b := flaskBrowser{}
	b.post(r, "/login", url.Values{"email": {"ada@example.com"}, "password": {"correct horse"}, "remember": {"on"}})
	delete(b, "session") // the browser was closed
	b.get(r, "/orders")
	b.post(r, "/logout", nil)
	// Output:
	// denied: ginlogin: not authenticated
	// logged in: ada@example.com
	// remembered: ada@example.com
	// logged out: Ada
}

// Checking `next` before redirecting to it.
func ExampleNextURL_flask() {
	r := flaskApp(ginlogin.Config{})
	r.POST("/login", flaskLogin)

	b := flaskBrowser{}
	for _, next := range []string{"/orders?page=2", "https://evil.example/", "//evil.example"} {
		resp := b.post(r, "/login?next="+url.QueryEscape(next), adaForm)
		fmt.Println(resp.Header.Get("Location"))
	}
	// Output:
	// /orders?page=2
	// /
	// /
}

// Flask-Login's defaults, where an application wants them back.
func ExampleConfig_flaskDefaults() {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},
		SessionStore:  ginlogin.NewCookieStore(exampleSecret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader:    loadAccount,

		FreshFor:        ginlogin.NoTimeout, // fresh until the session ends, as login_fresh()
		IdleTimeout:     ginlogin.NoTimeout, // no server-side idle timeout
		AbsoluteTimeout: ginlogin.NoTimeout, // no server-side absolute timeout
		RememberCookie: ginlogin.RememberCookieConfig{
			Duration: 365 * 24 * time.Hour, // REMEMBER_COOKIE_DURATION's default
		},
		SessionProtection: ginlogin.ProtectionBasic, // the default on both sides
	})
	if err != nil {
		panic(err)
	}
	cfg := mgr.Config()
	fmt.Println(cfg.FreshFor == ginlogin.NoTimeout, cfg.IdleTimeout == ginlogin.NoTimeout, cfg.RememberCookie.Duration)
	// Output:
	// true true 8760h0m0s
}

// Redirecting every client to the login page, as Flask-Login does, instead
// of answering JSON to the clients that do not ask for HTML.
func ExampleConfig_redirectEveryone() {
	r := flaskApp(ginlogin.Config{
		LoginURL: "/login",
		DenyHandler: func(c *gin.Context, reason error) {
			if errors.Is(reason, ginlogin.ErrNotAuthenticated) {
				c.Redirect(http.StatusFound, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
				return
			}
			c.String(http.StatusForbidden, "Forbidden")
		},
	})
	r.GET("/orders", ginlogin.LoginRequired(), func(c *gin.Context) {})

	resp := send(r, "GET", "/orders", nil, "Accept", "*/*") // curl
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// Output:
	// 302 /login?next=%2Forders
}

// TestFlaskDocTestClient is FlaskLoginClient: a request logged in with one
// call.
func TestFlaskDocTestClient(t *testing.T) {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},
		SessionStore:  ginlogin.NewCookieStore(exampleSecret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader:    loadAccount,
	})
	require.NoError(t, err)
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/settings", ginlogin.FreshLoginRequired(), func(c *gin.Context) { c.String(http.StatusOK, "settings") })

	req := httptest.NewRequest("GET", "/settings", nil)
	ginlogintest.LoginRequest(t, mgr, req, accounts["ada@example.com"]) // app.test_client(user=ada)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "a fresh test login passes FreshLoginRequired")

	req = httptest.NewRequest("GET", "/settings", nil)
	ginlogintest.LoginRequest(t, mgr, req, accounts["ada@example.com"], ginlogin.NotFresh()) // fresh_login=False
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "a stale test login is asked to reauthenticate")
}

// TestFlaskDocSnippetsCompile: every ```go block of docs/flask.md is a run
// of lines of this file (indented as a whole or not), so each snippet on the
// page compiles, and those with an // Output: run as examples.
func TestFlaskDocSnippetsCompile(t *testing.T) {
	doc, err := os.ReadFile("../docs/flask.md")
	require.NoError(t, err)
	src, err := os.ReadFile("flask_example_test.go")
	require.NoError(t, err)
	srcLines := strings.Split(string(src), "\n")

	blocks := goBlocks(string(doc))
	require.NotEmpty(t, blocks, "docs/flask.md has no ```go blocks")
	for _, block := range blocks {
		assert.True(t, containsLines(srcLines, block),
			"this docs/flask.md snippet is not in ginlogin/flask_example_test.go; copy it there (or from there) verbatim:\n%s", strings.Join(block, "\n"))
	}
}

// goBlocks returns the lines of each ```go block of a Markdown text.
func goBlocks(markdown string) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	for _, line := range strings.Split(markdown, "\n") {
		switch {
		case !in && line == "```go":
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// containsLines reports whether block appears in src as consecutive lines,
// every line carrying the same extra indentation (tabs); blank lines match
// blank lines.
func containsLines(src, block []string) bool {
	if len(block) == 0 {
		return false
	}
	for i := 0; i+len(block) <= len(src); i++ {
		indent, ok := strings.CutSuffix(src[i], block[0])
		if !ok || strings.Trim(indent, "\t") != "" {
			continue
		}
		match := true
		for k, line := range block {
			s := src[i+k]
			if line == "" && strings.TrimSpace(s) == "" {
				continue
			}
			if s != indent+line {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}
