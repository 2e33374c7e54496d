package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeleteAccountNeedsAPasswordFromTheLastFiveMinutesWithGrace(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	other := s.browser()
	require.Equal(t, http.StatusSeeOther, other.login("ada@example.com", testPassword, true).status)
	b.createToken()

	s.clock.Advance(4 * time.Minute)
	res := b.get("/profile/delete")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Delete your account?")
	s.clock.Advance(90 * time.Second) // the password is now 5½ minutes old
	res = b.post("/profile/delete", nil)
	require.Equal(t, http.StatusSeeOther, res.status, "the confirmation page opened in time: the grace lets the form through")
	assert.Equal(t, "/", res.location())
	assert.Contains(t, b.get("/").body, "Your account was deleted.")
	assert.Zero(t, s.userCount())
	assert.Zero(t, s.tokenCount())
	assert.False(t, b.loggedIn())
	assert.False(t, other.loggedIn(), "every device is logged out")
	other.dropCookie("session")
	assert.False(t, other.loggedIn(), "remember tokens too")
	assert.Contains(t, s.logs.String(), "account deleted")
}

func TestDeleteAccountAsksAStaleLoginForThePassword(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	s.clock.Advance(6 * time.Minute)
	assert.Equal(t, http.StatusOK, b.get("/admin").status, "fresh for FRESH_FOR's 15 minutes")

	res := b.get("/profile/delete")
	require.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/reauthenticate?next=%2Fprofile%2Fdelete", res.location())
	res = b.post("/profile/delete", nil)
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, 1, s.userCount(), "a stale login deletes nothing")

	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/profile/delete", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	res = b.do(req)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, `"error":"reauthentication_required"`, "an API client is told to reauthenticate, not to log in")
}
