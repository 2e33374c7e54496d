package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogout(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status)
	copied := s.browser()
	u, _ := url.Parse(s.srv.URL)
	copied.jar.SetCookies(u, b.jar.Cookies(u))

	res := b.get("/logout")
	assert.Equal(t, http.StatusOK, res.status, "GET /logout shows a button")
	assert.Contains(t, res.body, "Log out?")
	assert.True(t, b.loggedIn(), "GET /logout does not log out")

	res = b.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/", res.location())
	assert.Contains(t, b.get("/").body, "You have been logged out.")
	assert.False(t, b.loggedIn())
	assert.Nil(t, b.cookie("remember_token"), "the remember cookie is deleted")
	assert.False(t, copied.loggedIn(), "copies of the cookies stop working too")
	copied.dropCookie("session")
	assert.False(t, copied.loggedIn(), "the copied remember cookie was revoked")
}

func TestLogoutEverywhereEndsEverySessionAndRememberToken(t *testing.T) {
	s := newSite(t)
	s.browser().register("ada@example.com", "Ada", testPassword)
	laptop, phone := s.browser(), s.browser()
	require.Equal(t, http.StatusSeeOther, laptop.login("ada@example.com", testPassword, true).status)
	require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)

	res := laptop.post("/logout-all", nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/", res.location())
	assert.Contains(t, laptop.get("/").body, "You have been logged out on every device")

	assert.False(t, laptop.loggedIn(), "this session ends too")
	assert.False(t, phone.loggedIn(), "other sessions end")
	phone.dropCookie("session")
	assert.False(t, phone.loggedIn(), "other remember tokens end")

	fresh := s.browser()
	assert.Equal(t, http.StatusSeeOther, fresh.login("ada@example.com", testPassword, false).status, "the password still works")
}

func TestAdminNeedsAFreshLogin(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res := b.get("/admin")
	require.Equal(t, http.StatusOK, res.status, "a login made with the password is fresh")
	assert.Contains(t, res.body, "The site has <strong>1</strong> account.")

	s.clock.Advance(16 * time.Minute)
	res = b.get("/admin")
	require.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/reauthenticate?next=%2Fadmin", res.location())

	res = b.get(res.location())
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Please reauthenticate to access this page.")
	assert.Contains(t, res.body, `name="next" value="/admin"`)

	res = b.post("/reauthenticate", url.Values{"password": {"not the password"}, "next": {"/admin"}})
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, "The password you entered is not correct.")
	assert.Equal(t, http.StatusFound, b.get("/admin").status)

	res = b.post("/reauthenticate", url.Values{"password": {testPassword}, "next": {"/admin"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/admin", res.location())
	assert.Equal(t, http.StatusOK, b.get("/admin").status)
}

func TestReauthenticateRefusesUnsafeNextAndAnonymousUsers(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res := b.post("/reauthenticate", url.Values{"password": {testPassword}, "next": {"https://evil.example/"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/dashboard", res.location())

	res = b.post("/reauthenticate", url.Values{"password": {testPassword + string(make([]byte, 60))}})
	assert.Equal(t, http.StatusBadRequest, res.status)

	anon := s.browser()
	res = anon.get("/reauthenticate")
	assert.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/login?next=%2Freauthenticate", res.location())
}

func TestPasswordChangeKeepsThisSessionAndEndsTheOthers(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	other := s.browser()
	require.Equal(t, http.StatusSeeOther, other.login("ada@example.com", testPassword, true).status)
	b.get("/admin")

	const newPassword = "a much better passphrase"
	res := b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Equal(t, "/profile", res.location())
	res = b.get("/profile")
	require.Equal(t, http.StatusOK, res.status, "this session stays logged in")
	assert.Contains(t, res.body, "Your password was changed.")
	assert.Equal(t, http.StatusOK, b.get("/admin").status, "and fresh")

	assert.False(t, other.loggedIn(), "other sessions end")
	other.dropCookie("session")
	assert.False(t, other.loggedIn(), "other remember tokens end")

	assert.Equal(t, http.StatusUnauthorized, s.browser().login("ada@example.com", testPassword, false).status)
	assert.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", newPassword, false).status)
}

func TestPasswordChangeFailures(t *testing.T) {
	tests := []struct {
		name                  string
		current, next, repeat string
		message               string
	}{
		{"wrong current password", "not the password", "a much better passphrase", "a much better passphrase", "not correct"},
		{"new password too short", testPassword, "short", "short", "at least 12 characters"},
		{"new password over 72 bytes", testPassword, strings.Repeat("p", 73), strings.Repeat("p", 73), "at most 72 bytes"},
		{"new password with NUL", testPassword, "a much better\x00passphrase", "a much better\x00passphrase", "control characters"},
		{"confirmation differs", testPassword, "a much better passphrase", "a much better passphrasE", "do not match"},
		{"same as before", testPassword, testPassword, testPassword, "different from the current one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			b := s.browser()
			b.register("ada@example.com", "Ada", testPassword)
			res := b.post("/profile/password", url.Values{"current_password": {tt.current}, "new_password": {tt.next}, "confirm_password": {tt.repeat}})
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Contains(t, res.body, tt.message)
			assert.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", testPassword, false).status, "the password did not change")
		})
	}
}

func TestPasswordChangeNeedsAFreshLogin(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	s.clock.Advance(16 * time.Minute)
	res := b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {"a much better passphrase"}, "confirm_password": {"a much better passphrase"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/reauthenticate?next=%2Fprofile%2Fpassword", res.location())
	res = b.get("/profile/password")
	assert.Equal(t, "/admin", res.location(), "the form's address leads back to the form")
}

var deviceID = regexp.MustCompile(`action="/profile/devices/revoke" class="inline">\s*<input[^>]*>\s*<input type="hidden" name="id" value="([^"]+)">\s*<button[^>]*>(Revoke|Log out here)`)

// devices returns the public IDs on the profile page: the current device's
// first, then the others.
func (b *browser) devices() (current string, others []string) {
	b.t.Helper()
	res := b.get("/profile")
	require.Equal(b.t, http.StatusOK, res.status)
	for _, m := range deviceID.FindAllStringSubmatch(res.body, -1) {
		if m[2] == "Log out here" {
			current = m[1]
		} else {
			others = append(others, m[1])
		}
	}
	return current, others
}

func TestProfileListsDevicesAndRevokesThem(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	phone := s.browser()
	require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)

	res := b.get("/profile")
	assert.Contains(t, res.body, "This device")
	assert.Contains(t, res.body, "Chrome on Linux")
	current, others := b.devices()
	require.NotEmpty(t, current)
	require.Len(t, others, 1)

	res = b.post("/profile/devices/revoke", url.Values{"id": {others[0]}})
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/profile", res.location())
	assert.Contains(t, b.get("/profile").body, "The device was logged out.")
	assert.False(t, phone.loggedIn())
	phone.dropCookie("session")
	assert.False(t, phone.loggedIn(), "its remember token is revoked too")
	_, others = b.devices()
	assert.Empty(t, others)

	res = b.post("/profile/devices/revoke", url.Values{"id": {"no-such-device"}})
	assert.Equal(t, "/profile", res.location())
	assert.Contains(t, b.get("/profile").body, "That device was not found")

	res = b.post("/profile/devices/revoke", url.Values{"id": {current}})
	assert.Equal(t, "/", res.location(), "revoking this device logs out")
	assert.False(t, b.loggedIn())
}
