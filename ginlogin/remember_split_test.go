package ginlogin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file prove each guarantee of the rotation protocol in
// docs/remember-tokens.md on every RememberStore kind (memory, SQLite and,
// with DATABASE_URL, PostgreSQL).

// protocolApp is a test app on a RememberStore, recording TokenTheft.
type protocolApp struct {
	*testApp
	store  RememberStore
	events *secEvents
}

func newProtocolApp(t *testing.T, store RememberStore) *protocolApp {
	t.Helper()
	events := &secEvents{}
	a := newTestApp(t, chain(withRememberStore(store), recordTheft(events)))
	return &protocolApp{testApp: a, store: store, events: events}
}

// restartBrowser ends the browser session, as closing the browser does: the
// next request must restore the login from the remember cookie.
func restartBrowser(b *browser) { b.dropCookie("session") }

// lostResponse sends b's next request and throws the response away, as a
// dropped connection or an aborted navigation does: the server did its
// work, the browser's cookies do not change.
func lostResponse(t *testing.T, b *browser) {
	t.Helper()
	rec := b.clone().getStatus("/whoami", 200)
	require.Contains(t, rec.Body.String(), `"id":"1"`, "the request whose response is lost was logged in")
	require.NotEmpty(t, newRememberValues(rec), "its response carried a rotated token")
}

// days is far beyond the rotation grace window and within the remember
// duration.
const days = 3 * 24 * time.Hour

func forEachRememberStore(t *testing.T, run func(t *testing.T, a *protocolApp)) {
	t.Helper()
	for _, sk := range rememberStoreKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			run(t, newProtocolApp(t, sk.make(t)))
		})
	}
}

// Guarantee 1: a browser that lost a rotation response — of its first
// restore, of a later one, or several in a row — is still logged in on its
// next visit days later, with no theft alarm and the other devices intact.
func TestRememberSurvivesLostRotationResponse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// before is how many restores complete normally (the browser then
		// uses its new session) before the losses.
		before, lost int
	}{
		{"first restore lost", 0, 1},
		{"later restore lost", 2, 1},
		{"three restores in a row lost", 1, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
				browser, laptop := a.browser(), a.browser()
				browser.getStatus("/login/1?remember=1", 200)
				laptop.getStatus("/login/1?remember=1", 200)
				for range tc.before {
					a.clock.Advance(days)
					restartBrowser(browser)
					require.Equal(t, "1", browser.who().ID)
					require.Equal(t, "1", browser.who().ID, "the new session is used")
				}
				for range tc.lost {
					a.clock.Advance(days)
					restartBrowser(browser)
					lostResponse(t, browser)
				}

				a.clock.Advance(days)
				restartBrowser(browser)
				old := browser.cookie("remember_token")
				rec := browser.getStatus("/whoami", 200)
				assert.Contains(t, rec.Body.String(), `"id":"1"`, "still logged in")
				assert.NotEqual(t, old, browser.cookie("remember_token"), "with a new token")
				assert.Equal(t, "1", browser.who().ID, "and the session works")
				assert.Empty(t, a.events.list(), "no theft alarm")
				assert.Equal(t, 2, userDeviceCount(t, a.store, "1"), "both devices are kept")
				assert.Equal(t, "1", laptop.who().ID, "the other device is untouched")

				// And the next restore after that works too.
				a.clock.Advance(days)
				restartBrowser(browser)
				assert.Equal(t, "1", browser.who().ID)
				assert.Empty(t, a.events.list())
			})
		})
	}
}

// Guarantee 2: someone who knows only the selector (the public half) and
// guesses validators is refused, and nothing of the user's changes.
func TestRememberGuessedValidatorRevokesNothing(t *testing.T) {
	t.Parallel()
	forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
		victim := a.browser()
		victim.getStatus("/login/1?remember=1", 200)
		token := victim.cookie("remember_token")
		selector, _ := splitParts(t, token)
		before, err := a.store.Device(t.Context(), selector)
		require.NoError(t, err)

		for i := range 5 {
			guess := make([]byte, validatorBytes)
			_, err := rand.Read(guess)
			require.NoError(t, err)
			a.clock.Advance(days)
			rec := a.withCookies("remember_token", selector+"."+base64.RawURLEncoding.EncodeToString(guess)).getStatus("/whoami", 200)
			assert.Contains(t, rec.Body.String(), `"anonymous":true`, "guess %d is refused", i)
			assert.True(t, deletesCookie(t, rec, "remember_token"), "and its cookie deleted")
		}
		assert.Empty(t, a.events.list(), "a guess is not theft")
		after, err := a.store.Device(t.Context(), selector)
		require.NoError(t, err, "the device is kept")
		assert.Equal(t, before.ValidatorHash, after.ValidatorHash, "its token did not change")
		assert.Equal(t, before.PrevValidatorHash, after.PrevValidatorHash)

		restartBrowser(victim)
		assert.Equal(t, "1", victim.who().ID, "the owner's token still works")
		assert.Empty(t, a.events.list())
	})
}

