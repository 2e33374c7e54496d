package ginlogin_test

// Each benchmark runs ginlogin next to a baseline in the same run, so that
// the ratio is what a reader sees: `make bench` pairs them and prints the
// overhead against the targets (an authenticated request no slower and with
// no more allocations than gin-contrib/sessions' cookie store alone, +3% and
// +1 allocation for requests that never ask for the user).

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
)

// benchSecret is a fixed 48-byte key: baseline and ginlogin use the same
// session keys, so the cookie codec costs the same.
var benchSecret = []byte("bench-secret-6f1c9a0e4b7d2c58a3e9f04b1d6c7a2e9d")

const (
	benchRemoteAddr = "192.0.2.1:4711"
	benchUserAgent  = "BenchBrowser/1.0"
)

// discardLogger keeps the start-up warning about cookie sessions without a
// RememberStore out of the benchmark output.
var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// benchUser is a user as most applications have one: no auth stamp.
type benchUser struct {
	ginlogin.UserMixin
	id, name string
}

func (u *benchUser) LoginID() string { return u.id }

var benchUsers = map[string]*benchUser{"42": {id: "42", name: "Ada"}}

// loadBenchUser is the user loader both variants call: a map lookup, so the
// benchmark measures the library, not a database.
func loadBenchUser(_ context.Context, id string) (ginlogin.User, error) {
	if u, ok := benchUsers[id]; ok {
		return u, nil
	}
	return nil, nil
}

// writeBenchBody is the handler body both variants share.
func writeBenchBody(c *gin.Context, u *benchUser) { c.String(http.StatusOK, u.name) }

// newBenchManager returns a Manager with the default configuration.
func newBenchManager(b *testing.B, store ginlogin.RememberStore) *ginlogin.Manager {
	b.Helper()
	return newBenchManagerOn(b, ginlogin.NewCookieStore(benchSecret), store)
}

// newBenchManagerOn returns a Manager with the default configuration on the
// given session store.
func newBenchManagerOn(b *testing.B, sessionStore sessions.Store, store ginlogin.RememberStore) *ginlogin.Manager {
	b.Helper()
	mgr, err := ginlogin.New(ginlogin.Config{
		SecretKeys:    [][]byte{benchSecret},
		SessionStore:  sessionStore,
		UserLoader:    loadBenchUser,
		RememberStore: store,
		Logger:        discardLogger,
	})
	if err != nil {
		b.Fatal(err)
	}
	return mgr
}

// newBenchRequest returns a GET request from the benchmark's client.
func newBenchRequest(target string, cookies ...*http.Cookie) *http.Request {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = benchRemoteAddr
	req.Header.Set("User-Agent", benchUserAgent)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	return req
}

// serveLoop serves tmpl b.N times, checks the last status and returns the
// last response. The request is copied into one reused value each time,
// because gorilla/sessions caches the decoded session in the request it is
// given: reusing the request itself would skip the cookie decoding from the
// second iteration on.
func serveLoop(b *testing.B, h http.Handler, tmpl *http.Request, want int) *httptest.ResponseRecorder {
	b.Helper()
	req := new(http.Request)
	var rec *httptest.ResponseRecorder
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		*req = *tmpl
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
	}
	b.StopTimer()
	if rec != nil && rec.Code != want {
		b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
	}
	return rec
}

// requireNoSetCookie fails when a request that changes nothing rewrote a
// cookie: the benchmark would then measure encoding, not reading.
func requireNoSetCookie(b *testing.B, rec *httptest.ResponseRecorder) {
	b.Helper()
	if rec != nil && len(rec.Header().Values("Set-Cookie")) > 0 {
		b.Fatalf("unexpected Set-Cookie: %q", rec.Header().Values("Set-Cookie"))
	}
}

