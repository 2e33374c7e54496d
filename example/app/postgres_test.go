package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postgresURL returns DATABASE_URL pointing at a schema of the test's own,
// dropped at the end, or skips the test when DATABASE_URL is unset.
func postgresURL(t *testing.T) string {
	t.Helper()
	u := testenv.PostgresSchema(t, "example_test_")
	if u == "" {
		t.Skip("DATABASE_URL is not set: skipping the PostgreSQL tests (CI sets it)")
	}
	return u
}

// coreFlow runs the behaviour every database must give: registration,
// case-insensitive emails, generic login failures, remember me, API
// tokens, logout everywhere and the user subcommands.
func coreFlow(t *testing.T, s *site) {
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	res := s.browser().post("/register", url.Values{"email": {"ADA@EXAMPLE.COM"}, "name": {"Copy"}, "password": {testPassword}, "confirm_password": {testPassword}})
	assert.Equal(t, http.StatusConflict, res.status)
	assert.Equal(t, 1, s.userCount())

	assert.Equal(t, http.StatusUnauthorized, s.browser().login("ada@example.com", "not the password", false).status)
	assert.Equal(t, http.StatusUnauthorized, s.browser().login("nobody@example.com", testPassword, false).status)

	phone := s.browser()
	require.Equal(t, http.StatusSeeOther, phone.login("Ada@Example.com", testPassword, true).status)
	phone.dropCookie("session")
	assert.True(t, phone.loggedIn(), "remember me")

	token := b.createToken()
	assert.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status)
	var stored string
	require.NoError(t, s.app.Database().DB.QueryRow("SELECT token_hash FROM api_tokens").Scan(&stored))
	assert.NotEqual(t, token, stored)

	current, others := b.devices()
	assert.NotEmpty(t, current)
	assert.Len(t, others, 1)

	require.Equal(t, http.StatusSeeOther, b.post("/logout-all", nil).status)
	assert.False(t, b.loggedIn())
	assert.False(t, phone.loggedIn())

	out, err := userCmd(t, s.cfg, "", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "ada@example.com")
	_, err = userCmd(t, s.cfg, "", "deactivate", "ADA@example.com")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, s.browser().login("ada@example.com", testPassword, false).status)
	_, err = userCmd(t, s.cfg, "", "delete", "ada@example.com")
	require.NoError(t, err)
	assert.Equal(t, 0, s.userCount())
}

func TestCoreFlowOnSQLite(t *testing.T) {
	s := newSite(t)
	assert.Contains(t, s.app.Stores(), "sqlite:")
	coreFlow(t, s)
}

func TestCoreFlowOnPostgres(t *testing.T) {
	dsn := postgresURL(t)
	s := newSite(t, func(c *app.Config) { c.DatabaseURL = dsn })
	assert.Contains(t, s.app.Stores(), "postgres:")
	coreFlow(t, s)
}

func TestPostgresWithRedisSessions(t *testing.T) {
	dsn := postgresURL(t)
	rb := redisBackends(t)[0]
	s := newSite(t, func(c *app.Config) { c.DatabaseURL, c.RedisURL = dsn, rb.url })
	assert.Contains(t, s.app.Stores(), "postgres:")
	assert.Contains(t, s.app.Stores(), "redis:")
	coreFlow(t, s)
}

func TestPostgresSchemaCreationIsIdempotentAndSafeToRace(t *testing.T) {
	dsn := postgresURL(t)
	cfg := app.Config{DatabaseURL: dsn}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := app.OpenDatabase(context.Background(), cfg)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}
}

func TestPostgresPasswordIsNotLogged(t *testing.T) {
	dsn := postgresURL(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), "hunter2-secret")
	cfg := testConfig(t, newClock(), &testenv.LockedBuffer{})
	cfg.DatabaseURL = u.String()
	a, err := app.New(cfg)
	if err == nil { // trust authentication ignores the password
		defer a.Close()
		assert.NotContains(t, a.Stores(), "hunter2-secret")
		return
	}
	assert.False(t, strings.Contains(err.Error(), "hunter2-secret"), "the error does not repeat the password")
}
