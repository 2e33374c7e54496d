package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/app"
	"github.com/ginlogin/ginlogin/example/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunUserSubcommands(t *testing.T) {
	vars := map[string]string{"SQLITE_PATH": filepath.Join(t.TempDir(), "site.db")}
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	require.NoError(t, run([]string{"user", "add", "ada@example.com", "Ada", "Lovelace"}, env(vars), strings.NewReader("correct horse battery\n"), &out, logger))
	out.Reset()
	require.NoError(t, run([]string{"user", "list"}, env(vars), nil, &out, logger))
	assert.Contains(t, out.String(), "ada@example.com")
	assert.NoFileExists(t, filepath.Join(filepath.Dir(vars["SQLITE_PATH"]), "site.secret"), "the subcommands need no secret key")
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"bad duration", nil, map[string]string{"IDLE_TIMEOUT": "soon"}, "IDLE_TIMEOUT"},
		{"bad protection", []string{"user", "list"}, map[string]string{"SESSION_PROTECTION": "max"}, "SESSION_PROTECTION"},
		{"release without a key", nil, map[string]string{"GIN_MODE": "release", "SQLITE_PATH": filepath.Join(dir, "a.db")}, "SECRET_KEY"},
		{"short key", nil, map[string]string{"SECRET_KEY": "too-short", "SQLITE_PATH": filepath.Join(dir, "b.db")}, "SECRET_KEY"},
		{"unknown command", []string{"serve"}, nil, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args, env(tt.vars), nil, io.Discard, logger)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestServeLogsOneLineAndStops(t *testing.T) {
	addr := freeAddr(t)
	logs := &testenv.LockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg := app.Config{
		Addr: addr, SQLitePath: filepath.Join(t.TempDir(), "site.db"),
		SecretKey:  []byte("serve-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"),
		BcryptCost: bcrypt.MinCost, AllowWeakHashing: true, Logger: logger,
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, logger) }()
	waitFor(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	stop()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	startup := ""
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "serving on") {
			startup = line
		}
	}
	assert.Contains(t, startup, "serving on http://"+addr, "one line with the address...")
	assert.Contains(t, startup, "users, devices and API tokens in sqlite:", "...and the stores")
	assert.Contains(t, startup, "sessions in encrypted cookies")
}

// TestRunServerFinishesInFlightRequests stops the server while a request
// is being handled: the listener closes at once, the request still gets
// its answer, and only then does the server stop.
func TestRunServerFinishesInFlightRequests(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, newServer(handler), ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	answer := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			t.Errorf("the in-flight request failed: %v", err)
			answer <- ""
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answer <- string(b)
	}()
	<-started
	stop()                   // as SIGINT or SIGTERM does
	waitFor(t, func() bool { // the listener closes at once
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("the server stopped before the in-flight request finished: %v", err)
	default:
	}
	close(release)
	assert.Equal(t, "finished", <-answer)
	assert.NoError(t, <-done)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond until it holds, for at most ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 seconds")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
