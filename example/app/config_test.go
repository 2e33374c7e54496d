package app_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// env returns a getenv reading from m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestFromEnvDefaults(t *testing.T) {
	cfg, err := app.FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", cfg.Addr)
	assert.Equal(t, "ginlogin-example.db", cfg.SQLitePath)
	assert.Empty(t, cfg.DatabaseURL)
	assert.Empty(t, cfg.RedisURL)
	assert.False(t, cfg.CookieInsecure, "cookies are Secure by default")
	assert.Equal(t, ginlogin.ProtectionBasic, cfg.SessionProtection)
	assert.Zero(t, cfg.RememberFor, "unset: ginlogin's default")
	assert.Zero(t, cfg.FreshFor, "unset: ginlogin's default")
	assert.Zero(t, cfg.IdleTimeout, "unset: ginlogin's default")
	assert.Zero(t, cfg.AbsoluteTimeout, "unset: ginlogin's default")
	assert.False(t, cfg.Release)
}

// The durations the environment leaves unset are ginlogin's defaults, and
// the login form states the remember duration actually in force.
func TestUnsetDurationsAreTheLibraryDefaults(t *testing.T) {
	fromEnv, err := app.FromEnv(env(nil))
	require.NoError(t, err)
	s := newSite(t, func(cfg *app.Config) {
		cfg.RememberFor, cfg.FreshFor = fromEnv.RememberFor, fromEnv.FreshFor
		cfg.IdleTimeout, cfg.AbsoluteTimeout = fromEnv.IdleTimeout, fromEnv.AbsoluteTimeout
	})
	got := s.app.Manager().Config()
	assert.Equal(t, ginlogin.DefaultRememberDuration, got.RememberCookie.Duration)
	assert.Equal(t, ginlogin.DefaultFreshFor, got.FreshFor)
	assert.Equal(t, ginlogin.DefaultIdleTimeout, got.IdleTimeout)
	assert.Equal(t, ginlogin.DefaultAbsoluteTimeout, got.AbsoluteTimeout)

	page := s.browser().get("/login")
	require.Equal(t, http.StatusOK, page.status)
	days := ginlogin.DefaultRememberDuration / (24 * time.Hour)
	assert.Contains(t, page.body, fmt.Sprintf("Remember me on this device for %d days", days))
}

func TestFromEnvReadsEveryVariable(t *testing.T) {
	cfg, err := app.FromEnv(env(map[string]string{
		"ADDR": "0.0.0.0:9000", "SQLITE_PATH": "/data/site.db", "DATABASE_URL": "postgres://app@db/site",
		"REDIS_URL": "redis://cache:6379/2", "COOKIE_SECURE": "false", "SESSION_PROTECTION": "Strong",
		"REMEMBER_FOR": "168h", "FRESH_FOR": "off", "IDLE_TIMEOUT": "1h", "ABSOLUTE_TIMEOUT": "off", "GIN_MODE": "release",
		"TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 ,fd00::/8",
	}))
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:9000", cfg.Addr)
	assert.Equal(t, "/data/site.db", cfg.SQLitePath)
	assert.Equal(t, "postgres://app@db/site", cfg.DatabaseURL)
	assert.Equal(t, "redis://cache:6379/2", cfg.RedisURL)
	assert.True(t, cfg.CookieInsecure)
	assert.Equal(t, ginlogin.ProtectionStrong, cfg.SessionProtection)
	assert.Equal(t, 168*time.Hour, cfg.RememberFor)
	assert.Equal(t, ginlogin.NoTimeout, cfg.FreshFor)
	assert.Equal(t, time.Hour, cfg.IdleTimeout)
	assert.Equal(t, ginlogin.NoTimeout, cfg.AbsoluteTimeout)
	assert.True(t, cfg.Release)
	assert.Equal(t, []string{"10.0.0.5", "10.1.0.0/16", "fd00::/8"}, cfg.TrustedProxies)
}

