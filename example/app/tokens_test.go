package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The lifecycle of an API token: it needs a fresh login to be made, records
// its last use, and ends with the password, "log out everywhere", and the
// account's deactivation or deletion.

// tokenCount counts the API tokens in the database.
func (s *site) tokenCount() int {
	s.t.Helper()
	var n int
	require.NoError(s.t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM api_tokens").Scan(&n))
	return n
}

func TestAPITokensAreRevokedByAPasswordChange(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	first, second := b.createToken(), b.createToken()
	bob := s.browser()
	bob.register("bob@example.com", "Bob", testPassword)
	bobs := bob.createToken()

	b.get("/admin")
	res := b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {newTestPassword}, "confirm_password": {newTestPassword}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Contains(t, b.get("/profile").body, "your API tokens were revoked")

	for _, token := range []string{first, second} {
		assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)
	}
	assert.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", bobs, nil).status, "other users' tokens are kept")
	assert.Equal(t, 1, s.tokenCount())
	assert.Equal(t, http.StatusOK, b.get("/profile").status, "this session stays logged in")
	b.createToken() // and can make new ones
}

func TestAPITokensAreRevokedByLogoutEverywhere(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	res := b.post("/logout-all", nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Contains(t, b.get("/").body, "You have been logged out on every device, and your API tokens were revoked.")
	assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)
	assert.Zero(t, s.tokenCount())
}

func TestAPITokenCreationNeedsAFreshLogin(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	b.createToken() // a login made with the password is fresh

	s.clock.Advance(16 * time.Minute) // past FRESH_FOR, within IDLE_TIMEOUT
	require.True(t, b.loggedIn())

	t.Run("JSON", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/api/tokens", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", b.csrf)
		res := b.do(req)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.Contains(t, res.body, `"error":"reauthentication_required"`)
	})
	t.Run("the profile's form", func(t *testing.T) {
		res := b.post("/api/tokens", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		assert.Equal(t, "/reauthenticate?next=%2Fprofile", res.location())
		assert.Contains(t, b.get(res.location()).body, "Confirm your password to create an API token.")
	})
	assert.Equal(t, 1, s.tokenCount(), "no token was made")

	res := b.post("/reauthenticate", url.Values{"password": {testPassword}, "next": {"/profile"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/profile", res.location())
	b.get("/profile")
	b.createToken()

	t.Run("a login restored from the remember cookie is not fresh", func(t *testing.T) {
		phone := s.browser()
		require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)
		phone.dropCookie("session")
		require.True(t, phone.loggedIn())
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/api/tokens", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", phone.csrf)
		assert.Equal(t, http.StatusUnauthorized, phone.do(req).status)
	})
	assert.Equal(t, 2, s.tokenCount())
}

func TestProfileShowsEachTokensLastUse(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	lastUsed := func() int64 {
		t.Helper()
		var v int64
		require.NoError(t, s.app.Database().DB.QueryRow("SELECT last_used_at FROM api_tokens").Scan(&v))
		return v
	}
	assert.Contains(t, b.get("/profile").body, `<span class="muted">never</span>`)
	assert.Zero(t, lastUsed())

	used := s.clock.Now()
	require.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
	assert.Equal(t, used.UnixMicro(), lastUsed())
	profile := b.get("/profile").body
	assert.NotContains(t, profile, `<span class="muted">never</span>`)
	assert.Contains(t, profile, used.UTC().Format("2 Jan 2006, 15:04 UTC"))

	s.clock.Advance(50 * time.Second)
	require.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
	assert.Equal(t, used.UnixMicro(), lastUsed(), "at most one write a minute per token")

	s.clock.Advance(15 * time.Second)
	require.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
	assert.Equal(t, s.clock.Now().UnixMicro(), lastUsed(), "a minute later the use is recorded again")
}

func TestAPITokensOfDeletedUsersStopWorking(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	require.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
	require.NoError(t, app.RunUserCommand(context.Background(), s.cfg, []string{"delete", "ada@example.com"}, nil, new(strings.Builder)))
	assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)
	assert.Zero(t, s.tokenCount())
}

// The token lookup itself refuses a deactivated owner, so no caller can
// forget the check, and the token's use is not recorded.
func TestTokenStoreRefusesTokensOfDeactivatedUsers(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	token := b.createToken()
	tokens := app.NewTokenStore(s.app.Database())
	ctx := context.Background()

	id, err := tokens.UserID(ctx, token, s.clock.Now())
	require.NoError(t, err)
	require.NotEmpty(t, id)

	require.NoError(t, app.RunUserCommand(ctx, s.cfg, []string{"deactivate", "ada@example.com"}, nil, new(strings.Builder)))
	s.clock.Advance(time.Hour)
	id, err = tokens.UserID(ctx, token, s.clock.Now())
	require.NoError(t, err)
	assert.Empty(t, id, "the deactivated owner's token is unknown")
	assert.Equal(t, http.StatusUnauthorized, s.api(http.MethodGet, "/api/me", token, nil).status)
	list, err := tokens.List(ctx, s.userIDOf("ada@example.com"))
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].LastUsedAt.Before(s.clock.Now().Add(-time.Minute)), "its use was not recorded")
}

// userIDOf returns the ID of the account with the email.
func (s *site) userIDOf(email string) string {
	s.t.Helper()
	u, err := s.app.Users().ByEmail(context.Background(), email)
	require.NoError(s.t, err)
	require.NotNil(s.t, u, email)
	return u.LoginID()
}
