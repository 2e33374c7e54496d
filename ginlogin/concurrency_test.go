package ginlogin

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveRaw sends one request with the given cookies straight to the
// engine. Unlike browser, it touches no testing.T, so goroutines may call
// it.
func serveRaw(h http.Handler, path string, cookies []*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "https://app.example"+path, nil)
	req.RemoteAddr = "192.0.2.10:4711"
	req.Header.Set("User-Agent", "TestBrowser/1.0")
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// newRememberValues returns the remember cookie values a response sets
// (deletions excluded).
func newRememberValues(rec *httptest.ResponseRecorder) []string {
	var out []string
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "remember_token" && ck.Value != "" && ck.MaxAge >= 0 {
			out = append(out, ck.Value)
		}
	}
	return out
}

// Guarantee 10: many parallel requests of one browser that all carry the
// same remember cookie (tabs restored after a restart) all restore the
// login; the token rotates exactly once; no theft is detected. Proven on
// the memory store and on the SQL store over SQLite, whose rotation is a
// conditional UPDATE.
func TestParallelRestoresOfOneRememberToken(t *testing.T) {
	t.Parallel()
	for _, sk := range rememberStoreKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			store := sk.make(t)
			events := &secEvents{}
			a := newTestApp(t, func(c *Config) {
				c.RememberStore = store
				c.Hooks.TokenTheft = func(_ *gin.Context, id string) { events.add("theft %s", id) }
			})
			b := a.browser()
			b.getStatus("/login/1?remember=1", 200)
			token := b.cookie("remember_token")
			selector, _ := splitParts(t, token)

			const n = 24
			results := make([]*httptest.ResponseRecorder, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					results[i] = serveRaw(a.engine, "/whoami", []*http.Cookie{{Name: "remember_token", Value: token}})
				})
			}
			close(start)
			wg.Wait()

			var rotated []string
			for i, rec := range results {
				require.Equal(t, 200, rec.Code, "request %d: %s", i, rec.Body.String())
				assert.Contains(t, rec.Body.String(), `"id":"1"`, "request %d restored the login", i)
				rotated = append(rotated, newRememberValues(rec)...)
			}
			require.Len(t, rotated, 1, "exactly one rotation")
			assert.NotEqual(t, token, rotated[0])
			assert.Empty(t, events.list(), "no theft detected")

			d, err := store.Device(context.Background(), selector)
			require.NoError(t, err, "the device survives")
			_, validator := splitParts(t, rotated[0])
			sum := sha256.Sum256(validator)
			assert.Equal(t, sum[:], d.ValidatorHash, "the store holds the one rotated validator")
			assert.Equal(t, 1, userDeviceCount(t, store, "1"))
			assert.Equal(t, "1", a.withCookies("remember_token", rotated[0]).who().ID, "the rotated token works")
		})
	}
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
	for _, kind := range serverSideKinds() {
		for _, scheme := range rememberSchemeConfigs {
			t.Run(kind.name+"/"+scheme.name, func(t *testing.T) {
				t.Parallel()
				logoutRace(t, kind, scheme.store())
			})
		}
	}
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

// Guarantee 10: concurrent logins, restores and logouts of many browsers
// against one Manager share no state they should not (run under -race).
func TestManyBrowsersConcurrently(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	a := newTestApp(t, func(c *Config) {
		c.SessionStore = memstoreKind.make(t)
		c.RememberStore = store
	})
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			user := []string{"1", "2"}[i%2]
			rec := serveRaw(a.engine, "/login/"+user+"?remember=1", nil)
			if rec.Code != 200 {
				t.Errorf("login %d: %d", i, rec.Code)
				return
			}
			cookies := rec.Result().Cookies()
			for range 3 {
				rec = serveRaw(a.engine, "/whoami", cookies)
				if !strings.Contains(rec.Body.String(), `"id":"`+user+`"`) {
					t.Errorf("browser %d sees %s", i, rec.Body.String())
				}
			}
			rec = serveRaw(a.engine, "/logout", cookies)
			if rec.Code != 200 {
				t.Errorf("logout %d: %d", i, rec.Code)
			}
			if rec = serveRaw(a.engine, "/whoami", cookies); !strings.Contains(rec.Body.String(), `"anonymous":true`) {
				t.Errorf("browser %d after logout: %s", i, rec.Body.String())
			}
		})
	}
	wg.Wait()
	assert.Zero(t, userDeviceCount(t, store, "1")+userDeviceCount(t, store, "2"), "every logout revoked its device")
}
