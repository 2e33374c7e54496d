package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
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

// postgresSchema returns DATABASE_URL pointing at a schema of the test's
// own, dropped at the end, or "" when DATABASE_URL is unset.
func postgresSchema(t *testing.T) string {
	return testenv.PostgresSchema(t, "loadgen_test_")
}

// TestShortLoadOnTwoInstances runs loadgen for a few seconds against two
// in-process instances sharing their stores, with the race detector of
// `go test -race` watching both the site and the browsers: every answer
// must belong to its browser's account, none may be a 5xx, and no login
// may be lost.
func TestShortLoadOnTwoInstances(t *testing.T) {
	setups := []struct {
		name  string
		apply func(t *testing.T, cfg *app.Config)
	}{
		{"sqlite+cookie", func(*testing.T, *app.Config) {}},
		{"redis+database", func(t *testing.T, cfg *app.Config) {
			cfg.RedisURL = os.Getenv("REDIS_URL")
			if cfg.RedisURL == "" {
				t.Log("REDIS_URL is not set: sessions in miniredis")
				cfg.RedisURL = "redis://" + miniredis.RunT(t).Addr() + "/0"
			}
			cfg.RedisKeyPrefix = "loadgen-test-" + testenv.RandomName(t) + ":"
			if cfg.DatabaseURL = postgresSchema(t); cfg.DatabaseURL == "" {
				t.Log("DATABASE_URL is not set: users in one SQLite file, the PostgreSQL variant is skipped")
			}
		}},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			logs := &testenv.LockedBuffer{}
			cfg := app.Config{
				SQLitePath:       filepath.Join(t.TempDir(), "load.db"),
				SecretKey:        []byte("loadgen-test-secret-0123456789-abcdefghijklmnopq"),
				BcryptCost:       bcrypt.MinCost,
				AllowWeakHashing: true,
				CleanupInterval:  -1,
				Logger:           slog.New(slog.NewTextHandler(logs, nil)),
			}
			setup.apply(t, &cfg)
			var urls []string
			for range 2 {
				a, err := app.New(cfg)
				require.NoError(t, err)
				t.Cleanup(func() { a.Close() })
				srv := httptest.NewServer(a.Handler())
				t.Cleanup(srv.Close)
				urls = append(urls, srv.URL)
			}

			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			o := options{
				urls: urls, clients: 20, duration: 3 * time.Second, relogin: 2,
				password: "load-test-password-1", prefix: "load-" + testenv.RandomName(t),
				seedInto: &cfg, seedCost: bcrypt.MinCost,
			}
			r, err := run(ctx, o, t.Output())
			require.NoError(t, err)
			var out strings.Builder
			r.print(&out)
			t.Log(out.String())

			// The run is timed, so how much it does depends on the machine:
			// under the race detector, next to the other packages' tests on
			// two busy cores, it has done 24 requests a second (81 in all).
			// Logging out and in every other page view (relogin 2) makes
			// logins and logouts happen even when each browser gets only a
			// few answers.
			assert.GreaterOrEqual(t, len(r.total.latencies), o.clients*(o.relogin+1), "requests: a few per browser")
			assert.Greater(t, r.total.logins, 0, "logins during the load")
			assert.Greater(t, r.total.logouts, 0, "logouts during the load")
			assert.Zero(t, r.count5xx(), "5xx answers")
			assert.Zero(t, r.total.failures, "transport errors")
			assert.Zero(t, r.total.wrongUser, "answers for the wrong account")
			assert.Zero(t, r.total.loggedOut, "lost logins")
			assert.True(t, r.ok())
			assert.NotContains(t, logs.String(), "panic")
		})
	}
}

// The checks of a page view catch an answer for another account and a
// login the site forgot.
func TestPageViewChecks(t *testing.T) {
	tests := []struct {
		name                string
		n                   int // even: dashboard, odd: API
		status              int
		location, body      string
		wantWrong, wantLost int
		wantErrLoggedOut    bool
	}{
		{"own dashboard", 0, 200, "", "<strong>me-1@load.example</strong>", 0, 0, false},
		{"another's dashboard", 0, 200, "", "<strong>me-10@load.example</strong>", 1, 0, false},
		{"dashboard asks to log in", 0, 302, "/login?next=%2Fdashboard", "", 0, 1, true},
		{"own API answer", 1, 200, "", `{"email":"me-1@load.example"}`, 0, 0, false},
		{"another's API answer", 1, 200, "", `{"email":"me-10@load.example"}`, 1, 0, false},
		{"API answers 401", 1, 401, "", `{"error":"unauthorized"}`, 0, 1, true},
		{"API answers 503", 1, 503, "", `{"error":"unavailable"}`, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			b := newBrowser(1, options{urls: []string{srv.URL}, prefix: "me", password: "x"})
			err := b.pageView(context.Background(), tt.n)
			assert.Equal(t, tt.wantErrLoggedOut, errors.Is(err, errLoggedOut))
			assert.Equal(t, tt.wantWrong, b.st.wrongUser)
			assert.Equal(t, tt.wantLost, b.st.loggedOut)
			assert.Equal(t, 1, b.st.byStatus[tt.status])
		})
	}
}
