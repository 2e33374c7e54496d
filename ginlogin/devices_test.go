package ginlogin

import (
	"context"
	"errors"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guarantee 5: Devices lists the user's devices and marks this one,
// RevokeDevice ends exactly the chosen device of the logged-in user (never
// another user's), revoking this device logs this browser out, and
// Manager.RevokeAllDevices ends every device of a user.
func TestDevicesAndRevocation(t *testing.T) {
	t.Parallel()
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		store := NewMemoryStore()
		a := newStoreApp(t, kind, func(c *Config) { c.RememberStore = store })
		addAccountRoutes(a)
		this, phone, tablet := threeDevices(a)
		phoneRemember := a.withCookies("remember_token", phone.cookie("remember_token"))
		steve := a.browser()
		steve.getStatus("/login/2", 200)
		steveDevices := steve.devices()
		require.Len(t, steveDevices, 1)

		devs := this.devices()
		require.Len(t, devs, 3)
		var current, phoneID, tabletID string
		for _, d := range devs {
			switch {
			case d.Current:
				current = d.ID
				assert.True(t, d.Remembered)
			case d.Label == "Safari on iOS":
				phoneID = d.ID
				assert.True(t, d.Remembered)
			default:
				tabletID = d.ID
				assert.False(t, d.Remembered)
			}
		}
		require.NotEmpty(t, current)
		require.NotEmpty(t, phoneID)
		require.NotEmpty(t, tabletID)
		for _, d := range devs {
			assert.NotContains(t, this.cookie("remember_token"), d.ID, "public IDs do not reveal selectors")
		}

		// Another user's device cannot be revoked, nor an unknown one.
		assert.Equal(t, 404, this.get("/revoke/"+steveDevices[0].ID).Code)
		assert.Equal(t, 404, this.get("/revoke/nope").Code)
		assert.Equal(t, "2", steve.who().ID)

		this.getStatus("/revoke/"+phoneID, 200)
		assert.True(t, phone.who().Anonymous, "the revoked device's session ends")
		assert.True(t, phoneRemember.who().Anonymous, "and its remember token")
		assert.Equal(t, "1", tablet.who().ID, "other devices stay")
		assert.Len(t, this.devices(), 2)

		// Revoking this device logs this browser out.
		rec := this.getStatus("/revoke/"+current, 200)
		assert.True(t, deletesCookie(t, rec, "remember_token"))
		assert.True(t, this.who().Anonymous)

		// An administrator ends the rest.
		require.NoError(t, a.mgr.RevokeAllDevices(context.Background(), "1"))
		assert.True(t, tablet.who().Anonymous)
		assert.Zero(t, userDeviceCount(t, store, "1"))
		assert.Equal(t, "2", steve.who().ID)
	})
	t.Run("without a RememberStore", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, nil)
		var listErr, revokeErr error
		a.engine.GET("/device-errs", func(c *gin.Context) {
			_, listErr = Devices(c)
			revokeErr = RevokeDevice(c, "x")
			c.String(200, "done")
		})
		b := a.browser()
		b.getStatus("/login/1", 200)
		b.getStatus("/device-errs", 200)
		assert.True(t, errors.Is(listErr, ErrNoRememberStore))
		assert.True(t, errors.Is(revokeErr, ErrNoRememberStore))
		assert.ErrorIs(t, a.mgr.RevokeAllDevices(context.Background(), "1"), ErrNoRememberStore)
	})
}
