package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ginlogin/ginlogin/ginlogin"
	"golang.org/x/crypto/bcrypt"
)

// Defaults of the settings read from the environment.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultSQLitePath      = "ginlogin-example.db"
	DefaultBcryptCost      = 12
	DefaultMaxBodyBytes    = 64 << 10
	DefaultCleanupInterval = time.Hour
	DefaultRequestTimeout  = 10 * time.Second
)

// Config is everything the app needs to run. FromEnv fills it from the
// environment; tests build it directly. Zero values mean the defaults above,
// except SecretKey, which New requires.
type Config struct {
	// Addr is where the server listens (ADDR).
	Addr string
	// SQLitePath is the SQLite database file (SQLITE_PATH), used unless
	// DatabaseURL is set.
	SQLitePath string
	// DatabaseURL, when set, keeps users, devices and API tokens in
	// PostgreSQL instead (DATABASE_URL, postgres://...).
	DatabaseURL string
	// RedisURL, when set, keeps sessions in Redis instead of encrypted
	// cookies (REDIS_URL, redis://...).
	RedisURL string
	// RedisKeyPrefix prefixes the session keys in Redis. Default
	// "ginlogin-example:session_".
	RedisKeyPrefix string

	// SecretKey signs and encrypts cookies and tokens (SECRET_KEY, at least
	// 32 bytes). Required; see LoadSecretKey.
	SecretKey []byte

	// CookieInsecure drops the Secure attribute of the cookies
	// (COOKIE_SECURE=false). Browsers keep Secure cookies on
	// http://127.0.0.1 and http://localhost, so the default works locally.
	CookieInsecure bool
	// SessionProtection is off, basic or strong (SESSION_PROTECTION).
	SessionProtection ginlogin.Protection
	// RememberFor, FreshFor, IdleTimeout and AbsoluteTimeout are the
	// REMEMBER_FOR, FRESH_FOR, IDLE_TIMEOUT and ABSOLUTE_TIMEOUT durations.
	// Zero (the variable unset) leaves the choice to ginlogin: its
	// DefaultRememberDuration, DefaultFreshFor, DefaultIdleTimeout and
	// DefaultAbsoluteTimeout. ginlogin.NoTimeout disables the last three.
	RememberFor, FreshFor, IdleTimeout, AbsoluteTimeout time.Duration

	// TrustedProxies lists the addresses or CIDR ranges of the reverse
	// proxies or load balancers in front of the app (TRUSTED_PROXIES,
	// comma-separated). Only requests whose TCP peer is one of them may name
	// the client in X-Forwarded-For or X-Real-IP; the login throttles and
	// ginlogin's session protection then key on that client address. Empty
	// (the default): forwarded headers are never trusted.
	TrustedProxies []string

	// Release is true with GIN_MODE=release.
	Release bool

	// BcryptCost is the bcrypt work factor of new password hashes. Default
	// 12; tests use bcrypt.MinCost. Values below 10 are refused unless
	// AllowWeakHashing is set (for tests only).
	BcryptCost       int
	AllowWeakHashing bool

	// Throttle sets the password-attempt and registration limits, the
	// device cookies and the IPv6 prefix of per-address keys
	// (THROTTLE_IPV6_PREFIX). Zero fields take the defaults of
	// DefaultThrottle; New refuses values out of range.
	Throttle ThrottleConfig

	// MaxDevices caps how many devices (browsers) one user may be logged
	// in from at once (MAX_DEVICES): a login over the cap logs out the
	// user's least recently used device. Default 0: no cap.
	MaxDevices int

	// MaxBodyBytes caps request bodies. Default 64 KiB.
	MaxBodyBytes int64
	// RequestTimeout bounds the store calls of one request, so a hanging
	// database gives a 503 instead of a hung request. Default 10 seconds.
	RequestTimeout time.Duration
	// CleanupInterval is how often expired devices are deleted. Default one
	// hour; negative disables the background cleanup.
	CleanupInterval time.Duration

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives the request log and events. Default slog.Default().
	Logger *slog.Logger
}