func TestFromEnvRefusesBadValuesNamingTheVariable(t *testing.T) {
	tests := []struct{ variable, value string }{
		{"REMEMBER_FOR", "30 days"},
		{"REMEMBER_FOR", "off"},
		{"FRESH_FOR", "15"},
		{"IDLE_TIMEOUT", "-5m"},
		{"ABSOLUTE_TIMEOUT", "500ms"},
		{"SESSION_PROTECTION", "paranoid"},
		{"COOKIE_SECURE", "maybe"},
		{"ADDR", "8080"},
		{"DATABASE_URL", "mysql://app@db/site"},
		{"REDIS_URL", "cache:6379"},
		{"TRUSTED_PROXIES", "0.0.0.0/0"},
		{"TRUSTED_PROXIES", "10.0.0.5,::/0"},
		{"TRUSTED_PROXIES", "balancer.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.variable+"="+tt.value, func(t *testing.T) {
			_, err := app.FromEnv(env(map[string]string{tt.variable: tt.value}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.variable)
			var cfgErr *app.ConfigError
			require.True(t, errors.As(err, &cfgErr))
			assert.Equal(t, tt.variable, cfgErr.Var)
		})
	}
}

func TestSecretKeyIsGeneratedAndKeptOutsideReleaseMode(t *testing.T) {
	dir := t.TempDir()
	logs := &testenv.LockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg := app.Config{SQLitePath: filepath.Join(dir, "site.db")}
	require.NoError(t, app.LoadSecretKey(&cfg, env(nil), logger))
	assert.GreaterOrEqual(t, len(cfg.SecretKey), 32)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "SECRET_KEY is not set")

	path := filepath.Join(dir, "site.secret")
	info, err := os.Stat(path)
	require.NoError(t, err, "the key is kept next to the database")
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again := app.Config{SQLitePath: cfg.SQLitePath}
	require.NoError(t, app.LoadSecretKey(&again, env(nil), logger))
	assert.Equal(t, cfg.SecretKey, again.SecretKey, "the next start reuses it, so sessions survive restarts")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestSecretKeyFromTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg := app.Config{SQLitePath: filepath.Join(dir, "site.db"), Release: true}
	key := "an-environment-secret-of-enough-bytes-0123456789"
	require.NoError(t, app.LoadSecretKey(&cfg, env(map[string]string{"SECRET_KEY": key}), nil))
	assert.Equal(t, []byte(key), cfg.SecretKey)
	_, err := os.Stat(filepath.Join(dir, "site.secret"))
	assert.True(t, os.IsNotExist(err), "nothing is written")
}

func TestSecretKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	t.Run("unset in release mode", func(t *testing.T) {
		cfg := app.Config{SQLitePath: filepath.Join(dir, "site.db"), Release: true}
		err := app.LoadSecretKey(&cfg, env(nil), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SECRET_KEY")
		assert.Contains(t, err.Error(), "GIN_MODE=release")
		_, statErr := os.Stat(filepath.Join(dir, "site.secret"))
		assert.True(t, os.IsNotExist(statErr), "no key is generated")
	})
	t.Run("too short", func(t *testing.T) {
		for _, release := range []bool{false, true} {
			cfg := app.Config{SQLitePath: filepath.Join(dir, "site.db"), Release: release}
			err := app.LoadSecretKey(&cfg, env(map[string]string{"SECRET_KEY": "short-secret"}), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "SECRET_KEY")
			assert.Contains(t, err.Error(), "at least 32")
		}
	})
	t.Run("New without a key", func(t *testing.T) {
		_, err := app.New(app.Config{SQLitePath: filepath.Join(dir, "site.db")})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SECRET_KEY")
	})
	t.Run("New with a made-up key", func(t *testing.T) {
		_, err := app.New(app.Config{SQLitePath: filepath.Join(dir, "site.db"), SecretKey: []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")})
		require.Error(t, err, "ginlogin refuses low-entropy keys")
	})
	t.Run("New with a weak bcrypt cost", func(t *testing.T) {
		_, err := app.New(app.Config{SQLitePath: filepath.Join(dir, "site.db"), SecretKey: testSecret, BcryptCost: 8})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "bcrypt cost")
	})
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, "192.0.2.10:80": false, ":8080": false,
	} {
		assert.Equal(t, want, app.IsLoopback(addr), addr)
	}
}
