package app_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// userCmd runs a user subcommand with the password on stdin.
func userCmd(t *testing.T, cfg app.Config, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.RunUserCommand(context.Background(), cfg, args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func TestUserCommands(t *testing.T) {
	s := newSite(t)
	cfg := s.cfg

	out, err := userCmd(t, cfg, testPassword+"\n", "add", "Ada@Example.com", "Ada", "Lovelace")
	require.NoError(t, err)
	assert.Equal(t, "created Ada@Example.com (Ada Lovelace)\n", out)
	b := s.browser()
	require.Equal(t, http.StatusSeeOther, b.login("ada@example.com", testPassword, true).status, "the web login works")

	_, err = userCmd(t, cfg, testPassword+"\n", "add", "ada@example.com", "Again")
	assert.ErrorContains(t, err, "exists already")

	out, err = userCmd(t, cfg, "", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "EMAIL")
	assert.Regexp(t, `Ada@Example.com\s+Ada Lovelace\s+active`, out)

	out, err = userCmd(t, cfg, "", "deactivate", "ada@example.com")
	require.NoError(t, err)
	assert.Contains(t, out, "deactivated")
	assert.False(t, b.loggedIn(), "the session ends")
	b.dropCookie("session")
	assert.False(t, b.loggedIn(), "the remember token was revoked")
	assert.Equal(t, http.StatusUnauthorized, s.browser().login("ada@example.com", testPassword, false).status)
	out, _ = userCmd(t, cfg, "", "list")
	assert.Contains(t, out, "deactivated")

	_, err = userCmd(t, cfg, "", "activate", "ADA@example.com")
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", testPassword, false).status)

	other := s.browser()
	require.Equal(t, http.StatusSeeOther, other.login("ada@example.com", testPassword, false).status)
	out, err = userCmd(t, cfg, "", "delete", "ada@example.com")
	require.NoError(t, err)
	assert.Equal(t, "deleted Ada@Example.com\n", out)
	assert.Equal(t, 0, s.userCount())
	assert.False(t, other.loggedIn(), "the deleted user's sessions end")
	var devices int
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT COUNT(*) FROM ginlogin_devices").Scan(&devices))
	assert.Zero(t, devices)
}

func TestUserAddChecksItsInput(t *testing.T) {
	cfg := app.Config{SQLitePath: filepath.Join(t.TempDir(), "cli.db"), BcryptCost: bcrypt.MinCost, AllowWeakHashing: true}
	tests := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"no password", "", []string{"add", "ada@example.com", "Ada"}, "no password on standard input"},
		{"short password", "short\n", []string{"add", "ada@example.com", "Ada"}, "at least 12"},
		{"long password", strings.Repeat("p", 73) + "\n", []string{"add", "ada@example.com", "Ada"}, "at most 72 bytes"},
		{"bad email", testPassword + "\n", []string{"add", "ada", "Ada"}, "valid email"},
		{"no name", testPassword + "\n", []string{"add", "ada@example.com"}, "usage"},
		{"unknown user", "", []string{"deactivate", "nobody@example.com"}, "no account"},
		{"unknown subcommand", "", []string{"promote", "ada@example.com"}, "usage"},
		{"nothing", "", nil, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := userCmd(t, cfg, tt.stdin, tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	out, err := userCmd(t, cfg, "", "list")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, "\n"), "nothing was created: only the header")
}

func TestUserAddReadsOnlyTheFirstLineAndStripsCRLF(t *testing.T) {
	s := newSite(t)
	_, err := userCmd(t, s.cfg, testPassword+"\r\nsecond line\n", "add", "ada@example.com", "Ada")
	require.NoError(t, err)
	assert.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", testPassword, false).status)
}
