package ginlogin_test

// Flask-Login parity tests, part 7: FlaskLoginClient (#104-#107) becomes
// ginlogintest.LoginRequest and ginlogintest.LoginClient. This file is an
// external test package because ginlogintest imports ginlogin.

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var parityClientSecret = []byte("parity-client-secret-0123456789-abcdefghijklmnop")

// newParityClientApp is Flask-Login's CustomTestClientTestCase app: /username,
// /is-fresh and /is-remembered, with the given session protection.
func newParityClientApp(t *testing.T, p ginlogin.Protection) (*ginlogin.Manager, *gin.Engine, *ginlogintest.User) {
	t.Helper()
	notch := &ginlogintest.User{ID: "1", Name: "Notch"}
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:        [][]byte{parityClientSecret},
		SessionStore:      ginlogin.NewCookieStore(parityClientSecret),
		UserLoader:        ginlogintest.NewUsers(notch).Load,
		SessionProtection: p,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/username", func(c *gin.Context) {
		if u, ok := ginlogin.Current[*ginlogintest.User](c); ok {
			c.String(200, u.Name)
			return
		}
		c.String(200, "Anonymous")
	})
	r.GET("/is-fresh", func(c *gin.Context) { c.String(200, strconv.FormatBool(ginlogin.IsFresh(c))) })
	r.GET("/is-remembered", func(c *gin.Context) { c.String(200, strconv.FormatBool(ginlogin.IsRemembered(c))) })
	return mgr, r, notch
}

// serveParity sends a GET for path, logged in as user with opts unless user
// is nil, and returns the body.
func serveParity(t *testing.T, mgr *ginlogin.Manager, r *gin.Engine, path string, user ginlogin.User, opts ...ginlogin.LoginOption) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if user != nil {
		ginlogintest.LoginRequest(t, mgr, req, user, opts...)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code)
	return rec.Body.String()
}

// Flask-Login #104 test_no_args_to_test_client
func TestParity_NoArgsToTestClient(t *testing.T) {
	mgr, r, _ := newParityClientApp(t, ginlogin.ProtectionOff)
	assert.Equal(t, "Anonymous", serveParity(t, mgr, r, "/username", nil))
}

// Flask-Login #105 test_user_arg_to_test_client
func TestParity_UserArgToTestClient(t *testing.T) {
	mgr, r, notch := newParityClientApp(t, ginlogin.ProtectionOff)
	assert.Equal(t, "Notch", serveParity(t, mgr, r, "/username", notch))
	assert.Equal(t, "true", serveParity(t, mgr, r, "/is-fresh", notch))
	assert.Equal(t, "false", serveParity(t, mgr, r, "/is-remembered", notch))
	assert.Equal(t, "true", serveParity(t, mgr, r, "/is-remembered", notch, ginlogin.Remember()))
}

// Flask-Login #106 test_fresh_login_arg_to_test_client
func TestParity_FreshLoginArgToTestClient(t *testing.T) {
	mgr, r, notch := newParityClientApp(t, ginlogin.ProtectionOff)
	assert.Equal(t, "Notch", serveParity(t, mgr, r, "/username", notch, ginlogin.NotFresh()))
	assert.Equal(t, "false", serveParity(t, mgr, r, "/is-fresh", notch, ginlogin.NotFresh()))
}

// Flask-Login #107 test_session_protection_modes
// Different on purpose: FlaskLoginClient sets no client identifier, so
// under basic protection every request is unfresh and under strong the user
// is logged out (Flask-Login's docs say to turn protection off in tests).
// ginlogintest logs in as a real request from the test's own client would,
// so the user and the freshness asked for hold in every mode, for single
// requests (LoginRequest) and for a client with a cookie jar (LoginClient).
func TestParity_SessionProtectionModes(t *testing.T) {
	for _, p := range []ginlogin.Protection{ginlogin.ProtectionOff, ginlogin.ProtectionBasic, ginlogin.ProtectionStrong} {
		t.Run(string(p), func(t *testing.T) {
			mgr, r, notch := newParityClientApp(t, p)
			assert.Equal(t, "Notch", serveParity(t, mgr, r, "/username", notch))
			assert.Equal(t, "true", serveParity(t, mgr, r, "/is-fresh", notch))
			assert.Equal(t, "false", serveParity(t, mgr, r, "/is-fresh", notch, ginlogin.NotFresh()))

			srv := httptest.NewServer(r)
			defer srv.Close()
			client := ginlogintest.LoginClient(t, mgr, srv, notch)
			for _, tc := range []struct{ path, want string }{
				{"/username", "Notch"},
				{"/is-fresh", "true"},
				{"/username", "Notch"},
			} {
				resp, err := client.Get(srv.URL + tc.path)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, resp.Body.Close())
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(body), tc.path)
			}
		})
	}
}
