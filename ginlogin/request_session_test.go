package ginlogin

import (
	"net/http"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionEngines builds the same routes twice: with the session Middleware
// installs itself, and behind gin-contrib's own sessions.Sessions.
func sessionEngines(t *testing.T, store func() sessions.Store) map[string]*testApp {
	t.Helper()
	apps := map[string]*testApp{}
	for _, mode := range []string{"ginlogin", "gin-contrib first"} {
		a := newTestApp(t, func(c *Config) { c.SessionStore = store() })
		if mode == "gin-contrib first" {
			a.engine = gin.New()
			a.engine.Use(sessions.Sessions(a.cfg.SessionCookie.Name, a.cfg.SessionStore), Middleware(a.mgr))
			a.routes()
		}
		s := a.engine
		s.GET("/kv/set", func(c *gin.Context) {
			sess := sessions.Default(c)
			sess.Set(c.Query("k"), c.Query("v"))
			require.NoError(t, sess.Save())
			c.String(200, sess.ID())
		})
		s.GET("/kv/get", func(c *gin.Context) {
			v, _ := sessions.Default(c).Get(c.Query("k")).(string)
			c.String(200, v)
		})
		s.GET("/kv/delete", func(c *gin.Context) {
			sess := sessions.Default(c)
			sess.Delete(c.Query("k"))
			require.NoError(t, sess.Save())
		})
		s.GET("/kv/clear", func(c *gin.Context) {
			sess := sessions.Default(c)
			sess.Clear()
			require.NoError(t, sess.Save())
		})
		s.GET("/kv/flash", func(c *gin.Context) {
			sess := sessions.Default(c)
			sess.AddFlash(c.Query("v"))
			require.NoError(t, sess.Save())
		})
		s.GET("/kv/flashes", func(c *gin.Context) {
			sess := sessions.Default(c)
			fl := sess.Flashes()
			require.NoError(t, sess.Save())
			c.JSON(200, fl)
		})
		s.GET("/kv/expire", func(c *gin.Context) {
			sess := sessions.Default(c)
			sess.Options(sessions.Options{Path: "/", MaxAge: -1})
			require.NoError(t, sess.Save())
		})
		s.GET("/kv/untouched", func(c *gin.Context) {
			require.NoError(t, sessions.Default(c).Save())
		})
		apps[mode] = a
	}
	return apps
}

// The session Middleware installs behaves as gin-contrib's: values, flashes,
// deletion, Options, and no cookie when nothing changed.
func TestRequestSessionBehavesAsGinContribs(t *testing.T) {
	t.Parallel()
	stores := map[string]func() sessions.Store{
		"cookie":   func() sessions.Store { return NewCookieStore(testSecret) },
		"memstore": func() sessions.Store { return memstore.NewStore(SessionKeyPairs(testSecret)...) },
	}
	for storeName, store := range stores {
		for mode, a := range sessionEngines(t, store) {
			t.Run(storeName+"/"+mode, func(t *testing.T) {
				b := a.browser()
				id := b.get("/kv/set?k=lang&v=de").Body.String()
				if storeName == "memstore" {
					assert.NotEmpty(t, id, "server-side stores have an ID")
				}
				assert.Equal(t, "de", b.get("/kv/get?k=lang").Body.String())

				rec := b.get("/kv/untouched")
				assert.Empty(t, setCookieHeaders(rec, "session"), "saving an unchanged session writes nothing")

				b.get("/kv/flash?v=one")
				b.get("/kv/flash?v=two")
				assert.JSONEq(t, `["one","two"]`, b.get("/kv/flashes").Body.String())
				assert.JSONEq(t, `null`, b.get("/kv/flashes").Body.String(), "flashes are read once")

				b.get("/kv/delete?k=lang")
				assert.Empty(t, b.get("/kv/get?k=lang").Body.String())

				b.get("/kv/set?k=a&v=1")
				b.get("/kv/clear")
				assert.Empty(t, b.get("/kv/get?k=a").Body.String())

				b.get("/kv/set?k=a&v=1")
				rec = b.get("/kv/expire")
				require.NotEmpty(t, setCookieHeaders(rec, "session"))
				assert.Empty(t, b.get("/kv/get?k=a").Body.String(), "MaxAge -1 deletes the session")

				// Logins work the same in both modes.
				require.Equal(t, http.StatusOK, b.get("/login/1?remember=1").Code)
				assert.Equal(t, "1", b.who().ID)
				b.dropCookie("session")
				assert.Equal(t, "1", b.who().ID, "restored from the remember cookie")
				require.Equal(t, http.StatusOK, b.get("/logout").Code)
				assert.True(t, b.who().Anonymous)
			})
		}
	}
}
