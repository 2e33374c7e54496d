package ginlogin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cookieAttrs are the attributes a deletion must repeat for the browser to
// apply it to the cookie that was set.
type cookieAttrs struct {
	Path, Domain     string
	Secure, HttpOnly bool
	SameSite         http.SameSite
}

func attrsOf(ck *http.Cookie) cookieAttrs {
	return cookieAttrs{Path: ck.Path, Domain: ck.Domain, Secure: ck.Secure, HttpOnly: ck.HttpOnly, SameSite: ck.SameSite}
}

// Guarantee 1: on set and on delete, both the session cookie and the
// remember cookie carry HttpOnly, Secure (unless Insecure is configured),
// SameSite (Lax by default, configured values honoured), Path and Domain,
// and a deletion repeats exactly the attributes of the cookie it deletes.
func TestCookieFlagsOnSetAndDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prefix   string // route prefix, matching the configured Path
		mutate   func(*Config)
		session  cookieAttrs
		remember cookieAttrs
	}{
		{
			name:     "defaults",
			prefix:   "",
			mutate:   func(*Config) {},
			session:  cookieAttrs{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode},
			remember: cookieAttrs{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		},
		{
			name:   "configured path, domain and strict",
			prefix: "/app",
			mutate: func(c *Config) {
				c.SessionCookie = SessionCookieConfig{Name: "sid", Domain: "app.example", Path: "/app", SameSite: http.SameSiteStrictMode}
				c.RememberCookie = RememberCookieConfig{Name: "rid", Domain: "app.example", Path: "/app", SameSite: http.SameSiteStrictMode}
			},
			session:  cookieAttrs{Path: "/app", Domain: "app.example", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode},
			remember: cookieAttrs{Path: "/app", Domain: "app.example", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode},
		},
		{
			name:   "SameSite=None stays Secure",
			prefix: "",
			mutate: func(c *Config) {
				c.SessionCookie.SameSite = http.SameSiteNoneMode
				c.RememberCookie.SameSite = http.SameSiteNoneMode
			},
			session:  cookieAttrs{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode},
			remember: cookieAttrs{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode},
		},
		{
			name:   "Insecure drops only Secure",
			prefix: "",
			mutate: func(c *Config) {
				c.SessionCookie.Insecure = true
				c.RememberCookie.Insecure = true
			},
			session:  cookieAttrs{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode},
			remember: cookieAttrs{Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode},
		},
	}
	for _, tt := range tests {
		for _, scheme := range rememberSchemes {
			for _, kind := range []storeKind{cookieKind, memstoreKind} {
				t.Run(tt.name+"/"+scheme.name+"/"+kind.name, func(t *testing.T) {
					t.Parallel()
					a := newTestApp(t, func(c *Config) {
						c.SessionStore = kind.make(t)
						c.RememberStore = scheme.store()
						tt.mutate(c)
					})
					sName, rName := a.cfg.SessionCookie.Name, a.cfg.RememberCookie.Name
					g := a.engine.Group(tt.prefix + "/x")
					g.GET("/login", func(c *gin.Context) {
						if err := Login(c, notch, Remember()); err != nil {
							Fail(c, err)
							return
						}
						c.String(200, "in")
					})
					g.GET("/logout", logoutHandler(answer("out")))
					g.GET("/whoami", func(c *gin.Context) { c.String(200, idOf(c)) })
					b := a.browser()
					var seen []*httptest.ResponseRecorder
					check := func(rec *httptest.ResponseRecorder) {
						t.Helper()
						require.Less(t, rec.Code, 500, rec.Body.String())
						seen = append(seen, rec)
					}

					check(b.getScoped(tt.prefix + "/x/login"))
					setLines := parsedSetCookies(t, seen[0], rName)
					require.Len(t, setLines, 1, "login sets the remember cookie")
					require.False(t, isDeletion(setLines[0]))
					require.Len(t, parsedSetCookies(t, seen[0], sName), 1, "login sets the session cookie")

					// A restore from the remember cookie (a rotation with a store).
					b.jar.SetCookies(testOrigin, []*http.Cookie{{Name: sName, Value: "", MaxAge: -1, Path: tt.session.Path}})
					rec := b.getScoped(tt.prefix + "/x/whoami")
					check(rec)
					require.Equal(t, "1", rec.Body.String(), "the remember cookie restores the login")

					// Logout deletes the remember cookie.
					rec = b.getScoped(tt.prefix + "/x/logout")
					check(rec)
					require.True(t, deletesCookie(t, rec, rName), "logout deletes the remember cookie")

					// A forged remember cookie is deleted too.
					forged := a.browser()
					forged.jar.SetCookies(testOrigin, []*http.Cookie{{Name: rName, Value: "forged", Path: tt.remember.Path, Domain: tt.remember.Domain}})
					rec = forged.getScoped(tt.prefix + "/x/whoami")
					check(rec)
					require.True(t, deletesCookie(t, rec, rName), "a forged remember cookie is deleted")

					var sessionLines, rememberSets, rememberDeletes int
					for _, rec := range seen {
						for _, ck := range parsedSetCookies(t, rec, sName) {
							sessionLines++
							assert.Equal(t, tt.session, attrsOf(ck), "session cookie %q", ck.String())
							assert.LessOrEqual(t, ck.MaxAge, int(a.cfg.AbsoluteTimeout.Seconds()))
						}
						for _, ck := range parsedSetCookies(t, rec, rName) {
							assert.Equal(t, tt.remember, attrsOf(ck), "remember cookie %q", ck.String())
							if isDeletion(ck) {
								rememberDeletes++
								assert.Empty(t, ck.Value)
							} else {
								rememberSets++
							}
						}
					}
					assert.GreaterOrEqual(t, sessionLines, 3)
					assert.GreaterOrEqual(t, rememberSets, 1)
					assert.GreaterOrEqual(t, rememberDeletes, 2)
				})
			}
		}
	}
}