// Guarantee 3: a token copied to a second browser is caught once both
// copies have been used, whichever was used first, and then neither works.
func TestRememberCopiedTokenIsCaught(t *testing.T) {
	t.Parallel()
	type step func(t *testing.T, a *protocolApp, owner, thief *browser)
	restore := func(who func(owner, thief *browser) *browser) step {
		return func(t *testing.T, a *protocolApp, owner, thief *browser) {
			a.clock.Advance(time.Hour)
			b := who(owner, thief)
			restartBrowser(b)
			b.get("/whoami")
		}
	}
	browse := func(who func(owner, thief *browser) *browser) step {
		return func(t *testing.T, a *protocolApp, owner, thief *browser) {
			a.clock.Advance(time.Minute)
			who(owner, thief).get("/whoami")
		}
	}
	ownerOf := func(o, _ *browser) *browser { return o }
	thiefOf := func(_, th *browser) *browser { return th }
	cases := []struct {
		name  string
		steps []step
	}{
		{"thief first and comes back, then the owner", []step{restore(thiefOf), browse(thiefOf), restore(ownerOf)}},
		{"thief first, owner, then the thief comes back", []step{restore(thiefOf), restore(ownerOf), browse(thiefOf)}},
		{"owner first and comes back, then the thief", []step{restore(ownerOf), browse(ownerOf), restore(thiefOf)}},
		{"owner first, thief, then the owner comes back", []step{restore(ownerOf), restore(thiefOf), browse(ownerOf)}},
		{"owner first, thief, then the owner restores again", []step{restore(ownerOf), restore(thiefOf), restore(ownerOf)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
				owner, laptop := a.browser(), a.browser()
				owner.getStatus("/login/1?remember=1", 200)
				laptop.getStatus("/login/1?remember=1", 200)
				thief := owner.clone()
				thief.dropCookie("session") // only the remember cookie was copied
				for _, s := range tc.steps {
					s(t, a, owner, thief)
				}

				assert.Equal(t, []string{"theft 1"}, a.events.list(), "TokenTheft fires once")
				assert.Zero(t, userDeviceCount(t, a.store, "1"), "every device of the user is revoked")
				for name, b := range map[string]*browser{"owner": owner, "thief": thief, "laptop": laptop} {
					assert.True(t, b.who().Anonymous, "%s: the session ends", name)
					restartBrowser(b)
					assert.True(t, b.who().Anonymous, "%s: the remember cookie is dead", name)
				}
				assert.Equal(t, []string{"theft 1"}, a.events.list(), "and nothing fires again")
			})
		})
	}
}

// Guarantee 3, within the grace window: a copy used right after the owner
// is accepted like a parallel request, and caught when a holder comes back
// after the window.
func TestRememberCopyWithinGraceIsCaughtLater(t *testing.T) {
	t.Parallel()
	forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
		owner := a.browser()
		owner.getStatus("/login/1?remember=1", 200)
		thief := owner.clone()
		thief.dropCookie("session")

		a.clock.Advance(time.Hour)
		restartBrowser(owner)
		require.Equal(t, "1", owner.who().ID)
		a.clock.Advance(time.Second)
		require.Equal(t, "1", thief.who().ID, "within the window the copy looks like a parallel request")
		require.Empty(t, a.events.list())
		owner.get("/whoami") // the owner's session confirms its new token

		a.clock.Advance(days)
		restartBrowser(thief)
		assert.True(t, thief.who().Anonymous, "the copy comes back after the window")
		assert.Equal(t, []string{"theft 1"}, a.events.list())
		assert.True(t, owner.who().Anonymous, "and the owner's login ends with it")
	})
}

