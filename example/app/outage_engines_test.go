package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The outage tests run a Redis server or a PostgreSQL cluster of their own,
// so that stopping it disturbs no other test (the shared engines of
// REDIS_URL and DATABASE_URL serve the other packages' tests meanwhile).
// They stop the engine for real, check what the site answers, start it
// again on the same port and check that the site recovers by itself.

// engine is a private database server that a test can stop and start.
type engine interface {
	name() string
	stop(t *testing.T)
	start(t *testing.T)
}

// freeTCPPort returns a port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// child is a server process the test started. The kernel kills it if the
// test binary dies first (a panic, a timeout), so that no engine outlives
// its test.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startChild starts cmd with a parent-death signal. Linux sends that signal
// when the thread that started the process ends, so the process is started
// and waited for by a goroutine locked to its thread.
func startChild(cmd *exec.Cmd) (*child, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	c := &child{cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, after the process
		err := cmd.Start()
		started <- err
		if err == nil {
			_ = cmd.Wait()
		}
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return c, nil
}

// stop sends sig and waits up to limit for the process to exit, then kills
// it.
func (c *child) stop(sig os.Signal, limit time.Duration) error {
	_ = c.cmd.Process.Signal(sig)
	select {
	case <-c.exited:
		return nil
	case <-time.After(limit):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not exit within %s of %v", filepath.Base(c.cmd.Path), limit, sig)
	}
}

// privateRedis is a redis-server child process without persistence.
type privateRedis struct {
	bin, dir string
	port     int
	proc     *child
}

// startPrivateRedis starts a redis-server on a free port, or skips the test
// when the binary is missing.
func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (Debian: apt-get install redis-server): skipping the Redis outage test")
	}
	r := &privateRedis{bin: bin, dir: t.TempDir(), port: freeTCPPort(t)}
	t.Cleanup(func() {
		if r.proc != nil {
			_ = r.proc.stop(syscall.SIGKILL, 10*time.Second)
		}
	})
	r.start(t)
	return r
}

func (r *privateRedis) name() string { return "redis" }

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs the server on r.port and waits until it answers PING.
func (r *privateRedis) start(t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer logFile.Close()
	cmd := exec.Command(r.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--save", "", "--appendonly", "no", "--dir", r.dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	r.proc, err = startChild(cmd)
	require.NoError(t, err)
	eventually(t, 10*time.Second, "redis-server to answer PING", func() bool {
		conn, err := redis.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), redis.DialConnectTimeout(time.Second))
		if err != nil {
			return false
		}
		defer conn.Close()
		_, err = conn.Do("PING")
		return err == nil
	})
}

// stop ends the server with SIGTERM and waits for the process to exit.
func (r *privateRedis) stop(t *testing.T) {
	t.Helper()
	err := r.proc.stop(syscall.SIGTERM, 10*time.Second)
	r.proc = nil
	require.NoError(t, err)
}

// privatePostgres is a PostgreSQL cluster of the test's own, its postmaster
// a child process of the test.
type privatePostgres struct {
	bin, dir string
	port     int
	cred     *syscall.Credential // the postgres user's, when the test runs as root
	proc     *child
}