// BenchmarkAuthenticated is a logged-in request to a protected page:
// gin-contrib/sessions with the same cookie keys and a handler that reads
// the user ID and loads the user, against ginlogin's LoginRequired and
// CurrentUser with the default configuration.
func BenchmarkAuthenticated(b *testing.B) {
	b.Run("baseline", func(b *testing.B) {
		r := baselineEngine("user_id", nil)
		r.GET("/login", func(c *gin.Context) {
			s := sessions.Default(c)
			s.Set("user_id", "42")
			if err := s.Save(); err != nil {
				c.AbortWithStatus(http.StatusInternalServerError)
				return
			}
			c.Status(http.StatusNoContent)
		})
		login := httptest.NewRecorder()
		r.ServeHTTP(login, newBenchRequest("/login"))
		requireNoSetCookie(b, serveLoop(b, r, newBenchRequest("/me", login.Result().Cookies()...), http.StatusOK))
	})

	// For reference: the baseline handler reading a session that holds what
	// a ginlogin login stores (one login record: user ID, login, last-seen
	// and fresh times, client identifier), taking the user ID from its end.
	// The difference to baseline is the cost of decoding the longer value;
	// the difference to ginlogin is the library's own work and its cookie
	// format. The login is made on gin-contrib's own cookie store, so the
	// cookie is in its format (gob).
	b.Run("sessions_same_values", func(b *testing.B) {
		mgr := newBenchManagerOn(b, cookie.NewStore(ginlogin.SessionKeyPairs(benchSecret)...), nil)
		cookies := ginlogintest.Cookies(b, mgr, benchUsers["42"], benchRemoteAddr, benchUserAgent)
		r := baselineEngine("_login", func(v string) string { return v[strings.LastIndexByte(v, '|')+1:] })
		requireNoSetCookie(b, serveLoop(b, r, newBenchRequest("/me", cookies...), http.StatusOK))
	})

	b.Run("ginlogin", func(b *testing.B) {
		mgr := newBenchManager(b, nil)
		r := gin.New()
		r.Use(ginlogin.Middleware(mgr))
		r.GET("/me", ginlogin.LoginRequired(), func(c *gin.Context) {
			u, _ := ginlogin.Current[*benchUser](c)
			writeBenchBody(c, u)
		})
		cookies := ginlogintest.Cookies(b, mgr, benchUsers["42"], benchRemoteAddr, benchUserAgent)
		requireNoSetCookie(b, serveLoop(b, r, newBenchRequest("/me", cookies...), http.StatusOK))
	})
}

