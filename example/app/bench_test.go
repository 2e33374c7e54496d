package app_test

// BenchmarkAPIMe measures the example app next to a baseline in the same
// run, so that `make bench` prints the ratio: an authenticated
// GET /api/me answered by
//
//   - baseline: gin and gin-contrib/sessions' cookie store (same keys),
//     no ginlogin: the handler reads the user ID from the session, loads
//     the user from the same SQLite users table and writes the same JSON;
//   - baseline_redis: the same on gin-contrib/sessions' Redis store, the
//     sessions-only baseline of the redis variant;
//   - cookie: the example app with its default stores (SQLite, encrypted
//     cookie sessions), every middleware included;
//   - redis: the example app with sessions in Redis (miniredis, or the
//     server of REDIS_URL when it is set).
//
// The example app's extra work per request is its middleware (security
// headers, cross-origin protection, body cap, request timeout, CSRF check)
// and ginlogin's: the session's timestamps, and the device record that
// binds the session to a login (one more SQL query), which is what lets a
// logout on one instance end the session on every other.

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	redisstore "github.com/gin-contrib/sessions/redis"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
	"golang.org/x/crypto/bcrypt"
)

const (
	benchRemoteAddr = "192.0.2.1:4711"
	benchUserAgent  = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36"
	benchEmail      = "ada@example.com"
)

// benchDatabase creates a SQLite file with one user and returns its path.
func benchDatabase(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	ctx := context.Background()
	db, err := app.OpenDatabase(ctx, app.Config{SQLitePath: path})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := app.NewUserStore(db).Create(ctx, benchEmail, "Ada", string(hash), time.Now()); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchRequest is a request from the benchmark's browser.
func benchRequest(method, target string, body string, cookies map[string]*http.Cookie) *http.Request {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.RemoteAddr = benchRemoteAddr
	req.Header.Set("User-Agent", benchUserAgent)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return req
}

// keepCookies adds the response's cookies to jar (and drops deleted ones).
func keepCookies(jar map[string]*http.Cookie, rec *httptest.ResponseRecorder) {
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(jar, c.Name)
			continue
		}
		jar[c.Name] = &http.Cookie{Name: c.Name, Value: c.Value}
	}
}

var benchCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// benchLogin logs in through the app's login form and returns the cookies.
func benchLogin(b *testing.B, h http.Handler) map[string]*http.Cookie {
	b.Helper()
	jar := map[string]*http.Cookie{}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, benchRequest(http.MethodGet, "/login", "", jar))
	m := benchCSRF.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		b.Fatalf("GET /login: %d without a CSRF token", rec.Code)
	}
	keepCookies(jar, rec)
	form := url.Values{"email": {benchEmail}, "password": {testPassword}, "csrf_token": {m[1]}}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, benchRequest(http.MethodPost, "/login", form.Encode(), jar))
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("POST /login: %d: %s", rec.Code, rec.Body)
	}
	keepCookies(jar, rec)
	return jar
}