// Guarantee 4: parallel requests of one browser, whichever response it
// keeps last, leave it a token that the next visit accepts, without alarm.
func TestRememberParallelRequestsKeepWorking(t *testing.T) {
	t.Parallel()
	for _, keep := range []string{"rotating response last", "grace response last"} {
		t.Run(keep, func(t *testing.T) {
			t.Parallel()
			forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				token := b.cookie("remember_token")
				a.clock.Advance(time.Hour)
				cookies := []*http.Cookie{{Name: "remember_token", Value: token}}
				first := serveRaw(a.engine, "/whoami", cookies)
				second := serveRaw(a.engine, "/whoami", cookies)
				require.Contains(t, first.Body.String(), `"id":"1"`)
				require.Contains(t, second.Body.String(), `"id":"1"`)
				require.Len(t, newRememberValues(first), 1, "the first rotates")
				require.Empty(t, newRememberValues(second), "the second, within the window, does not")

				restartBrowser(b)
				order := []*http.Response{second.Result(), first.Result()}
				if keep == "grace response last" {
					order = []*http.Response{first.Result(), second.Result()}
				}
				for _, r := range order {
					b.jar.SetCookies(testOrigin, r.Cookies())
				}
				assert.Equal(t, "1", b.who().ID, "the session the browser kept works")
				a.clock.Advance(days)
				restartBrowser(b)
				assert.Equal(t, "1", b.who().ID, "the next visit restores")
				assert.Equal(t, "1", b.who().ID)
				assert.Empty(t, a.events.list(), "no theft alarm")
				assert.Equal(t, 1, userDeviceCount(t, a.store, "1"))
			})
		})
	}
}

// The session's token tag: the session of the response that carried the
// current validator confirms it, so a replay of its predecessor after the
// window is theft even though the browser never restored again.
func TestRememberSessionConfirmsItsToken(t *testing.T) {
	t.Parallel()
	forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		selector, _ := splitParts(t, b.cookie("remember_token"))
		d, err := a.store.Device(t.Context(), selector)
		require.NoError(t, err)
		require.False(t, d.ValidatorConfirmed, "not confirmed before the browser comes back")

		b.get("/whoami")
		d, err = a.store.Device(t.Context(), selector)
		require.NoError(t, err)
		assert.True(t, d.ValidatorConfirmed, "the login's session confirms its token")

		a.clock.Advance(time.Hour)
		restartBrowser(b)
		b.get("/whoami")
		d, err = a.store.Device(t.Context(), selector)
		require.NoError(t, err)
		assert.False(t, d.ValidatorConfirmed, "a new token after the restore")
		assert.Len(t, d.RetiredValidatorHashes, 0, "the first rotation retires nothing")
		b.get("/whoami")
		d, err = a.store.Device(t.Context(), selector)
		require.NoError(t, err)
		assert.True(t, d.ValidatorConfirmed, "confirmed by the restore's session")
	})
}

// A device keeps at most MaxRetiredValidators superseded validators.
func TestRememberRetiredValidatorsAreBounded(t *testing.T) {
	t.Parallel()
	forEachRememberStore(t, func(t *testing.T, a *protocolApp) {
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		selector, _ := splitParts(t, b.cookie("remember_token"))
		for range MaxRetiredValidators + 4 {
			a.clock.Advance(time.Hour)
			restartBrowser(b)
			require.Equal(t, "1", b.who().ID)
		}
		d, err := a.store.Device(t.Context(), selector)
		require.NoError(t, err)
		assert.Len(t, d.RetiredValidatorHashes, MaxRetiredValidators)
		assert.Empty(t, a.events.list())
	})
}

// splitParts returns a split token's selector and raw validator.
func splitParts(t *testing.T, value string) (string, []byte) {
	t.Helper()
	selector, validator, ok := parseSplitToken(value)
	require.True(t, ok, "a split token: %q", value)
	return selector, validator
}

