package ginlogin

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addPostLogin registers POST /login/:id, a login form's target: it logs the
// user in (remembered with ?remember=1) without asking for the current user
// first.
func addPostLogin(a *testApp) {
	a.engine.POST("/login/:id", loginHandler(a.users, answer("logged in")))
}

// Logging in again from a browser that still holds a remember cookie (after
// a restart, so without a session, and without loading the user first) ends
// the device of that cookie: a copy of the old cookie is anonymous and the
// user has one device, not two.
func TestLoginUserEndsTheOldRememberDevice(t *testing.T) {
	t.Parallel()
	for _, sk := range rememberStoreKinds {
		for _, again := range []string{"1", "2"} { // the same user, or another one
			t.Run(sk.name+"/user"+again, func(t *testing.T) {
				t.Parallel()
				store := sk.make(t)
				a := newTestApp(t, func(c *Config) { c.RememberStore = store })
				addPostLogin(a)
				addAccountRoutes(a)
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				old := b.cookie("remember_token")
				require.NotEmpty(t, old)

				a.clock.Advance(time.Hour)
				b.dropCookie("session") // the browser restarts
				rec := b.do(http.MethodPost, "/login/"+again+"?remember=1", nil)
				require.Equal(t, 200, rec.Code, rec.Body.String())
				assert.NotEqual(t, old, b.cookie("remember_token"), "a new remember token")

				assert.True(t, a.withCookies("remember_token", old).who().Anonymous, "a copy of the old remember cookie is anonymous")
				assert.Equal(t, again, b.who().ID, "the new login works")
				assert.Len(t, b.devices(), 1, "one device, not two")
				assert.Equal(t, 1, userDeviceCount(t, store, again))
				if again != "1" {
					assert.Equal(t, 0, userDeviceCount(t, store, "1"), "the old user's device is gone")
				}
			})
		}
	}
}

// UpdateAuthStamp re-issues the remember token with the login's own
// duration (RememberFor), counted from the login: the cookie's Max-Age and
// Expires and the device's ExpiresAt all keep the login's expiry instead of
// getting the configured default. It holds for a login restored from the
// remember cookie too.
func TestUpdateAuthStampKeepsRememberFor(t *testing.T) {
	t.Parallel()
	schemes := []struct {
		name string
		make func(t *testing.T) RememberStore
	}{{"stateless", func(*testing.T) RememberStore { return nil }}}
	schemes = append(schemes, rememberStoreKinds...)
	for _, sk := range schemes {
		for _, restored := range []bool{false, true} {
			name := sk.name + map[bool]string{false: "/session", true: "/restored"}[restored]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				store := sk.make(t)
				a := newTestApp(t, func(c *Config) {
					if store != nil {
						c.RememberStore = store
					}
				})
				addAccountRoutes(a)
				a.stamped("s1", "v1")
				b := a.browser()
				loginAt := a.clock.Now()
				b.getStatus("/login/s1?duration=2h", 200)
				want := loginAt.Add(2 * time.Hour)

				a.clock.Advance(30 * time.Minute)
				if restored {
					b.dropCookie("session")
					require.Equal(t, "s1", b.who().ID, "restored from the remember cookie")
				}
				rec := b.getStatus("/password/v2", 200)
				cks := parsedSetCookies(t, rec, "remember_token")
				require.Len(t, cks, 1, "the remember token is re-issued")
				assert.Equal(t, int((90 * time.Minute).Seconds()), cks[0].MaxAge, "Max-Age: what is left of the login's 2h")
				assert.True(t, want.Equal(cks[0].Expires), "Expires %v, want %v", cks[0].Expires, want)
				if store != nil {
					devs, err := store.UserDevices(t.Context(), "s1")
					require.NoError(t, err)
					require.Len(t, devs, 1)
					assert.True(t, want.Equal(devs[0].ExpiresAt), "device ExpiresAt %v, want %v", devs[0].ExpiresAt, want)
				}
				a.clock.Advance(90*time.Minute - time.Second)
				b.dropCookie("session")
				assert.Equal(t, "s1", b.who().ID, "the new token works until the login's end")
				a.clock.Advance(2 * time.Second)
				b.dropCookie("session")
				assert.True(t, a.withCookies("remember_token", b.cookie("remember_token")).who().Anonymous, "and not after it")
			})
		}
	}
}

