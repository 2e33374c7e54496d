package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHomeIsPublicAndShowsWhoIsLoggedIn(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	res := b.get("/")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Not signed in")

	b.register("ada@example.com", "Ada Lovelace", testPassword)
	res = b.get("/")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Signed in as <strong>Ada Lovelace</strong>")
	assert.Contains(t, res.body, `action="/logout"`, "every page has a logout button")
}

func TestRegisterLogsTheNewUserIn(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	require.Equal(t, http.StatusOK, b.get("/register").status)
	res := b.post("/register", url.Values{"email": {"  Ada@Example.com "}, "name": {"Ada Lovelace"}, "password": {testPassword}, "confirm_password": {testPassword}})
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/dashboard", res.location())

	res = b.get("/dashboard")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Hello, Ada Lovelace")
	assert.Contains(t, res.body, "Ada@Example.com")
	assert.Contains(t, res.body, "Welcome, Ada Lovelace!", "the welcome message is flashed")
	assert.Contains(t, res.body, `class="flash flash-success"`)

	var hash string
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT password_hash FROM users").Scan(&hash))
	assert.True(t, strings.HasPrefix(hash, "$2a$"), "the password is stored as a bcrypt hash")
	assert.NotContains(t, hash, testPassword)

	res = b.get("/register")
	assert.Equal(t, http.StatusFound, res.status, "a logged-in user is sent to the dashboard")
}

func TestRegisterRefusesInvalidInputAndCreatesNothing(t *testing.T) {
	long72 := strings.Repeat("a", 72)
	tests := []struct {
		name                           string
		email, userName, pass, confirm string
		message                        string
	}{
		{"empty form", "", "", "", "", "Enter a valid email address"},
		{"email without domain", "ada@", "Ada", testPassword, testPassword, "Enter a valid email address"},
		{"email with display name", "Ada <ada@example.com>", "Ada", testPassword, testPassword, "Enter a valid email address"},
		{"email with a newline", "ada@example.com\nBcc: x@example.com", "Ada", testPassword, testPassword, "Enter a valid email address"},
		{"email too long", strings.Repeat("a", 250) + "@example.com", "Ada", testPassword, testPassword, "Enter a valid email address"},
		{"empty name", "ada@example.com", "  ", testPassword, testPassword, "Enter a name"},
		{"name with NUL", "ada@example.com", "Ada\x00", testPassword, testPassword, "Enter a name"},
		{"name too long", "ada@example.com", strings.Repeat("n", 101), testPassword, testPassword, "Enter a name"},
		{"password too short", "ada@example.com", "Ada", "short pass", "short pass", "at least 12 characters"},
		{"password over 72 bytes", "ada@example.com", "Ada", long72 + "b", long72 + "b", "at most 72 bytes"},
		{"password of 25 three-byte characters", "ada@example.com", "Ada", strings.Repeat("€", 25), strings.Repeat("€", 25), "at most 72 bytes"},
		{"password with a control character", "ada@example.com", "Ada", "correct horse\x07battery", "correct horse\x07battery", "control characters"},
		{"passwords differ", "ada@example.com", "Ada", testPassword, testPassword + "!", "do not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			b := s.browser()
			res := b.post("/register", url.Values{"email": {tt.email}, "name": {tt.userName}, "password": {tt.pass}, "confirm_password": {tt.confirm}})
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Contains(t, res.body, `class="flash flash-error"`)
			assert.Contains(t, res.body, tt.message)
			assert.Contains(t, res.body, `action="/register"`, "the form is shown again")
			assert.Equal(t, 0, s.userCount(), "nothing is created")
			assert.False(t, b.loggedIn())
		})
	}
}

func TestRegisterKeepsValidFieldsButNeverPasswords(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	res := b.post("/register", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {"secret-but-short"}, "confirm_password": {"other"}})
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, res.body, `value="ada@example.com"`)
	assert.Contains(t, res.body, `value="Ada"`)
	assert.NotContains(t, res.body, "secret-but-short")
}

func TestRegisterRefusesAnEmailTakenInAnyCase(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)

	b := s.browser()
	res := b.post("/register", url.Values{"email": {"ADA@Example.COM"}, "name": {"Impostor"}, "password": {testPassword}, "confirm_password": {testPassword}})
	assert.Equal(t, http.StatusConflict, res.status)
	assert.Contains(t, res.body, "An account with this email already exists")
	assert.Equal(t, 1, s.userCount())
	assert.False(t, b.loggedIn())
}