// serveAPIMe serves GET /api/me b.N times and returns the last answer,
// after checking that it is the user's JSON and changed no cookie. The
// request is copied into one reused value each time, because
// gorilla/sessions caches the decoded session in the request it is given.
func serveAPIMe(b *testing.B, h http.Handler, cookies map[string]*http.Cookie) string {
	b.Helper()
	tmpl := benchRequest(http.MethodGet, "/api/me", "", cookies)
	tmpl.Header.Set("Accept", "application/json")
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
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"email":"`+benchEmail+`"`) {
		b.Fatalf("GET /api/me: %d: %s", rec.Code, rec.Body)
	}
	if set := rec.Header().Values("Set-Cookie"); len(set) > 0 {
		b.Fatalf("GET /api/me rewrote a cookie, so the benchmark measures encoding: %q", set)
	}
	return rec.Body.String()
}

// baselineHandler is gin with gin-contrib/sessions' cookie store and
// nothing else.
func baselineHandler(b *testing.B, sqlitePath string) (http.Handler, map[string]*http.Cookie) {
	b.Helper()
	return baselineWith(b, sqlitePath, cookie.NewStore(ginlogin.SessionKeyPairs(testSecret)...))
}

// baselineRedisHandler is gin with gin-contrib/sessions' Redis store (its
// default serializer, the same key prefix scheme) and nothing else: the
// sessions-only baseline for the app on Redis sessions.
func baselineRedisHandler(b *testing.B, sqlitePath string) (http.Handler, map[string]*http.Cookie) {
	b.Helper()
	redisURL, prefix := benchRedis(b)
	pool := &redis.Pool{MaxIdle: 8, Dial: func() (redis.Conn, error) { return redis.DialURL(redisURL) }}
	b.Cleanup(func() { pool.Close() })
	store, err := redisstore.NewStoreWithPool(pool, ginlogin.SessionKeyPairs(testSecret)...)
	if err != nil {
		b.Fatal(err)
	}
	rs, err := redisstore.GetRedisStore(store)
	if err != nil {
		b.Fatal(err)
	}
	rs.SetKeyPrefix(prefix)
	return baselineWith(b, sqlitePath, store)
}

// baselineWith is the sessions-only baseline on store.
func baselineWith(b *testing.B, sqlitePath string, store sessions.Store) (http.Handler, map[string]*http.Cookie) {
	b.Helper()
	db, err := app.OpenDatabase(context.Background(), app.Config{SQLitePath: sqlitePath})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	users := app.NewUserStore(db)
	u, err := users.ByEmail(context.Background(), benchEmail)
	if err != nil || u == nil {
		b.Fatalf("the benchmark user: %v", err)
	}
	r := gin.New()
	r.Use(sessions.Sessions("session", store))
	r.GET("/bench-login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user_id", u.LoginID())
		if err := s.Save(); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/api/me", func(c *gin.Context) {
		id, _ := sessions.Default(c).Get("user_id").(string)
		if id == "" {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		user, err := users.ByID(c.Request.Context(), id)
		if err != nil {
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable"})
			return
		}
		if user == nil {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": user.LoginID(), "email": user.Email, "name": user.Name})
	})
	jar := map[string]*http.Cookie{}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, benchRequest(http.MethodGet, "/bench-login", "", jar))
	keepCookies(jar, rec)
	return r, jar
}

// benchApp is the example app on sqlitePath, with its log discarded.
func benchApp(b *testing.B, sqlitePath string, configure func(*app.Config)) http.Handler {
	b.Helper()
	cfg := app.Config{
		SQLitePath:       sqlitePath,
		SecretKey:        testSecret,
		BcryptCost:       bcrypt.MinCost,
		AllowWeakHashing: true,
		CleanupInterval:  -1,
		Logger:           slog.New(slog.DiscardHandler),
	}
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a.Handler()
}

// benchRedis returns REDIS_URL with a key prefix of the benchmark's own
// (its keys are deleted at the end), or a miniredis.
func benchRedis(b *testing.B) (redisURL, prefix string) {
	b.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		mr := miniredis.NewMiniRedis()
		if err := mr.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(mr.Close)
		return "redis://" + mr.Addr() + "/0", "bench:"
	}
	prefix = "ginlogin-example-bench-" + rand.Text() + ":"
	b.Cleanup(func() {
		conn, err := redis.DialURL(u)
		if err != nil {
			return
		}
		defer conn.Close()
		keys, _ := redis.Strings(conn.Do("KEYS", prefix+"*"))
		for _, k := range keys {
			_, _ = conn.Do("DEL", k)
		}
	})
	return u, prefix
}

func BenchmarkAPIMe(b *testing.B) {
	path := benchDatabase(b)
	bodies := map[string]string{}
	b.Run("baseline", func(b *testing.B) {
		h, cookies := baselineHandler(b, path)
		bodies["baseline"] = serveAPIMe(b, h, cookies)
	})
	b.Run("baseline_redis", func(b *testing.B) {
		h, cookies := baselineRedisHandler(b, path)
		bodies["baseline_redis"] = serveAPIMe(b, h, cookies)
	})
	b.Run("cookie", func(b *testing.B) {
		h := benchApp(b, path, nil)
		bodies["cookie"] = serveAPIMe(b, h, benchLogin(b, h))
	})
	b.Run("redis", func(b *testing.B) {
		redisURL, prefix := benchRedis(b)
		h := benchApp(b, path, func(c *app.Config) { c.RedisURL, c.RedisKeyPrefix = redisURL, prefix })
		bodies["redis"] = serveAPIMe(b, h, benchLogin(b, h))
	})
	// When the variants ran in one process (go test -bench APIMe), they
	// share the database and must answer alike; make bench runs each in a
	// process of its own, and each still checks its own answer above.
	for name, body := range bodies {
		if bodies["baseline"] != "" && body != bodies["baseline"] {
			b.Errorf("%s answered %s, the baseline %s: not the same JSON", name, body, bodies["baseline"])
		}
	}
}