func TestSmokeFlow(t *testing.T) {
	for _, withStore := range []bool{false, true} {
		t.Run(map[bool]string{false: "stateless", true: "store"}[withStore], func(t *testing.T) {
			a := newTestApp(t, func(c *Config) {
				if withStore {
					c.RememberStore = NewMemoryStore()
				}
			})
			b := a.browser()
			assert.True(t, b.who().Anonymous)
			assert.Equal(t, 401, b.get("/protected").Code)
			require.Equal(t, 200, b.get("/login/1?remember=1").Code)
			w := b.who()
			assert.Equal(t, "1", w.ID)
			assert.True(t, w.Fresh)
			assert.True(t, w.Remembered, "the browser holds a remember cookie (Flask-Login's login_remembered)")
			assert.Equal(t, 200, b.get("/protected").Code)
			assert.Equal(t, 200, b.get("/fresh").Code)

			// Browser restart: the remember cookie restores a non-fresh login.
			b.dropCookie("session")
			w = b.who()
			assert.Equal(t, "1", w.ID)
			assert.False(t, w.Fresh)
			assert.True(t, w.Remembered)
			assert.Equal(t, 401, b.get("/fresh").Code)
			assert.Equal(t, 200, b.get("/confirm").Code)
			assert.Equal(t, 200, b.get("/fresh").Code)

			a.clock.Advance(20 * time.Minute)
			assert.Equal(t, 401, b.get("/fresh").Code, "freshness expires")
			assert.Equal(t, 200, b.get("/protected").Code)

			copyB := b.clone()
			require.Equal(t, 200, b.get("/logout").Code)
			assert.True(t, b.who().Anonymous)
			if withStore {
				assert.True(t, copyB.who().Anonymous, "copied cookies die with logout")
			}
		})
	}
}

