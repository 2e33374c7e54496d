package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
)

// cluster is a set of example app instances started by loadgen, sharing one
// secret key and one set of stores.
type cluster struct {
	dir   string
	db    app.Config // the database the instances share, for seeding
	urls  []string
	procs []*exec.Cmd
	logs  []string
	once  sync.Once
}

// sitePackage is the import path of the example app's main package: the
// parent of package app. It is derived rather than written out, so it stays
// right in a copy of the starter under another module path, from any
// working directory inside the module.
func sitePackage() string {
	return path.Dir(reflect.TypeFor[app.Config]().PkgPath())
}

// startCluster builds the example app (with the race detector when race is
// set) and starts n instances on free loopback ports. They share
// REDIS_URL and DATABASE_URL when those are set in the environment, and
// otherwise one SQLite file and the cookie store.
func startCluster(ctx context.Context, n int, race bool) (*cluster, error) {
	if n < 1 {
		return nil, errors.New("-instances must be at least 1")
	}
	dir, err := os.MkdirTemp("", "ginlogin-load-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir}
	bin := filepath.Join(dir, "example")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, sitePackage())
	fmt.Printf("building the example app (go %s)\n", strings.Join(args, " "))
	build := exec.CommandContext(ctx, "go", args...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building the example app: %w", err)
	}
	secret := make([]byte, 48)
	_, _ = rand.Read(secret)
	c.db = app.Config{SQLitePath: filepath.Join(dir, "load.db"), DatabaseURL: os.Getenv("DATABASE_URL")}
	env := append(os.Environ(),
		"GIN_MODE=release",
		"SECRET_KEY="+base64.RawURLEncoding.EncodeToString(secret),
		"SQLITE_PATH="+c.db.SQLitePath,
	)
	for i := 0; i < n; i++ {
		port, err := freePort()
		if err != nil {
			c.stop()
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		logPath := filepath.Join(dir, fmt.Sprintf("instance-%d.log", i))
		logFile, err := os.Create(logPath)
		if err != nil {
			c.stop()
			return nil, err
		}
		cmd := exec.Command(bin)
		cmd.Env = append(env, "ADDR="+addr)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			logFile.Close()
			c.stop()
			return nil, fmt.Errorf("starting instance %d: %w", i, err)
		}
		go func() { _ = cmd.Wait(); logFile.Close() }()
		c.procs = append(c.procs, cmd)
		c.logs = append(c.logs, logPath)
		c.urls = append(c.urls, "http://"+addr)
	}
	for i, u := range c.urls {
		if err := waitReady(ctx, u, 90*time.Second); err != nil {
			c.stop()
			return nil, fmt.Errorf("instance %d (%s) did not start: %w; its log:\n%s", i, u, err, tail(c.logs[i], 20))
		}
		fmt.Printf("instance %d ready at %s: %s\n", i, u, firstLine(c.logs[i], "serving on"))
	}
	return c, nil
}

// stop sends SIGTERM to every instance (they finish in-flight requests) and
// waits for them.
func (c *cluster) stop() {
	c.once.Do(func() {
		for _, p := range c.procs {
			if p.Process != nil {
				_ = p.Process.Signal(syscall.SIGTERM)
			}
		}
		deadline := time.Now().Add(15 * time.Second)
		for _, p := range c.procs {
			for p.ProcessState == nil && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if p.ProcessState == nil && p.Process != nil {
				_ = p.Process.Kill()
			}
		}
	})
}

// remove deletes the instances' folder: binary, logs and SQLite file.
func (c *cluster) remove() { _ = os.RemoveAll(c.dir) }

// races counts the data race reports in the instances' logs.
func (c *cluster) races() int {
	n := 0
	for _, l := range c.logs {
		data, err := os.ReadFile(l)
		if err == nil {
			n += strings.Count(string(data), "WARNING: DATA RACE")
		}
	}
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(ctx context.Context, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("GET / answered %d", resp.StatusCode)
		} else {
			last = err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstLine(path, contains string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.Contains(strings.ToLower(s.Text()), contains) {
			return s.Text()
		}
	}
	return ""
}