// Guarantee 6: remember tokens rotate on each restore (a new cookie value,
// same device); the rotated-out validator is still accepted within the
// grace window without a new cookie (parallel requests of one browser);
// replayed after the window it is taken for theft: every device of the
// user is revoked and Hooks.TokenTheft runs with the user's ID.
func TestRememberTokenRotationAndTheft(t *testing.T) {
	t.Parallel()
	eachRememberStore(t, func(t *testing.T, store RememberStore) {
		events := &secEvents{}
		var logs *logBuffer
		a := newTestApp(t, func(c *Config) {
			c.RememberStore = store
			recordTheft(events)(c)
			logs = captureLogs(c)
		})
		victim, laptop := a.browser(), a.browser()
		victim.getStatus("/login/1?remember=1", 200)
		laptop.getStatus("/login/1?remember=1", 200)
		v0 := victim.cookie("remember_token")
		sel0, _ := splitParts(t, v0)

		// Each restore rotates the validator and sends a new cookie.
		values := []string{v0}
		for range 2 {
			a.clock.Advance(time.Minute)
			victim.dropCookie("session")
			rec := victim.getStatus("/whoami", 200)
			require.Contains(t, rec.Body.String(), `"id":"1"`)
			require.Len(t, parsedSetCookies(t, rec, "remember_token"), 1, "a rotated cookie")
			v := victim.cookie("remember_token")
			sel, _ := splitParts(t, v)
			assert.Equal(t, sel0, sel, "the same device")
			assert.NotContains(t, values, v, "a new validator")
			values = append(values, v)
		}
		stolen := values[1] // rotated out by the last restore
		// The victim comes back with the session of the last restore, which
		// confirms that its response (and the current validator) arrived.
		require.False(t, victim.who().Anonymous)

		// Within the grace window: accepted, and no new cookie.
		a.clock.Advance(DefaultRotationGrace - time.Second)
		rec := a.withCookies("remember_token", stolen).getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"id":"1"`, "a parallel request of the same browser")
		assert.Empty(t, setCookieHeaders(rec, "remember_token"), "no new cookie within the window")
		assert.Empty(t, events.list())

		// After the window, with the current validator confirmed: theft.
		a.clock.Advance(2 * time.Second)
		thief := a.withCookies("remember_token", stolen)
		rec = thief.getStatus("/whoami", 200)
		assert.Contains(t, rec.Body.String(), `"anonymous":true`)
		assert.True(t, deletesCookie(t, rec, "remember_token"))
		assert.Equal(t, []string{"theft 1"}, events.list())
		assert.Zero(t, userDeviceCount(t, store, "1"), "every device of the user is revoked")
		assert.True(t, victim.who().Anonymous, "the victim's session (bound to its device) ends too")
		assert.True(t, laptop.who().Anonymous, "and the user's other devices")
		assert.True(t, a.withCookies("remember_token", values[2]).who().Anonymous, "the current token too")

		// The warning identifies neither the user nor the token.
		joined := strings.Join(logs.lines(), "\n")
		assert.Contains(t, joined, "remember token used by two browsers")
		for _, v := range values {
			assert.NotContains(t, joined, v)
		}
		assert.NotContains(t, joined, "user_id=1 ")
	})
}

// storeBytes returns every stored value of every device, for searching.
func storeBytes(t *testing.T, store RememberStore, userID string) [][]byte {
	t.Helper()
	devs, err := store.UserDevices(context.Background(), userID)
	require.NoError(t, err)
	var out [][]byte
	for _, d := range devs {
		out = append(out, []byte(d.Selector), []byte(d.UserID), d.ValidatorHash, d.PrevValidatorHash, d.StampMAC, []byte(d.Label))
	}
	return out
}

// Guarantee 6: the store keeps only the SHA-256 of the validator, never
// the validator itself (neither raw nor as the cookie text), so a copy of
// the store cannot be turned into cookies. For SQLite every column of
// every row is searched.
func TestRememberStoreKeepsOnlyValidatorHash(t *testing.T) {
	t.Parallel()
	eachRememberStore(t, func(t *testing.T, store RememberStore) {
		a := newTestApp(t, func(c *Config) { c.RememberStore = store })
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		values := []string{b.cookie("remember_token")}
		for range 2 {
			a.clock.Advance(time.Minute)
			b.dropCookie("session")
			b.getStatus("/whoami", 200)
			values = append(values, b.cookie("remember_token"))
		}

		stored := storeBytes(t, store, "1")
		if sql, ok := store.(*SQLStore); ok {
			rows, err := sql.db.Query("SELECT * FROM " + sql.table)
			require.NoError(t, err)
			cols, err := rows.Columns()
			require.NoError(t, err)
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				for _, v := range vals {
					switch v := v.(type) {
					case []byte:
						stored = append(stored, v)
					default:
						stored = append(stored, []byte(fmt.Sprint(v)))
					}
				}
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
		}
		require.NotEmpty(t, stored)
		for _, v := range values {
			_, validator := splitParts(t, v)
			text := base64.RawURLEncoding.EncodeToString(validator)
			for _, field := range stored {
				assert.False(t, bytes.Contains(field, validator), "a raw validator is stored")
				assert.False(t, bytes.Contains(field, []byte(text)), "a validator's text is stored")
			}
		}
		current, validator := splitParts(t, values[len(values)-1])
		d, err := store.Device(context.Background(), current)
		require.NoError(t, err)
		sum := sha256.Sum256(validator)
		assert.Equal(t, sum[:], d.ValidatorHash, "the store keeps the SHA-256 of the current validator")
	})
}

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
	eachRememberStore(t, func(t *testing.T, store RememberStore) {
		events := &secEvents{}
		a := newTestApp(t, chain(withRememberStore(store), recordTheft(events)))
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
