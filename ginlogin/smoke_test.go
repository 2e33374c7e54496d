package ginlogin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