// postgresBinDir finds PostgreSQL's programs: $PGBIN, or the newest
// /usr/lib/postgresql/*/bin (Debian's layout).
func postgresBinDir() string {
	if dir := os.Getenv("PGBIN"); dir != "" {
		return dir
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	if len(dirs) == 0 {
		return ""
	}
	return dirs[len(dirs)-1]
}

// startPrivatePostgres creates and starts a cluster on a free port, or
// skips the test when PostgreSQL is not installed or cannot be set up in a
// minute.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bin := postgresBinDir()
	if _, err := os.Stat(filepath.Join(bin, "postgres")); bin == "" || err != nil {
		t.Skip("PostgreSQL is not installed (no $PGBIN, no /usr/lib/postgresql/*/bin/postgres; Debian: apt-get install postgresql): skipping the PostgreSQL outage test")
	}
	p := &privatePostgres{bin: bin, port: freeTCPPort(t)}
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run PostgreSQL as: skipping the PostgreSQL outage test")
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: the postgres user must be able to enter the folder.
	dir, err := os.MkdirTemp("", "ginlogin-outage-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o1777))
	p.dir = dir
	t.Cleanup(func() {
		if p.proc != nil {
			_ = p.proc.stop(syscall.SIGQUIT, 10*time.Second) // immediate shutdown
		}
		os.RemoveAll(dir)
	})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	initdb := p.command(ctx, "initdb", "-N", "-D", p.data(), "-A", "trust", "-U", "app")
	out, err := initdb.CombinedOutput()
	if ctx.Err() != nil {
		t.Skip("initdb took over a minute: skipping the PostgreSQL outage test on this slow machine")
	}
	require.NoError(t, err, "initdb: %s", out)
	p.start(t)
	t.Logf("private PostgreSQL cluster ready on port %d in %s", p.port, time.Since(start).Round(time.Millisecond))
	return p
}

func (p *privatePostgres) name() string { return "postgres" }

func (p *privatePostgres) data() string { return filepath.Join(p.dir, "data") }

func (p *privatePostgres) url() string {
	return fmt.Sprintf("postgres://app@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// command runs one of PostgreSQL's programs, as the postgres user under
// root, in the cluster's folder.
func (p *privatePostgres) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, prog), args...)
	cmd.Dir = p.dir
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

// start runs the postmaster on p.port and waits until it answers a query.
func (p *privatePostgres) start(t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(filepath.Join(p.dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	defer logFile.Close()
	cmd := p.command(context.Background(), "postgres", "-D", p.data(), "-p", strconv.Itoa(p.port),
		"-k", p.dir, "-c", "listen_addresses=127.0.0.1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	p.proc, err = startChild(cmd)
	require.NoError(t, err)
	eventually(t, 30*time.Second, "PostgreSQL to accept connections", func() bool {
		db, err := sql.Open("pgx", p.url())
		if err != nil {
			return false
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return db.PingContext(ctx) == nil
	})
}

// stop shuts the cluster down as pg_ctl's fast mode does (SIGINT): sessions
// are ended, committed data stays.
func (p *privatePostgres) stop(t *testing.T) {
	t.Helper()
	err := p.proc.stop(syscall.SIGINT, 30*time.Second)
	p.proc = nil
	require.NoError(t, err)
}

// eventually polls cond until it holds, failing the test after limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// appGoroutines returns the stacks of the process's goroutines, except
// those of miniredis's server: it stands in for a Redis in another process,
// and keeps one goroutine per connection the app's pool holds open.
func appGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var stacks []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.TrimSpace(g) != "" && !strings.Contains(g, "github.com/alicebob/miniredis") {
			stacks = append(stacks, g)
		}
	}
	return stacks
}

// settledGoroutines returns the number of goroutines once it has stopped
// changing (at most two seconds).
func settledGoroutines() int {
	n, same := len(appGoroutines()), 0
	for deadline := time.Now().Add(2 * time.Second); same < 4 && time.Now().Before(deadline); {
		time.Sleep(25 * time.Millisecond)
		if m := len(appGoroutines()); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

// idle closes every keep-alive connection between the test's clients and
// the instances, so that goroutine counts compare like with like.
func idle(sites []*site, browsers ...*browser) {
	for _, b := range browsers {
		b.client.CloseIdleConnections()
	}
	http.DefaultClient.CloseIdleConnections()
	for _, s := range sites {
		s.srv.CloseClientConnections()
	}
}

func TestRedisOutageAndRecovery(t *testing.T) {
	rs := startPrivateRedis(t)
	db := "one SQLite file"
	a, b := newPair(t, storeSetup{"private redis", func(t *testing.T, cfg *app.Config) {
		cfg.RedisURL = rs.url()
		if os.Getenv("DATABASE_URL") != "" {
			cfg.DatabaseURL, db = postgresURL(t), "DATABASE_URL"
		}
	}})
	t.Logf("sessions in a private redis-server on port %d, users and tokens in %s", rs.port, db)
	outageAndRecovery(t, rs, a, b)
}

func TestPostgresOutageAndRecovery(t *testing.T) {
	pg := startPrivatePostgres(t)
	backends := redisBackends(t) // REDIS_URL when set, else miniredis
	rb := backends[len(backends)-1]
	a, b := newPair(t, storeSetup{"private postgres", func(t *testing.T, cfg *app.Config) {
		cfg.DatabaseURL = pg.url()
		cfg.RedisURL, cfg.RedisKeyPrefix = rb.url, rb.prefix
	}})
	t.Logf("users and tokens in a private PostgreSQL on port %d, sessions in %s", pg.port, rb.name)
	outageAndRecovery(t, pg, a, b)
}

// outageAndRecovery stops eng while two instances serve the site, checks
// that every answer that needs it is a clean 503 (never a logged-in page,
// never an anonymous page for a browser that sent its session, never a
// panic), starts eng again and checks that the site recovers within
// seconds, with every user and token, and without leaking goroutines.
func outageAndRecovery(t *testing.T, eng engine, a, b *site) {
	sites := []*site{a, b}

	// Before the outage: an account with an API token, a browser with a
	// session only, one with a remember cookie too, one with only the
	// remember cookie (its browser was restarted), and a visitor who opened
	// the login form.
	ada := a.browser()
	ada.register("ada@example.com", "Ada", testPassword)
	token := ada.createToken()
	require.Equal(t, http.StatusSeeOther, ada.post("/logout", nil).status)
	require.Equal(t, http.StatusSeeOther, ada.on(b).login("ada@example.com", testPassword, false).status)
	phone := b.browser()
	require.Equal(t, http.StatusSeeOther, phone.login("ada@example.com", testPassword, true).status)
	restarted := a.browser()
	require.Equal(t, http.StatusSeeOther, restarted.login("ada@example.com", testPassword, true).status)
	restarted.dropCookie("session")
	visitor := a.browser()
	require.Equal(t, http.StatusOK, visitor.get("/login").status)
	users := a.userCount()
	var tokens int
	require.NoError(t, a.app.Database().DB.QueryRow("SELECT COUNT(*) FROM api_tokens").Scan(&tokens))
	for _, s := range sites {
		require.Equal(t, http.StatusOK, s.browser().get("/healthz").status)
	}

	browsers := []*browser{ada, phone, restarted, visitor}
	idle(sites, browsers...)
	baseline := settledGoroutines()
	t.Logf("%d goroutines before the outage", baseline)

	eng.stop(t)
	t.Logf("%s stopped", eng.name())

	// expect503 checks one answer of the outage.
	expect503 := func(who string, res response, jsonAPI bool) {
		t.Helper()
		assert.Equal(t, http.StatusServiceUnavailable, res.status, "%s: %.300s", who, res.body)
		assert.Equal(t, "5", res.header.Get("Retry-After"), who)
		assert.NotContains(t, res.body, "ada@example.com", who)
		assert.NotContains(t, res.body, "Hello, Ada", who)
		if jsonAPI {
			assert.Contains(t, res.body, `"error":"unavailable"`, who)
		} else {
			assert.Contains(t, res.body, "Temporarily unavailable", who)
		}
	}
	for _, s := range sites {
		for _, path := range []string{"/dashboard", "/profile", "/admin", "/", "/login", "/logout"} {
			expect503(fmt.Sprintf("%s GET %s with a session", s.srv.URL, path), ada.on(s).get(path), false)
		}
		status, _ := ada.me()
		assert.Equal(t, http.StatusServiceUnavailable, status, "/api/me with a session")
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/api/me", nil)
		require.NoError(t, err)
		expect503("GET /api/me with a session", ada.do(req), true)
		expect503("POST /logout", ada.post("/logout", nil), false)
		expect503("GET /dashboard with a session and a remember cookie", phone.on(s).get("/dashboard"), false)
		expect503("GET /dashboard with only a remember cookie", restarted.on(s).get("/dashboard"), false)
		expect503("POST /login from the form", visitor.on(s).post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}), false)

		res := s.api(http.MethodGet, "/api/me", token, nil)
		if eng.name() == "redis" {
			// API tokens need only the database: the API keeps working
			// while the session store is down.
			assert.Equal(t, http.StatusOK, res.status, res.body)
			assert.Contains(t, res.body, "ada@example.com")
		} else {
			expect503("GET /api/me with an API token", res, true)
		}
		res = s.browser().get("/healthz")
		assert.Equal(t, http.StatusServiceUnavailable, res.status)
		assert.Contains(t, res.body, map[string]string{"redis": `"redis":"unavailable"`, "postgres": `"database":"unavailable"`}[eng.name()])
	}

	// Many browsers at once during the outage: every answer is a 503.
	sessionCookie := ada.cookie("session")
	require.NotNil(t, sessionCookie, "the outage did not delete the session cookie")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sites[i%2]
			req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/dashboard", nil)
			if err != nil {
				t.Errorf("request: %v", err)
				return
			}
			req.AddCookie(&http.Cookie{Name: sessionCookie.Name, Value: sessionCookie.Value})
			for range 5 {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("GET /dashboard during the outage: %v", err)
					return
				}
				res.Body.Close()
				if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("GET /dashboard during the outage: %d, want 503", res.StatusCode)
				}
			}
		}()
	}
	wg.Wait()

	// The engine comes back on the same port.
	eng.start(t)
	back := time.Now()
	took := eventually(t, 10*time.Second, "both instances to answer /healthz with 200", func() bool {
		return a.browser().get("/healthz").status == http.StatusOK && b.browser().get("/healthz").status == http.StatusOK
	})
	t.Logf("%s restarted; the site answered 200 again after %s", eng.name(), took.Round(time.Millisecond))

	// Logging in works again on both instances (Redis restarted without
	// persistence has forgotten the sessions: users log in again).
	eventually(t, 5*time.Second, "a login to succeed", func() bool {
		return a.browser().login("ada@example.com", testPassword, false).status == http.StatusSeeOther
	})
	for _, s := range sites {
		fresh := s.browser()
		require.Equal(t, http.StatusSeeOther, fresh.login("ada@example.com", testPassword, false).status, s.srv.URL)
		status, greets := fresh.dashboardOf("Ada")
		assert.Equal(t, http.StatusOK, status)
		assert.True(t, greets)
	}
	if eng.name() == "redis" {
		assert.False(t, ada.on(a).loggedIn(), "the session was in the restarted Redis: the user logs in again")
	} else {
		assert.True(t, ada.on(a).loggedIn(), "the session survived the database outage")
	}

	// A browser that sent its remember cookie during the outage kept the
	// rotated one (the 503 carried it), so past the grace window it is not
	// taken for a thief.
	a.clock.Advance(ginlogin.DefaultRotationGrace + time.Second)
	assert.True(t, restarted.on(b).loggedIn(), "the remember cookie restores the login after the outage")
	if eng.name() == "redis" {
		// Its session cookie names a session the restarted Redis forgot.
		require.NotNil(t, phone.cookie("session"))
		assert.True(t, phone.on(a).loggedIn(), "the remember cookie replaces the forgotten session")
	} else {
		phone.dropCookie("session")
		assert.True(t, phone.on(a).loggedIn(), "so does the phone's")
	}

	// Nothing was lost.
	assert.Equal(t, users, a.userCount())
	var tokensAfter int
	require.NoError(t, a.app.Database().DB.QueryRow("SELECT COUNT(*) FROM api_tokens").Scan(&tokensAfter))
	assert.Equal(t, tokens, tokensAfter)
	for _, s := range sites {
		assert.Equal(t, http.StatusOK, s.api(http.MethodGet, "/api/me", token, nil).status, "the API token still works")
	}

	// No panic, and only 503s were logged as failures.
	for _, s := range sites {
		logs := s.logs.String()
		assert.NotContains(t, logs, "panic")
		assert.NotContains(t, logs, "status=500")
		assert.Contains(t, logs, "status=503")
	}

	// No goroutine outlives the outage: once idle connections are closed,
	// the count returns to about what it was before (database/sql's
	// connection cleaner comes and goes with the open connections).
	const tolerance = 4
	start := time.Now()
	n := len(appGoroutines())
	for ; n > baseline+tolerance && time.Since(start) < 10*time.Second; n = len(appGoroutines()) {
		idle(sites, browsers...)
		time.Sleep(50 * time.Millisecond)
	}
	if !assert.LessOrEqual(t, n, baseline+tolerance, "goroutines 10 s after recovery, baseline %d", baseline) {
		t.Logf("goroutines:\n%s", strings.Join(appGoroutines(), "\n\n"))
	}
	t.Logf("%d goroutines after recovery (baseline %d), settled in %s; recovered %s after the restart",
		n, baseline, time.Since(start).Round(time.Millisecond), time.Since(back).Round(time.Millisecond))
}
