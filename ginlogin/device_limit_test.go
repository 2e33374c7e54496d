package ginlogin

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deviceLimitApp caps user 1 ("a kiosk account") at one device and user 2
// at two.
func deviceLimitApp(t *testing.T, refuse bool) (*testApp, *[]string) {
	t.Helper()
	var mu sync.Mutex
	evicted := &[]string{}
	a := newTestApp(t, func(c *Config) {
		c.RememberStore = NewMemoryStore()
		c.MaxDevices = func(u User) int { return map[string]int{"1": 1, "2": 2}[u.LoginID()] }
		c.RefuseOverDeviceLimit = refuse
		c.Hooks.DeviceEvicted = func(_ *gin.Context, userID string, d DeviceInfo) {
			mu.Lock()
			defer mu.Unlock()
			*evicted = append(*evicted, userID+" "+d.Label)
		}
	})
	return a, evicted
}

// Over the cap, the least recently used device is logged out: its session
// stops working and Hooks.DeviceEvicted runs. Logging in again from the
// same browser does not count twice.
func TestDeviceLimitEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	a, evicted := deviceLimitApp(t, false)
	first, second, third := a.browser(), a.browser(), a.browser()
	first.userAgent, second.userAgent, third.userAgent = "First/1", "Second/1", "Third/1"
	first.getStatus("/login/2", 200)
	a.clock.Advance(time.Minute)
	second.getStatus("/login/2", 200)
	a.clock.Advance(time.Minute)
	second.getStatus("/login/2", 200) // again from the same browser
	assert.Empty(t, *evicted, "a browser's own login never counts twice")
	devs, err := a.cfg.RememberStore.UserDevices(t.Context(), "2")
	require.NoError(t, err)
	assert.Len(t, devs, 2, "two devices fit")

	a.clock.Advance(time.Minute)
	third.getStatus("/login/2", 200)
	assert.True(t, first.who().Anonymous, "the least recently used device was logged out")
	assert.Equal(t, "2", second.who().ID)
	assert.Equal(t, "2", third.who().ID)
	require.Len(t, *evicted, 1)
	assert.Contains(t, (*evicted)[0], "2 ")

	kiosk1, kiosk2 := a.browser(), a.browser()
	kiosk1.getStatus("/login/1", 200)
	kiosk2.getStatus("/login/1", 200)
	assert.True(t, kiosk1.who().Anonymous, "a kiosk account has one device")
	assert.Equal(t, "1", kiosk2.who().ID)
	for range 3 {
		a.browser().getStatus("/login/"+url.PathEscape(germanJ.id), 200)
	}
	devs, err = a.cfg.RememberStore.UserDevices(t.Context(), germanJ.id)
	require.NoError(t, err)
	assert.Len(t, devs, 3, "users without a cap are untouched")
}

// With RefuseOverDeviceLimit the new login is refused with
// ErrTooManyDevices and nothing changes; racing logins never leave more
// devices than the cap.
func TestDeviceLimitRefusesOverTheCap(t *testing.T) {
	t.Parallel()
	a, evicted := deviceLimitApp(t, true)
	first, second := a.browser(), a.browser()
	first.getStatus("/login/1", 200)
	rec := second.get("/login/1")
	assert.Equal(t, 500, rec.Code, "the test route answers errors with Fail") // the route's own answer
	assert.True(t, second.who().Anonymous)
	assert.Equal(t, "1", first.who().ID, "the existing device stays")
	assert.Empty(t, *evicted)

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			b := a.browser()
			b.userAgent = fmt.Sprintf("Racer/%d", i)
			b.get("/login/2")
		})
	}
	wg.Wait()
	devs, err := a.cfg.RememberStore.UserDevices(t.Context(), "2")
	require.NoError(t, err)
	assert.LessOrEqual(t, len(devs), 2, "concurrent logins cannot exceed the cap")
}

// MaxDevices needs a RememberStore to count devices: refused by New.
func TestDeviceLimitNeedsARememberStore(t *testing.T) {
	t.Parallel()
	_, err := New(Config{SecretKeys: [][]byte{testSecret}, SessionStore: NewCookieStore(testSecret),
		UserLoader: newUserDB().load, MaxDevices: func(User) int { return 1 }})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MaxDevices needs a RememberStore")
}
