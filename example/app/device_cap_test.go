package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeviceCapLogsOutTheLeastRecentlyUsedDevice(t *testing.T) {
	s := newSite(t, func(c *app.Config) { c.MaxDevices = 2 })
	laptop := s.browser()
	laptop.register("ada@example.com", "Ada", testPassword)
	s.clock.Advance(time.Minute)
	phone := s.browser()
	require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)
	s.clock.Advance(time.Minute)
	assert.True(t, laptop.loggedIn(), "two devices fit")
	res := laptop.get("/profile")
	assert.Contains(t, res.body, `<span id="device-cap">2 of 2 devices</span>`)

	s.clock.Advance(time.Minute)
	tablet := s.browser()
	require.Equal(t, http.StatusSeeOther, tablet.login("ada@example.com", testPassword, false).status)
	assert.False(t, phone.loggedIn(), "the phone was used least recently: logged out")
	phone.dropCookie("session")
	assert.False(t, phone.loggedIn(), "its remember token too")
	assert.True(t, laptop.loggedIn())
	assert.True(t, tablet.loggedIn())
	assert.Contains(t, tablet.get("/profile").body, `<span id="device-cap">2 of 2 devices</span>`)
	assert.Contains(t, s.logs.String(), "device logged out by the device limit")
}

func TestNoDeviceCapByDefault(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.register("ada@example.com", "Ada", testPassword)
	for range 3 {
		require.Equal(t, http.StatusSeeOther, s.browser().login("ada@example.com", testPassword, false).status)
	}
	assert.True(t, b.loggedIn())
	assert.NotContains(t, b.get("/profile").body, "device-cap")
}

func TestMaxDevicesFromTheEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        int
		bad         bool
	}{
		{"unset", "", 0, false},
		{"a cap", "5", 5, false},
		{"zero", "0", 0, false},
		{"negative", "-1", 0, true},
		{"not a number", "five", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := app.FromEnv(func(k string) string {
				if k == "MAX_DEVICES" {
					return tc.value
				}
				return ""
			})
			if tc.bad {
				var ce *app.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, "MAX_DEVICES", ce.Var)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.MaxDevices)
		})
	}
}
