package ginlogin

import (
	"context"
	"errors"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guarantee 5: sessions and remember tokens are bound to the user's
// credentials. When a user's AuthStamp changes (a password change done
// elsewhere, an administrator's reset), every session and remember token
// (stateless and split) of that user stops working on its next request,
// on cookie and server-side stores.
func TestStampChangeEndsEveryLogin(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				events := &secEvents{}
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = scheme.store()
					c.Hooks.SessionEnded = func(_ *gin.Context, reason error) { events.add("ended %v", reason) }
				})
				a.stamped("s1", "password-hash-1")
				laptop, phone := a.browser(), a.browser()
				laptop.getStatus("/login/s1?remember=1", 200)
				phone.getStatus("/login/s1?remember=1", 200)
				phoneRemember := a.withCookies("remember_token", phone.cookie("remember_token"))
				require.Equal(t, "s1", laptop.who().ID)

				a.stamped("s1", "password-hash-2") // changed outside this browser

				assert.True(t, laptop.who().Anonymous, "a session with the old stamp")
				assert.Equal(t, 401, phone.get("/protected").Code, "another session with the old stamp")
				rec := phoneRemember.getStatus("/whoami", 200)
				assert.Contains(t, rec.Body.String(), `"anonymous":true`, "a remember token with the old stamp")
				assert.True(t, deletesCookie(t, rec, "remember_token"), "the dead remember cookie is deleted")
				assert.Contains(t, events.list(), "ended "+ErrStampChanged.Error())

				// Logging in again with the new credentials works.
				laptop.getStatus("/login/s1", 200)
				assert.Equal(t, "s1", laptop.who().ID)
			})
		}
	}
}

// Guarantee 5: UpdateAuthStamp (the user changed their own password in
// this browser) keeps this browser logged in and fresh, re-issues its
// remember token if it had one, and ends every other session and token,
// including copies of this browser's old cookies.
func TestUpdateAuthStampKeepsOnlyThisBrowser(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemeConfigs {
			for _, remembered := range []bool{true, false} {
				name := kind.name + "/" + scheme.name + map[bool]string{true: "/remembered", false: "/session-only"}[remembered]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					store := scheme.store()
					a := newTestApp(t, func(c *Config) {
						c.SessionStore = kind.make(t)
						c.RememberStore = store
					})
					addAccountRoutes(a)
					a.stamped("s1", "v1")
					this, other := a.browser(), a.browser()
					login := "/login/s1"
					if remembered {
						login += "?remember=1"
					}
					this.getStatus(login, 200)
					other.getStatus("/login/s1?remember=1", 200)
					oldCopy := this.clone()
					otherRemember := a.withCookies("remember_token", other.cookie("remember_token"))
					oldRemember := this.cookie("remember_token")

					rec := this.getStatus("/password/v2", 200)
					w := this.who()
					assert.Equal(t, "s1", w.ID, "this browser stays logged in")
					assert.True(t, w.Fresh, "and fresh")

					newRemember := this.cookie("remember_token")
					if remembered {
						require.Len(t, parsedSetCookies(t, rec, "remember_token"), 1, "the remember token is re-issued")
						assert.NotEqual(t, oldRemember, newRemember)
						restored := a.withCookies("remember_token", newRemember)
						assert.Equal(t, "s1", restored.who().ID, "the new remember token works")
						assert.True(t, a.withCookies("remember_token", oldRemember).who().Anonymous, "the old one does not")
					} else {
						assert.Empty(t, newRemember, "no remember cookie appears")
					}

					assert.True(t, other.who().Anonymous, "another browser's session ends")
					assert.True(t, otherRemember.who().Anonymous, "another browser's remember token ends")
					assert.True(t, oldCopy.who().Anonymous, "a copy of this browser's old cookies ends")
					assert.Equal(t, "s1", this.who().ID, "this browser is still logged in afterwards")
					if store != nil {
						assert.Equal(t, 1, userDeviceCount(t, store, "s1"), "only this browser's new device remains")
					}
				})
			}
		}
	}
}

// Guarantee 5: LogoutEverywhere ends every device of the user, this one
// included. It needs a RememberStore and says so otherwise.
func TestLogoutEverywhere(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			store := NewMemoryStore()
			a := newTestApp(t, func(c *Config) {
				c.SessionStore = kind.make(t)
				c.RememberStore = store
			})
			addAccountRoutes(a)
			this, phone, tablet := a.browser(), a.browser(), a.browser()
			this.getStatus("/login/1?remember=1", 200)
			phone.getStatus("/login/1?remember=1", 200)
			tablet.getStatus("/login/1", 200)
			thisCopy := this.clone()
			phoneRemember := a.withCookies("remember_token", phone.cookie("remember_token"))
			steveBrowser := a.browser()
			steveBrowser.getStatus("/login/2", 200)

			rec := this.getStatus("/everywhere", 200)
			assert.True(t, deletesCookie(t, rec, "remember_token"))
			for name, b := range map[string]*browser{"this": this, "copy of this": thisCopy, "phone": phone, "phone's remember cookie": phoneRemember, "tablet": tablet} {
				assert.True(t, b.who().Anonymous, name)
			}
			assert.Zero(t, userDeviceCount(t, store, "1"))
			assert.Equal(t, "2", steveBrowser.who().ID, "other users are not affected")
		})
	}
	t.Run("without a RememberStore", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, nil)
		var got error
		a.engine.GET("/everywhere-err", func(c *gin.Context) {
			got = LogoutEverywhere(c)
			c.String(200, "done")
		})
		b := a.browser()
		b.getStatus("/login/1", 200)
		b.getStatus("/everywhere-err", 200)
		assert.ErrorIs(t, got, ErrNoRememberStore)
		assert.Equal(t, "1", b.who().ID, "nothing was half done")
	})
}

// Guarantee 5: Devices lists the user's devices and marks this one,
// RevokeDevice ends exactly the chosen device of the logged-in user (never
// another user's), revoking this device logs this browser out, and
// Manager.RevokeAllDevices ends every device of a user.
func TestDevicesAndRevocation(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			store := NewMemoryStore()
			a := newTestApp(t, func(c *Config) {
				c.SessionStore = kind.make(t)
				c.RememberStore = store
			})
			addAccountRoutes(a)
			this, phone, tablet := a.browser(), a.browser(), a.browser()
			phone.userAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/605.1.15"
			this.getStatus("/login/1?remember=1", 200)
			phone.getStatus("/login/1?remember=1", 200)
			tablet.getStatus("/login/1", 200)
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
	}
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

// Guarantee 5: UpdateAuthStamp trusts only a login checked against the old
// stamp. A handler that saves the new stamp before the request's user was
// loaded finds the session ended like every other one (the documented
// order: load, save, UpdateAuthStamp); it fails closed with
// ErrNotAuthenticated and nobody stays logged in.
func TestUpdateAuthStampAfterUnloadedStampChangeFailsClosed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	a.stamped("s1", "v1")
	var got error
	a.engine.GET("/password-unloaded", func(c *gin.Context) {
		updated := a.stamped("s1", "v2") // saved before anything loaded the user
		got = UpdateAuthStamp(c, updated)
		c.String(200, "done")
	})
	b := a.browser()
	b.getStatus("/login/s1", 200)
	b.getStatus("/password-unloaded", 200)
	assert.ErrorIs(t, got, ErrNotAuthenticated)
	assert.True(t, b.who().Anonymous)
}
