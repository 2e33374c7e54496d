package ginlogin

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertRenewed checks that the browser's session was renewed: on a
// server-side store a new ID and the old record deleted (replaying the old
// cookie gives an empty session), on the cookie store new contents.
func assertRenewed(t *testing.T, a *testApp, kind storeKind, before sessionView, oldCookie string, b *browser) sessionView {
	t.Helper()
	after := b.sessView()
	newCookie := b.cookie("session")
	require.NotEmpty(t, newCookie)
	assert.NotEqual(t, oldCookie, newCookie, "a new session cookie")
	if !kind.serverSide {
		assert.NotEqual(t, before.Values, after.Values, "new contents")
		return after
	}
	require.NotEmpty(t, before.ID)
	assert.NotEqual(t, before.ID, after.ID, "a new session ID")
	old := a.withCookies("session", oldCookie).sessView()
	assert.Empty(t, old.Values, "the old session record was deleted")
	return after
}

// Guarantee 4: LoginUser gives a new session; the application's values
// survive a login when nobody was logged in.
func TestLoginRenewsSession(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, func(c *Config) { c.SessionStore = kind.make(t) })
			addSessionRoutes(a)
			b := a.browser()
			b.getStatus("/sess/set?k=cart&v=3-items", 200)
			before, oldCookie := b.sessView(), b.cookie("session")
			require.Equal(t, "3-items", before.Values["cart"])

			b.getStatus("/login/1", 200)
			after := assertRenewed(t, a, kind, before, oldCookie, b)
			assert.Equal(t, "1", loginIn(after.Values).UserID)
			assert.Equal(t, "3-items", after.Values["cart"], "application values survive a login from an anonymous session")
			assert.True(t, a.withCookies("session", oldCookie).who().Anonymous, "the old cookie is not logged in")
		})
	}
}

// Guarantee 4: ConfirmLogin (reauthentication) gives a new session too,
// keeping its values.
func TestConfirmLoginRenewsSession(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, func(c *Config) { c.SessionStore = kind.make(t) })
			addSessionRoutes(a)
			b := a.browser()
			b.getStatus("/login/1", 200)
			b.getStatus("/sess/set?k=cart&v=3-items", 200)
			a.clock.Advance(20 * time.Minute)
			require.False(t, b.who().Fresh)
			before, oldCookie := b.sessView(), b.cookie("session")

			b.getStatus("/confirm", 200)
			after := assertRenewed(t, a, kind, before, oldCookie, b)
			assert.Equal(t, "1", loginIn(after.Values).UserID)
			assert.Equal(t, "3-items", after.Values["cart"])
			assert.True(t, b.who().Fresh)
		})
	}
}

// Guarantee 4: a restore from the remember cookie gives a new session and
// deletes the anonymous one it replaces.
func TestRememberRestoreRenewsSession(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = scheme.store()
				})
				addSessionRoutes(a)
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				b.dropCookie("session")
				// An anonymous session the application started (it does not
				// ask for the user, so nothing is restored yet).
				b.getStatus("/sess/set?k=cart&v=3-items", 200)
				before, oldCookie := b.sessView(), b.cookie("session")
				require.NotContains(t, before.Values, keyLogin)

				w := b.who()
				require.Equal(t, "1", w.ID)
				assert.False(t, w.Fresh, "a restored login is not fresh")
				after := assertRenewed(t, a, kind, before, oldCookie, b)
				assert.Equal(t, "1", loginIn(after.Values).UserID)
				assert.Equal(t, "3-items", after.Values["cart"])
			})
		}
	}
}

// Guarantee 4: library keys planted in the session before the login
// (freshness, device, stamp, login time, client identifier) never carry
// over into the new login.
func TestLoginDropsPlantedLibraryKeys(t *testing.T) {
	t.Parallel()
	for _, kind := range allStoreKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = scheme.store()
				})
				addSessionRoutes(a)
				b := a.browser()
				now := a.clock.Now().Unix()
				// An application that writes the library's key itself
				// (Flask-Login #465): a fresh login of user 1 with a made-up
				// device, stamp, identifier and remember duration.
				planted := loginRecord{
					UserID: "1", LoginAt: 1, SeenAt: now, FreshAt: now, RememberFor: 99999999,
					Identifier: "planted", Stamp: "planted", Device: "planted",
				}.encode()
				b.getStatus("/sess/set?k="+keyLogin+"&v="+url.QueryEscape(planted), 200)
				b.getStatus("/login/1?fresh=0", 200)
				got := loginIn(b.sessView().Values)
				assert.Equal(t, "1", got.UserID)
				assert.Zero(t, got.FreshAt, "a NotFresh login is not fresh, whatever was planted")
				assert.Empty(t, got.Stamp, "the user has no AuthStamp")
				assert.Zero(t, got.RememberFor)
				assert.NotEqual(t, "planted", got.Device)
				assert.NotEqual(t, "planted", got.Identifier)
				assert.Equal(t, now, got.LoginAt)
				assert.False(t, b.who().Fresh)
			})
		}
	}
}

// Guarantee 4: application values survive a login when nobody or the same
// user was logged in, and are dropped when a different user logs in in the
// same browser (Django's flush).
func TestLoginKeepsApplicationValuesOnlyForTheSameUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before string // who is logged in first ("" for nobody)
		then   string
		kept   bool
	}{
		{"nobody logged in", "", "1", true},
		{"same user again", "1", "1", true},
		{"another user", "1", "2", false},
	}
	for _, kind := range allStoreKinds() {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				a := newTestApp(t, func(c *Config) { c.SessionStore = kind.make(t) })
				addSessionRoutes(a)
				b := a.browser()
				if tt.before != "" {
					b.getStatus("/login/"+tt.before, 200)
				}
				b.getStatus("/sess/set?k=cart&v=private", 200)
				b.getStatus("/login/"+tt.then, 200)
				got := b.sessView().Values
				require.Equal(t, tt.then, loginIn(got).UserID)
				if tt.kept {
					assert.Equal(t, "private", got["cart"])
				} else {
					assert.NotContains(t, got, "cart", "another user's data never carries over")
				}
			})
		}
	}
}

// Guarantee 4: session fixation. An attacker obtains an anonymous session
// ID of their own from a server-side store and plants it in the victim's
// browser; the victim logs in; the attacker's ID is not logged in (its
// record is gone) and the victim has another ID.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	for _, kind := range serverSideKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = scheme.store()
				})
				addSessionRoutes(a)
				attacker := a.browser()
				attacker.getStatus("/sess/set?k=lang&v=en", 200)
				planted := attacker.cookie("session")
				attackerID := attacker.sessView().ID
				require.NotEmpty(t, attackerID)

				victim := a.withCookies("session", planted)
				require.Equal(t, attackerID, victim.sessView().ID, "the plant worked")
				victim.getStatus("/login/1?remember=1", 200)
				assert.NotEqual(t, attackerID, victim.sessView().ID)
				assert.Equal(t, "1", victim.who().ID)

				assert.True(t, attacker.who().Anonymous, "the planted ID is not logged in")
				assert.NotContains(t, attacker.sessView().Values, keyLogin)
				assert.Equal(t, 401, attacker.get("/protected").Code)
			})
		}
	}
}

// loginIn parses the login record of a session view ("" gives a zero record).
func loginIn(values map[string]string) loginRecord {
	rec, _ := parseLoginRecord(values[keyLogin])
	return rec
}
