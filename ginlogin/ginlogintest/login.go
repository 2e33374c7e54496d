// Package ginlogintest helps applications test their ginlogin-protected
// routes with net/http/httptest: start "logged in as U" in one line, fresh or
// not, with session protection on, on any session store; and check a
// RememberStore implementation with one call to TestRememberStore.
package ginlogintest

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// Cookies logs user in through mgr, exactly as ginlogin.Login does in a
// handler (a session is created in mgr's store, a device in its
// RememberStore, and Hooks.LoggedIn runs), for a client with the given peer
// address ("192.0.2.1:1234") and User-Agent, and returns the cookies to send.
// Session protection then accepts requests from that client. It fails the
// test (t.Fatalf) when user is nil, including a nil pointer such as a
// lookup's (*User)(nil), or when the login fails.
func Cookies(t testing.TB, mgr *ginlogin.Manager, user ginlogin.User, remoteAddr, userAgent string, opts ...ginlogin.LoginOption) []*http.Cookie {
	t.Helper()
	if isNil(user) {
		t.Fatalf("ginlogintest: Cookies needs a user, got %#v: did the user lookup find nobody?", user)
		return nil
	}
	engine := gin.New()
	engine.Use(ginlogin.Middleware(mgr))
	var loginErr error
	engine.GET("/ginlogintest/login", func(c *gin.Context) {
		loginErr = ginlogin.Login(c, user, opts...)
		c.Status(http.StatusNoContent)
	})
	req := httptest.NewRequest(http.MethodGet, "/ginlogintest/login", nil)
	req.RemoteAddr = remoteAddr
	req.Header.Set("User-Agent", userAgent)
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, req)
	if loginErr != nil {
		t.Fatalf("ginlogintest: logging in user %q: %v", user.LoginID(), loginErr)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) == 0 {
		t.Fatalf("ginlogintest: logging in user %q set no cookie", user.LoginID())
	}
	return cookies
}

// isNil reports whether u is nil or a nil pointer (map, slice, func) inside
// the interface, which ginlogin treats as "no user".
func isNil(u ginlogin.User) bool {
	if u == nil {
		return true
	}
	switch v := reflect.ValueOf(u); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// LoginRequest makes req logged in as user: it adds the cookies of a login
// made from req's own RemoteAddr and User-Agent, so set those first if the
// test changes them.
//
//	req := httptest.NewRequest("GET", "/dashboard", nil)
//	ginlogintest.LoginRequest(t, mgr, req, alice)
func LoginRequest(t testing.TB, mgr *ginlogin.Manager, req *http.Request, user ginlogin.User, opts ...ginlogin.LoginOption) {
	t.Helper()
	for _, ck := range Cookies(t, mgr, user, req.RemoteAddr, req.UserAgent(), opts...) {
		req.AddCookie(ck)
	}
}

// goClientUserAgent is the User-Agent net/http's client sends by default.
const goClientUserAgent = "Go-http-client/1.1"

// LoginClient returns an http.Client for srv whose cookie jar holds a login
// as user. The login matches requests from the loopback address with Go's
// default User-Agent, which is what the client sends. Redirects are not
// followed, so tests see them.
func LoginClient(t testing.TB, mgr *ginlogin.Manager, srv *httptest.Server, user ginlogin.User, opts ...ginlogin.LoginOption) *http.Client {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("ginlogintest: server URL: %v", err)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, Cookies(t, mgr, user, "127.0.0.1:40000", goClientUserAgent, opts...))
	client := *srv.Client() // a copy: srv.Client() is shared
	client.Jar = jar
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &client
}
