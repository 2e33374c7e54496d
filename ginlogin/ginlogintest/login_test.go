package ginlogintest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = []byte("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz")

func newApp(t *testing.T, protection ginlogin.Protection) (*ginlogin.Manager, *gin.Engine, *ginlogintest.User) {
	gin.SetMode(gin.TestMode)
	alice := &ginlogintest.User{ID: "alice", Name: "Alice", Stamp: "v1"}
	users := ginlogintest.NewUsers(alice)
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:        [][]byte{secret},
		SessionStore:      ginlogin.NewCookieStore(secret),
		RememberStore:     ginlogin.NewMemoryStore(),
		UserLoader:        users.Load,
		SessionProtection: protection,
	})
	require.NoError(t, err)
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*ginlogintest.User](c)
		c.String(200, u.ID)
	})
	r.GET("/admin", ginlogin.FreshLoginRequired(), func(c *gin.Context) { c.String(200, "admin") })
	return mgr, r, alice
}

func TestLoginRequestWorksUnderEveryProtectionMode(t *testing.T) {
	for _, mode := range []ginlogin.Protection{ginlogin.ProtectionOff, ginlogin.ProtectionBasic, ginlogin.ProtectionStrong} {
		t.Run(string(mode), func(t *testing.T) {
			mgr, r, alice := newApp(t, mode)

			req := httptest.NewRequest("GET", "/admin", nil)
			ginlogintest.LoginRequest(t, mgr, req, alice)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			assert.Equal(t, 200, rec.Code, "fresh login reaches a fresh-only route")

			req = httptest.NewRequest("GET", "/admin", nil)
			ginlogintest.LoginRequest(t, mgr, req, alice, ginlogin.NotFresh())
			rec = httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			assert.Equal(t, 401, rec.Code, "a non-fresh login needs a refresh")

			req = httptest.NewRequest("GET", "/me", nil)
			ginlogintest.LoginRequest(t, mgr, req, alice, ginlogin.NotFresh())
			rec = httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			assert.Equal(t, 200, rec.Code)
			assert.Equal(t, "alice", rec.Body.String())
		})
	}
}

func TestLoginClient(t *testing.T) {
	mgr, r, alice := newApp(t, ginlogin.ProtectionStrong)
	srv := httptest.NewServer(r)
	defer srv.Close()
	client := ginlogintest.LoginClient(t, mgr, srv, alice)
	resp, err := client.Get(srv.URL + "/me")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "alice", string(body))

	anon, err := srv.Client().Get(srv.URL + "/me")
	require.NoError(t, err)
	anon.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, anon.StatusCode)
}

// fatalRecorder is a testing.TB that records Fatalf instead of stopping.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

// Issue 8, item 3: a user lookup that found nobody, passed on as a nil
// *User, fails the test with a message instead of panicking.
func TestCookiesRefusesTypedNilUser(t *testing.T) {
	mgr, _, _ := newApp(t, ginlogin.ProtectionBasic)
	var nobody *ginlogintest.User
	rec := &fatalRecorder{TB: t}
	assert.NotPanics(t, func() {
		assert.Nil(t, ginlogintest.Cookies(rec, mgr, nobody, "192.0.2.1:1234", "test"))
	})
	assert.Contains(t, rec.fatal, "needs a user")
}