// ConfigError names the environment variable whose value is wrong.
type ConfigError struct {
	Var string
	Err error
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// FromEnv reads every setting except the secret key from the environment,
// through getenv (os.Getenv in main). A malformed value is an error naming
// its variable. Call LoadSecretKey before New.
func FromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Addr:        orDefault(getenv("ADDR"), DefaultAddr),
		SQLitePath:  orDefault(getenv("SQLITE_PATH"), DefaultSQLitePath),
		DatabaseURL: strings.TrimSpace(getenv("DATABASE_URL")),
		RedisURL:    strings.TrimSpace(getenv("REDIS_URL")),
		Release:     getenv("GIN_MODE") == "release",
	}
	if cfg.DatabaseURL != "" && !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		return Config{}, &ConfigError{"DATABASE_URL", errors.New("must be a postgres:// URL")}
	}
	if cfg.RedisURL != "" && !strings.HasPrefix(cfg.RedisURL, "redis://") && !strings.HasPrefix(cfg.RedisURL, "rediss://") {
		return Config{}, &ConfigError{"REDIS_URL", errors.New("must be a redis:// or rediss:// URL")}
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return Config{}, &ConfigError{"ADDR", fmt.Errorf("%q is not host:port: %w", cfg.Addr, err)}
	}
	if v := strings.TrimSpace(getenv("COOKIE_SECURE")); v != "" {
		secure, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, &ConfigError{"COOKIE_SECURE", fmt.Errorf("%q is not true or false", v)}
		}
		cfg.CookieInsecure = !secure
	}
	if v := strings.TrimSpace(getenv("THROTTLE_IPV6_PREFIX")); v != "" {
		n, err := strconv.Atoi(v)
		if err == nil {
			err = checkIPv6Prefix(n)
		} else {
			err = fmt.Errorf("%q is not a number: use a prefix length such as 64", v)
		}
		if err != nil {
			return Config{}, &ConfigError{"THROTTLE_IPV6_PREFIX", err}
		}
		cfg.Throttle.IPv6Prefix = n
	}
	if v := strings.TrimSpace(getenv("MAX_DEVICES")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Config{}, &ConfigError{"MAX_DEVICES", fmt.Errorf("%q is not a number of devices: use 0 (no cap) or more", v)}
		}
		cfg.MaxDevices = n
	}
	proxies, err := parseTrustedProxies(getenv("TRUSTED_PROXIES"))
	if err != nil {
		return Config{}, &ConfigError{"TRUSTED_PROXIES", err}
	}
	cfg.TrustedProxies = proxies
	switch p := ginlogin.Protection(strings.ToLower(strings.TrimSpace(getenv("SESSION_PROTECTION")))); p {
	case "":
		cfg.SessionProtection = ginlogin.ProtectionBasic
	case ginlogin.ProtectionOff, ginlogin.ProtectionBasic, ginlogin.ProtectionStrong:
		cfg.SessionProtection = p
	default:
		return Config{}, &ConfigError{"SESSION_PROTECTION", fmt.Errorf("%q is not off, basic or strong", p)}
	}
	durations := []struct {
		name string
		dst  *time.Duration
		off  bool
	}{
		{"REMEMBER_FOR", &cfg.RememberFor, false},
		{"FRESH_FOR", &cfg.FreshFor, true},
		{"IDLE_TIMEOUT", &cfg.IdleTimeout, true},
		{"ABSOLUTE_TIMEOUT", &cfg.AbsoluteTimeout, true},
	}
	for _, d := range durations {
		v, err := parseDuration(getenv(d.name), d.off)
		if err != nil {
			return Config{}, &ConfigError{d.name, err}
		}
		*d.dst = v
	}
	return cfg, nil
}

// parseTrustedProxies reads a comma-separated list of IP addresses and CIDR
// ranges. A range that covers every address would let any client choose its
// address, so it is refused.
func parseTrustedProxies(v string) ([]string, error) {
	var out []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if _, cidr, err := net.ParseCIDR(item); err == nil {
			if ones, _ := cidr.Mask.Size(); ones == 0 {
				return nil, fmt.Errorf("%q trusts every address, so any client could forge its own: name your proxies", item)
			}
		} else if net.ParseIP(item) == nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", item)
		}
		out = append(out, item)
	}
	return out, nil
}

// parseDuration reads a Go duration ("30m", "720h"); "off" gives
// ginlogin.NoTimeout where allowed, and an empty value 0, ginlogin's default.
func parseDuration(v string, offAllowed bool) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if strings.EqualFold(v, "off") {
		if !offAllowed {
			return 0, errors.New(`"off" is not allowed here: use a duration such as 720h`)
		}
		return ginlogin.NoTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Go duration such as 30m or 12h", v)
	}
	if d < time.Second {
		return 0, fmt.Errorf("%q is shorter than one second", v)
	}
	return d, nil
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return def
}

// withDefaults fills in the zero fields and checks the rest.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.SQLitePath == "" {
		cfg.SQLitePath = DefaultSQLitePath
	}
	if cfg.RedisKeyPrefix == "" {
		cfg.RedisKeyPrefix = "ginlogin-example:session_"
	}
	if cfg.SessionProtection == "" {
		cfg.SessionProtection = ginlogin.ProtectionBasic
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = DefaultBcryptCost
	}
	if cfg.BcryptCost > bcrypt.MaxCost || cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost < 10 && !cfg.AllowWeakHashing {
		return cfg, fmt.Errorf("app: bcrypt cost %d is out of range: use 10 to %d", cfg.BcryptCost, bcrypt.MaxCost)
	}
	if _, err := parseTrustedProxies(strings.Join(cfg.TrustedProxies, ",")); err != nil {
		return cfg, fmt.Errorf("app: trusted proxies: %w", err)
	}
	throttle, err := cfg.Throttle.withDefaults()
	if err != nil {
		return cfg, err
	}
	cfg.Throttle = throttle
	if cfg.MaxDevices < 0 {
		return cfg, &ConfigError{"MAX_DEVICES", fmt.Errorf("%d is negative: use 0 (no cap) or more", cfg.MaxDevices)}
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.CleanupInterval == 0 {
		cfg.CleanupInterval = DefaultCleanupInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// IsLoopback reports whether a host:port address is on the loopback
// interface (where browsers accept Secure cookies over plain HTTP).
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
