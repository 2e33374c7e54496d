package app_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddressKey(t *testing.T) {
	tests := []struct {
		name, addr string
		prefix     int
		want       string
	}{
		{"IPv4 as it is", "203.0.113.7", 64, "203.0.113.7"},
		{"IPv4-mapped IPv6 is IPv4", "::ffff:203.0.113.7", 64, "203.0.113.7"},
		{"IPv6 by its /64", "2001:db8:1:2::1", 64, "2001:db8:1:2::/64"},
		{"another interface ID, same key", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"},
		{"another /64, another key", "2001:db8:1:3::1", 64, "2001:db8:1:3::/64"},
		{"a /56", "2001:db8:1:2ff::1", 56, "2001:db8:1:200::/56"},
		{"a zone is dropped", "fe80::1%eth0", 64, "fe80::/64"},
		{"not an address", "unknown", 64, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, app.AddressKey(tt.addr, tt.prefix))
		})
	}
}

// Behind a trusted proxy, IPv6 clients that differ only in the interface
// ID share one login bucket; another /64 has its own. The test server's
// clients connect from 127.0.0.1, the "proxy".
func TestLoginThrottleKeysIPv6ByPrefix(t *testing.T) {
	s := newSite(t, func(c *app.Config) {
		c.TrustedProxies = []string{"127.0.0.1"}
		c.Throttle.LoginPerAddress = app.Limit{Burst: 2, Every: time.Hour}
	})
	b := s.browser()
	b.get("/login") // picks up the form's CSRF token
	from := func(client string) int {
		t.Helper()
		form := url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}, "csrf_token": {b.csrf}}
		req, err := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", client)
		return b.do(req).status
	}
	assert.Equal(t, http.StatusUnauthorized, from("2001:db8:1:2::1"))
	assert.Equal(t, http.StatusUnauthorized, from("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
	assert.Equal(t, http.StatusTooManyRequests, from("2001:db8:1:2::ffff"), "a new interface ID is no new bucket")
	assert.Equal(t, http.StatusUnauthorized, from("2001:db8:1:3::1"), "another /64 is")

	assert.Equal(t, http.StatusUnauthorized, from("203.0.113.7"))
	assert.Equal(t, http.StatusUnauthorized, from("::ffff:203.0.113.7"))
	assert.Equal(t, http.StatusTooManyRequests, from("203.0.113.7"), "an IPv4-mapped address is the IPv4 address")
	assert.Equal(t, http.StatusUnauthorized, from("203.0.113.8"), "IPv4 is keyed by the full address")
}

func TestThrottleIPv6PrefixFromEnv(t *testing.T) {
	for _, v := range []string{"abc", "16", "129", "-64"} {
		t.Run(v, func(t *testing.T) {
			_, err := app.FromEnv(func(k string) string {
				if k == "THROTTLE_IPV6_PREFIX" {
					return v
				}
				return ""
			})
			var ce *app.ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, "THROTTLE_IPV6_PREFIX", ce.Var)
			assert.Contains(t, err.Error(), "prefix length")
		})
	}
	cfg, err := app.FromEnv(func(k string) string {
		if k == "THROTTLE_IPV6_PREFIX" {
			return " 56 "
		}
		return ""
	})
	require.NoError(t, err)
	assert.Equal(t, 56, cfg.Throttle.IPv6Prefix)
}