// Guarantee 5: UpdateAuthStamp (the user changed their own password in
// this browser) keeps this browser logged in and fresh, re-issues its
// remember token if it had one, and ends every other session and token,
// including copies of this browser's old cookies.
func TestUpdateAuthStampKeepsOnlyThisBrowser(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemes {
			for _, remembered := range []bool{true, false} {
				name := kind.name + "/" + scheme.name + map[bool]string{true: "/remembered", false: "/session-only"}[remembered]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					store := scheme.store()
					a := newStoreApp(t, kind, func(c *Config) { c.RememberStore = store })
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
	eachKind(t, allStoreKinds(), func(t *testing.T, kind storeKind) {
		store := NewMemoryStore()
		a := newStoreApp(t, kind, func(c *Config) { c.RememberStore = store })
		addAccountRoutes(a)
		this, phone, tablet := threeDevices(a)
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

// Guarantee 3: replay after logout. An attacker copies the session and
// remember cookies (browser.clone), the user logs out, the attacker replays
// them. With a RememberStore every copy is dead on every session store.
// Without one, server-side stores still kill the copied session (logout
// deletes its record), while on the cookie store the copied session
// cookie and the stateless remember token survive until they time out:
// the documented limitation, asserted here so the docs stay honest.
func TestReplayAfterLogout(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, allStoreKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		store := scheme.store()
		a := newStoreApp(t, kind, func(c *Config) { c.RememberStore = store })
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		require.Equal(t, "1", b.who().ID)

		both := b.clone()
		sessionOnly := a.withCookies("session", b.cookie("session"))
		rememberOnly := a.withCookies("remember_token", b.cookie("remember_token"))

		b.getStatus("/logout", 200)
		assert.True(t, b.who().Anonymous, "the browser that logged out")

		withStore := store != nil
		sessionDies := withStore || kind.serverSide
		if sessionDies {
			assert.True(t, sessionOnly.who().Anonymous, "a copied session cookie is dead after logout")
		} else {
			// Documented limitation: cookie store without a RememberStore.
			assert.Equal(t, "1", sessionOnly.who().ID, "documented: a copied cookie-store session survives logout without a RememberStore")
		}
		if withStore {
			assert.True(t, rememberOnly.who().Anonymous, "a copied remember cookie is revoked by logout")
			assert.True(t, both.who().Anonymous, "copied session and remember cookies together")
			assert.Zero(t, userDeviceCount(t, store, "1"), "logout deleted the device")
		} else {
			// Documented limitation: stateless remember tokens expire
			// or die with the AuthStamp, but logout cannot revoke them.
			assert.Equal(t, "1", rememberOnly.who().ID, "documented: a stateless remember token survives logout")
		}
	})
}

// Guarantee 3: a copied session is also dead after the login ends any
// other way the library ends it: a new login in the same browser.
func TestReplayAfterReLogin(t *testing.T) {
	t.Parallel()
	eachKind(t, serverSideKinds(), func(t *testing.T, kind storeKind) {
		a := newStoreApp(t, kind, nil)
		b := a.browser()
		b.getStatus("/login/1", 200)
		copied := a.withCookies("session", b.cookie("session"))
		b.getStatus("/login/2", 200)
		assert.Equal(t, "2", b.who().ID)
		assert.True(t, copied.who().Anonymous, "the old session record is gone")
	})
}

// Guarantee 10: a logout racing a request in flight on a server-side
// store. The in-flight request loaded the session before the logout and
// saves it afterwards (recording the session's use), which writes the old
// session record back. The login must not come back: with a RememberStore
// the session is bound to its device, which the logout deleted. Without
// one it does come back (documented on Config.RememberStore), asserted so
// the documentation stays honest.
func TestLogoutRacingInFlightRequest(t *testing.T) {
	t.Parallel()
	eachKindScheme(t, serverSideKinds(), func(t *testing.T, kind storeKind, scheme rememberScheme) {
		logoutRace(t, kind, scheme.store())
	})
}

// logoutRace holds a request in flight (its UserLoader blocks) while the
// same browser logs out, then lets it finish and save the session.
func logoutRace(t *testing.T, kind storeKind, store RememberStore) {
	t.Helper()
	var hold atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	a := newTestApp(t, func(c *Config) {
		c.SessionStore = kind.make(t)
		c.RememberStore = store
		load := c.UserLoader
		c.UserLoader = func(ctx context.Context, id string) (User, error) {
			if hold.CompareAndSwap(true, false) {
				close(entered)
				<-release
			}
			return load(ctx, id)
		}
	})
	b := a.browser()
	b.getStatus("/login/1", 200)
	a.clock.Advance(2 * time.Minute) // the in-flight request will record the use
	oldCookies, oldSession := b.jar.Cookies(testOrigin), b.cookie("session")

	hold.Store(true)
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- serveRaw(a.engine, "/whoami", oldCookies) }()
	<-entered // the in-flight request has checked the session and its device

	b.getStatus("/logout", 200)
	assert.True(t, b.who().Anonymous)

	close(release)
	inFlight := <-done
	require.Equal(t, 200, inFlight.Code)
	require.NotEmpty(t, setCookieHeaders(inFlight, "session"), "the in-flight request saved the old session after the logout")

	// The browser that received the in-flight response last, or anyone
	// holding the old cookie, is not logged in.
	replay := a.browser()
	replay.jar.SetCookies(testOrigin, inFlight.Result().Cookies())
	if store == nil {
		assert.Equal(t, "1", replay.who().ID, "documented: without a RememberStore the in-flight save brings the login back")
		return
	}
	assert.True(t, replay.who().Anonymous, "the logout is not undone")
	assert.True(t, a.withCookies("session", oldSession).who().Anonymous)
	assert.Zero(t, userDeviceCount(t, store, "1"))
}

// Guarantee 1: IDs over MaxUserIDLength are refused with ErrUserIDTooLong,
// and nothing is logged in.
func TestUserIDTooLongRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, nil)
	tooLong := &testUser{id: longestUserID + "x"}
	var got error
	a.engine.GET("/toolong", func(c *gin.Context) {
		got = Login(c, tooLong, Remember())
		c.String(200, "done")
	})
	b := a.browser()
	rec := b.getStatus("/toolong", 200)
	assert.True(t, errors.Is(got, ErrUserIDTooLong), "got %v", got)
	assert.Empty(t, setCookieHeaders(rec, "remember_token"))
	assert.True(t, b.who().Anonymous)
}