// Guarantee 1: a deletion repeats the attributes of the remember cookie
// even when ScriptReadable drops HttpOnly: set and delete always match.
func TestRememberCookieDeletionMatchesScriptReadable(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *Config) { c.RememberCookie.ScriptReadable = true })
	b := a.browser()
	set := parsedSetCookies(t, b.getStatus("/login/1?remember=1", 200), "remember_token")
	require.Len(t, set, 1)
	assert.False(t, set[0].HttpOnly)
	del := parsedSetCookies(t, b.getStatus("/logout", 200), "remember_token")
	require.Len(t, del, 1)
	assert.True(t, isDeletion(del[0]))
	assert.Equal(t, attrsOf(set[0]), attrsOf(del[0]))
}

// maxCookieBytes is the most a browser stores for one cookie, name and
// value together (RFC 6265 section 6.1; ASVS 5.0 3.3.5).
const maxCookieBytes = 4096

// assertCookiesFit checks every Set-Cookie line of the response.
func assertCookiesFit(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for _, line := range rec.Header().Values("Set-Cookie") {
		nameValue, _, _ := strings.Cut(line, ";")
		assert.LessOrEqual(t, len(nameValue), maxCookieBytes, "cookie too large for a browser: %.60s...", nameValue)
	}
}

// longestUserID is the longest ID Login accepts, in three-byte
// characters.
var longestUserID = strings.Repeat("佐", MaxUserIDLength/3) + strings.Repeat("x", MaxUserIDLength%3)

// Guarantee 1: cookie values stay under 4 KB whatever the inputs: the
// longest allowed user ID of multi-byte characters, a long device label,
// many long flashes and a long `next` kept in the session.
func TestCookieSizesStayUnderBrowserLimit(t *testing.T) {
	t.Parallel()
	require.Len(t, longestUserID, MaxUserIDLength)
	// Messages that grow when JSON-escaped: multi-byte, HTML-escaped and
	// control characters.
	longMessage := strings.Repeat("佐<&>\x01é", 400)
	plainMessage := strings.Repeat("a", maxFlashLength)
	for _, scheme := range rememberSchemes {
		for _, kind := range []storeKind{cookieKind, memstoreKind} {
			t.Run(scheme.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				store := scheme.store()
				a := newTestApp(t, func(c *Config) {
					c.SessionStore = kind.make(t)
					c.RememberStore = store
					c.NextInSession = true
					c.RefreshURL = "/reauth"
				})
				big := a.stamped(longestUserID, strings.Repeat("stamp", 100))
				a.engine.GET("/biglogin", func(c *gin.Context) {
					if err := Login(c, big, Remember(), NotFresh(), DeviceLabel(strings.Repeat("佐", 400))); err != nil {
						Fail(c, err)
						return
					}
					c.String(200, "in")
				})
				a.engine.GET("/flash", func(c *gin.Context) {
					n, _ := strconv.Atoi(c.Query("n"))
					msg := longMessage
					if c.Query("plain") != "" {
						msg = plainMessage
					}
					for i := range n {
						Flash(c, strings.Repeat("c", 100), strconv.Itoa(i)+msg)
					}
					c.String(200, "flashed")
				})
				a.engine.GET("/read", func(c *gin.Context) { c.JSON(200, Flashes(c)) })
				b := a.browser()

				rec := b.getStatus("/biglogin", 200)
				assertCookiesFit(t, rec)
				assert.Equal(t, longestUserID, b.who().ID)

				// Many long flashes while the longest ID is logged in.
				rec = b.getStatus("/flash?n=20", 200)
				assertCookiesFit(t, rec)
				// A flash too large to fit next to the login is dropped rather
				// than failing the request; a long one that fits is kept.
				rec = b.getStatus("/flash?n=1&plain=1", 200)
				assertCookiesFit(t, rec)
				rec = b.getStatus("/read", 200)
				assertCookiesFit(t, rec)
				var read []FlashMessage
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &read))
				require.NotEmpty(t, read, "the newest flash survives")
				assert.Equal(t, "0"+plainMessage[:maxFlashLength-1], read[len(read)-1].Message)

				// A long page address kept in the session for after the
				// reauthentication, plus the refresh flash.
				rec = b.get("/fresh?q=" + strings.Repeat("a", maxNextLength-len("/fresh?q=")))
				require.Equal(t, http.StatusFound, rec.Code, rec.Body.String())
				assertCookiesFit(t, rec)
				assert.Equal(t, longestUserID, b.who().ID, "still logged in")

				// The restored login from the remember cookie fits too.
				b.dropCookie("session")
				rec = b.getStatus("/whoami", 200)
				assertCookiesFit(t, rec)
				assert.Contains(t, rec.Body.String(), `"logged_in":true`)

				if store != nil {
					devs := storedDevices(store.(*MemoryStore))
					require.NotEmpty(t, devs)
					for _, d := range devs {
						assert.LessOrEqual(t, len(d.Label), maxDeviceLabelLength)
						assert.True(t, utf8.ValidString(d.Label), "the label is cut at a character boundary: %q", d.Label)
					}
				}
			})
		}
	}
}
