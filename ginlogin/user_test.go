package ginlogin

import (
	"context"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dbUser is an application's user type whose methods read its fields, so
// calling one on a nil *dbUser panics, as it would in a real application.
type dbUser struct {
	UserMixin
	id, apiKey string
}

func (u *dbUser) LoginID() string { return u.id }

// findDBUser is an application's lookup: (nil, nil) for an unknown ID,
// typed as *dbUser.
func findDBUser(db *userDB, id string) (*dbUser, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	u, _ := db.users[id].(*dbUser)
	return u, nil
}

// findDBUserByKey looks a user up by API key: (nil, nil) for a wrong key.
func findDBUserByKey(db *userDB, key string) (*dbUser, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, u := range db.users {
		if du, ok := u.(*dbUser); ok && key != "" && du.apiKey == key {
			return du, nil
		}
	}
	return nil, nil
}

// newTypedNilApp is an app whose loaders pass the lookups' *dbUser on as
// they are (`return findDBUser(...)`), so an unknown user or a wrong API
// key reaches ginlogin as a nil *dbUser inside the User interface.
func newTypedNilApp(t *testing.T, store bool) *testApp {
	t.Helper()
	var db *userDB
	a := newTestApp(t, func(c *Config) {
		if store {
			c.RememberStore = NewMemoryStore()
		}
		c.UserLoader = func(_ context.Context, id string) (User, error) { return findDBUser(db, id) }
		c.RequestLoader = func(c *gin.Context) (User, error) { return findDBUserByKey(db, c.GetHeader("X-API-Key")) }
	})
	db = a.users
	db.put(&dbUser{id: "alice", apiKey: "alice-key"})
	return a
}

// Issue 8, item 3: a loader that returns a nil pointer inside the User
// interface means "not found" on every path that loads a user: the
// session, the remember cookie and the request loader. The request is
// anonymous, a guard answers 401, and nothing panics.
func TestTypedNilUserIsNotFound(t *testing.T) {
	t.Parallel()
	for name, store := range map[string]bool{"signed tokens": false, "RememberStore": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			t.Run("session", func(t *testing.T) {
				a := newTypedNilApp(t, store)
				b := a.browser()
				b.getStatus("/login/alice", 200)
				require.Equal(t, "alice", b.who().ID)
				a.users.remove("alice")
				assert.NotPanics(t, func() {
					assert.Equal(t, http.StatusUnauthorized, b.get("/protected").Code)
					w := b.who()
					assert.True(t, w.Anonymous)
					assert.False(t, w.LoggedIn)
				})
			})

			t.Run("remember cookie", func(t *testing.T) {
				a := newTypedNilApp(t, store)
				b := a.browser()
				b.getStatus("/login/alice?remember=1", 200)
				require.NotEmpty(t, b.cookie("remember_token"))
				b.dropCookie("session")
				a.users.remove("alice")
				assert.NotPanics(t, func() {
					assert.Equal(t, http.StatusUnauthorized, b.get("/protected").Code)
					assert.Empty(t, b.cookie("remember_token"), "the remember cookie of a missing user is deleted")
					assert.True(t, b.who().Anonymous)
				})
			})

			t.Run("request loader", func(t *testing.T) {
				a := newTypedNilApp(t, store)
				b := a.browser()
				assert.Equal(t, 200, b.get("/protected", "X-API-Key", "alice-key").Code, "the right key logs in")
				assert.NotPanics(t, func() {
					for _, key := range []string{"wrong-key", ""} {
						rec := b.get("/protected", "X-API-Key", key)
						assert.Equal(t, http.StatusUnauthorized, rec.Code, "key %q", key)
						rec = b.get("/whoami", "X-API-Key", key)
						assert.Contains(t, rec.Body.String(), `"anonymous":true`, "key %q", key)
					}
				})
			})
		})
	}
}

// The helpers that take a user from the application refuse a typed nil
// with an error instead of calling its methods, and the predicates say
// false.
func TestTypedNilUserIsRefusedByHelpers(t *testing.T) {
	t.Parallel()
	a := newTypedNilApp(t, true)
	var nobody *dbUser
	a.engine.GET("/login-nil", func(c *gin.Context) {
		err := Login(c, nobody)
		assert.Error(t, err)
		c.String(200, "refused")
	})
	a.engine.GET("/stamp-nil", func(c *gin.Context) {
		_, _ = CurrentUser(c)
		err := UpdateAuthStamp(c, nobody)
		assert.Error(t, err)
		c.String(200, "refused")
	})
	b := a.browser()
	assert.NotPanics(t, func() {
		b.getStatus("/login-nil", 200)
		assert.True(t, b.who().Anonymous, "nobody was logged in")
		b.getStatus("/login/alice", 200)
		b.getStatus("/stamp-nil", 200)
		assert.Equal(t, "alice", b.who().ID, "the login is unchanged")
	})

	assert.False(t, isLoggedIn(nobody))
	assert.False(t, sameUser(nobody, nobody))
	assert.False(t, sameUser(&dbUser{id: "alice"}, nobody))
	var nilMap mapUser
	assert.True(t, isNilUser(nilMap))
	assert.False(t, isNilUser(mapUser{"id": "x"}))
	assert.True(t, isNilUser(nil))
}

// mapUser is a user type that is a map: a nil one is "no user" too.
type mapUser map[string]string

func (u mapUser) LoginID() string       { return u["id"] }
func (u mapUser) IsActive() bool        { return true }
func (u mapUser) IsAuthenticated() bool { return true }
func (u mapUser) IsAnonymous() bool     { return false }
