package ginlogin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// exampleSecret is a fixed key so the examples are repeatable; real
// applications read a random key of at least 32 bytes from their secrets.
var exampleSecret = []byte("example-only-secret-6f1c9a0e4b7d2c58a3e9f04b1d6c7a2e")

// Account is an application's user type.
type Account struct {
	ginlogin.UserMixin
	Email, Name  string
	PasswordHash string
}

// ID implements ginlogin.User.
func (a *Account) LoginID() string { return a.Email }

// AuthStamp binds logins to the password: changing it ends them.
func (a *Account) AuthStamp() string { return a.PasswordHash }

var accounts = map[string]*Account{
	"ada@example.com": {Email: "ada@example.com", Name: "Ada", PasswordHash: "hash-1"},
}

func loadAccount(_ context.Context, id string) (ginlogin.User, error) {
	if a, ok := accounts[id]; ok {
		return a, nil
	}
	return nil, nil // not found: the request is anonymous
}

// send runs one request through h with the cookies and returns the response.
func send(h http.Handler, method, target string, cookies []*http.Cookie, headers ...string) *http.Response {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func Example() {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},
		SessionStore:  ginlogin.NewCookieStore(exampleSecret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader:    loadAccount,
		LoginURL:      "/login",
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.POST("/login", func(c *gin.Context) {
		// A real handler checks the password first.
		if err := ginlogin.Login(c, accounts["ada@example.com"], ginlogin.Remember()); err != nil {
			ginlogin.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, ginlogin.NextURL(c, "/dashboard"))
	})
	r.GET("/dashboard", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*Account](c)
		c.String(http.StatusOK, "Hello, %s", u.Name)
	})

	anonymous := send(r, "GET", "/dashboard?tab=1", nil, "Accept", "text/html") // a browser
	fmt.Println(anonymous.StatusCode, anonymous.Header.Get("Location"))

	login := send(r, "POST", "/login?next=/dashboard", nil)
	fmt.Println(login.StatusCode, login.Header.Get("Location"))

	page := send(r, "GET", "/dashboard", login.Cookies())
	body, _ := io.ReadAll(page.Body)
	fmt.Println(page.StatusCode, string(body))
	// Output:
	// 302 /login?next=%2Fdashboard%3Ftab%3D1
	// 303 /dashboard
	// 200 Hello, Ada
}

func ExampleNew() {
	_, err := ginlogin.New(ginlogin.Config{
		SecretKeys:   [][]byte{[]byte("too-short")},
		SessionStore: ginlogin.NewCookieStore(exampleSecret),
		UserLoader:   loadAccount,
	})
	fmt.Println(err)
	// Output:
	// ginlogin: Config.SecretKeys[0] is 9 bytes: use a random key of at least 32 bytes
}

func ExampleSafeNext() {
	for _, next := range []string{
		"/dashboard?tab=2",
		"https://evil.example/",
		"//evil.example",
		`/\evil.example`,
		"/\t/evil.example",
		"javascript:alert(1)",
	} {
		_, ok := ginlogin.SafeNext(next)
		fmt.Printf("%-24q %v\n", next, ok)
	}
	// Output:
	// "/dashboard?tab=2"       true
	// "https://evil.example/"  false
	// "//evil.example"         false
	// "/\\evil.example"        false
	// "/\t/evil.example"       false
	// "javascript:alert(1)"    false
}

func ExampleLoginRequired_api() {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},
		SessionStore:  ginlogin.NewCookieStore(exampleSecret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader:    loadAccount,
		LoginURL:      "/login",
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/api/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*Account](c)
		c.JSON(http.StatusOK, gin.H{"id": u.LoginID()})
	})

	// curl and fetch() send "Accept: */*": they get a JSON 401, not a
	// redirect. Only a browser's page navigation is sent to the login page.
	resp := send(r, "GET", "/api/me", nil, "Accept", "*/*")
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	resp = send(r, "GET", "/api/me", nil, "Accept", "text/html,*/*;q=0.8")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// Output:
	// 401 {"error":"unauthorized","message":"Please log in to access this page."}
	// 302 /login?next=%2Fapi%2Fme
}

func ExampleRequire() {
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{exampleSecret},
		SessionStore:  ginlogin.NewCookieStore(exampleSecret),
		RememberStore: ginlogin.NewMemoryStore(),
		UserLoader:    loadAccount,
	})
	if err != nil {
		panic(err)
	}
	isAdmin := func(u ginlogin.User) bool { return strings.HasSuffix(u.LoginID(), "@admin.example") }
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/login", func(c *gin.Context) {
		_ = ginlogin.Login(c, accounts["ada@example.com"])
	})
	r.GET("/admin", ginlogin.Require(isAdmin), func(c *gin.Context) { c.String(200, "admin") })

	login := send(r, "GET", "/login", nil)
	fmt.Println(send(r, "GET", "/admin", nil).StatusCode)
	fmt.Println(send(r, "GET", "/admin", login.Cookies()).StatusCode)
	// Output:
	// 401
	// 403
}