// baselineEngine is an application without ginlogin: gin-contrib/sessions
// with the cookie keys ginlogin derives, and a /me handler that reads the
// user ID from the session under key (through extract, when not nil) and
// loads the user.
func baselineEngine(key string, extract func(string) string) *gin.Engine {
	sessionKey := any(key) // boxed once, as a constant key would be
	r := gin.New()
	r.Use(sessions.Sessions(ginlogin.DefaultSessionName, cookie.NewStore(ginlogin.SessionKeyPairs(benchSecret)...)))
	r.GET("/me", func(c *gin.Context) {
		id, _ := sessions.Default(c).Get(sessionKey).(string)
		if extract != nil && id != "" {
			id = extract(id)
		}
		if id == "" {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		u, err := loadBenchUser(c.Request.Context(), id)
		if err != nil || u == nil {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		writeBenchBody(c, u.(*benchUser))
	})
	return r
}

// BenchmarkAnonymousNoUser is a request without cookies to a page that
// never asks for the user: the cost of having the middleware installed.
func BenchmarkAnonymousNoUser(b *testing.B) {
	hello := func(c *gin.Context) { c.String(http.StatusOK, "hello") }
	b.Run("baseline", func(b *testing.B) {
		r := gin.New()
		r.Use(sessions.Sessions(ginlogin.DefaultSessionName, cookie.NewStore(ginlogin.SessionKeyPairs(benchSecret)...)))
		r.GET("/", hello)
		requireNoSetCookie(b, serveLoop(b, r, newBenchRequest("/"), http.StatusOK))
	})
	b.Run("ginlogin", func(b *testing.B) {
		r := gin.New()
		r.Use(ginlogin.Middleware(newBenchManager(b, nil)))
		r.GET("/", hello)
		requireNoSetCookie(b, serveLoop(b, r, newBenchRequest("/"), http.StatusOK))
	})
}

// BenchmarkRememberRestore is a request that carries only the remember
// cookie (the browser was restarted): the login is restored into a new
// session. Stateless signed tokens are the reference; split tokens look the
// device up and rotate the validator, so every iteration needs a token of
// its own, made by a real login before the timer starts.
func BenchmarkRememberRestore(b *testing.B) {
	b.Run("stateless", func(b *testing.B) {
		mgr := newBenchManager(b, nil)
		r := restoreEngine(mgr)
		tmpl := newBenchRequest("/me", rememberCookies(b, r, 1)[0])
		serveLoop(b, r, tmpl, http.StatusOK)
	})
	b.Run("split_memory", func(b *testing.B) {
		benchSplitRestore(b, ginlogin.NewMemoryStore())
	})
	b.Run("split_sqlite", func(b *testing.B) {
		benchSplitRestore(b, benchSQLiteStore(b))
	})
}

// restoreEngine is the protected page with a login route that remembers.
func restoreEngine(mgr *ginlogin.Manager) *gin.Engine {
	r := gin.New()
	r.Use(ginlogin.Middleware(mgr))
	r.GET("/login", func(c *gin.Context) {
		if err := ginlogin.Login(c, benchUsers["42"], ginlogin.Remember()); err != nil {
			ginlogin.Fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/me", ginlogin.LoginRequired(), func(c *gin.Context) {
		u, _ := ginlogin.Current[*benchUser](c)
		writeBenchBody(c, u)
	})
	return r
}

// rememberCookies logs in n times and returns the remember cookies.
func rememberCookies(b *testing.B, r http.Handler, n int) []*http.Cookie {
	b.Helper()
	out := make([]*http.Cookie, 0, n)
	login := newBenchRequest("/login")
	for range n {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, login.Clone(login.Context()))
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == ginlogin.DefaultRememberCookieName {
				out = append(out, ck)
			}
		}
	}
	if len(out) != n {
		b.Fatalf("%d logins gave %d remember cookies", n, len(out))
	}
	return out
}

// benchSplitRestore restores b.N different split tokens from store.
func benchSplitRestore(b *testing.B, store ginlogin.RememberStore) {
	mgr := newBenchManager(b, store)
	r := restoreEngine(mgr)
	reqs := make([]*http.Request, b.N)
	for i, ck := range rememberCookies(b, r, b.N) {
		reqs[i] = newBenchRequest("/me", ck)
	}
	var rec *httptest.ResponseRecorder
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec = httptest.NewRecorder()
		r.ServeHTTP(rec, reqs[i])
	}
	b.StopTimer()
	if rec != nil && (rec.Code != http.StatusOK || !strings.Contains(strings.Join(rec.Header().Values("Set-Cookie"), "\n"), ginlogin.DefaultRememberCookieName+"=")) {
		b.Fatalf("status %d, Set-Cookie %q: the token was not restored and rotated", rec.Code, rec.Header().Values("Set-Cookie"))
	}
}

// benchSQLiteStore is a SQLStore in a new SQLite file, in WAL mode with
// synchronous=NORMAL as SQLite recommends for WAL, so that the numbers show
// the work per request rather than the disk's flush latency.
func benchSQLiteStore(b *testing.B) *ginlogin.SQLStore {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "devices.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := ginlogin.NewSQLStore(db, ginlogin.SQLite, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSQLiteFloor is what the split-token restore on SQLite cannot do
// without: one device read and one single-row write (TouchDevice, the
// smallest write a RememberStore makes) on the same database set-up as
// BenchmarkRememberRestore/split_sqlite. A restore reads the device and
// writes the rotated validator, so these two are its floor; make bench
// prints them next to the restore.
func BenchmarkSQLiteFloor(b *testing.B) {
	setup := func(b *testing.B) (*ginlogin.SQLStore, []string) {
		store := benchSQLiteStore(b)
		mgr := newBenchManager(b, store)
		r := restoreEngine(mgr)
		var selectors []string
		for _, ck := range rememberCookies(b, r, 1000) {
			selectors = append(selectors, ck.Value[:strings.IndexByte(ck.Value, '.')])
		}
		return store, selectors
	}
	ctx := context.Background()
	b.Run("read", func(b *testing.B) {
		store, selectors := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := store.Device(ctx, selectors[i%len(selectors)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		store, selectors := setup(b)
		now := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := store.TouchDevice(ctx, selectors[i%len(selectors)], now, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
