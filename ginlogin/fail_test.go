package ginlogin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/internal/testsupport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiHeaders make a request an API request (JSON answers).
var apiHeaders = []string{"Accept", "application/json"}

// assertFailedClosed checks an answer given by the error handler: the
// status, a JSON body for API requests, and no trace of a login.
func assertFailedClosed(t *testing.T, status int, api bool, code int, body string) {
	t.Helper()
	assert.Equal(t, status, code, body)
	assert.NotContains(t, body, "Access Granted")
	if !api {
		return
	}
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &got), "an API request gets JSON: %q", body)
	want := "internal_error"
	if status == http.StatusServiceUnavailable {
		want = "unavailable"
	}
	assert.Equal(t, want, got["error"])
}

// assertCleanLog checks that exactly one line was logged and that it holds
// no cookie value and no secret.
func assertCleanLog(t *testing.T, logs *logBuffer, secrets ...string) {
	t.Helper()
	lines := logs.lines()
	assert.Len(t, lines, 1, "one log line per failure: %q", lines)
	for _, line := range lines {
		assert.NotContains(t, line, string(testSecret))
		for _, s := range secrets {
			if s != "" {
				assert.NotContains(t, line, s, "a cookie value in the log")
			}
		}
	}
}

// loaderFailures are the errors a UserLoader can report, with the answer
// the default error handler gives.
var loaderFailures = []struct {
	name   string
	err    error
	status int
}{
	{"wrapped ErrStoreUnavailable", fmt.Errorf("load user: %w: pool exhausted", ErrStoreUnavailable), http.StatusServiceUnavailable},
	{"network error", fmt.Errorf("load user: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), http.StatusServiceUnavailable},
	{"other error", errors.New("load user: column \"name\" does not exist"), http.StatusInternalServerError},
}

// Guarantee 9: a UserLoader error is never anonymous-with-data nor logged
// in. The guard and CurrentUser's handler answer through the error handler
// (503 for outages, 500 otherwise, JSON for API requests) with one log
// line free of cookies and secrets; the login is neither ended nor
// replaced; the next request works once the loader recovers.
func TestUserLoaderFailureFailsClosed(t *testing.T) {
	t.Parallel()
	for _, f := range loaderFailures {
		for _, api := range []bool{false, true} {
			name := f.name + map[bool]string{false: "/page", true: "/api"}[api]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var logs *logBuffer
				a := newTestApp(t, func(c *Config) {
					c.LoginURL = "/login"
					logs = captureLogs(c)
				})
				b := a.browser()
				b.getStatus("/login/1?remember=1", 200)
				var headers []string
				if api {
					headers = apiHeaders
				}
				a.users.fail(f.err)
				for _, path := range []string{"/protected", "/whoami"} {
					logs.reset()
					rec := b.get(path, headers...)
					assertFailedClosed(t, f.status, api, rec.Code, rec.Body.String())
					assert.Empty(t, rec.Header().Get("Location"), "not sent to the login page")
					assert.Empty(t, rec.Header().Values("Set-Cookie"), "nothing logged out or replaced")
					assertCleanLog(t, logs, b.cookie("session"), b.cookie("remember_token"))
					if f.status == http.StatusServiceUnavailable {
						assert.NotEmpty(t, rec.Header().Get("Retry-After"))
					}
				}
				a.users.fail(nil)
				assert.Equal(t, 200, b.get("/protected").Code, "works again once the loader recovers")
				assert.Equal(t, "1", b.who().ID)
			})
		}
	}
}

// Guarantee 9: the guards answer a loader failure through the configured
// error handler, which is told the loader's error; the route behind the
// guard never runs.
func TestGuardsUseErrorHandler(t *testing.T) {
	t.Parallel()
	loaderErr := errors.New("load user: disk full")
	var got []error
	a := newTestApp(t, func(c *Config) {
		c.ErrorHandler = func(c *gin.Context, err error) {
			got = append(got, err)
			c.AbortWithStatusJSON(599, gin.H{"custom": true})
		}
	})
	b := a.browser()
	b.getStatus("/login/1", 200)
	a.users.fail(loaderErr)
	for _, path := range []string{"/protected", "/fresh"} {
		rec := b.get(path)
		assert.Equal(t, 599, rec.Code, path)
		assert.JSONEq(t, `{"custom":true}`, rec.Body.String())
	}
	require.Len(t, got, 2)
	for _, err := range got {
		assert.ErrorIs(t, err, loaderErr)
	}
}

// Guarantee 9: a loader outage while a remember cookie is restored does not
// turn into a token theft when the outage outlasts the rotation grace
// window: the browser must end up with the current token.
func TestUserLoaderFailureDuringRememberRestore(t *testing.T) {
	t.Parallel()
	eachScheme(t, func(t *testing.T, store RememberStore) {
		events := &secEvents{}
		a := newTestApp(t, chain(withRememberStore(store), recordTheft(events)))
		b := a.browser()
		b.getStatus("/login/1?remember=1", 200)
		b.dropCookie("session")

		a.users.fail(fmt.Errorf("%w: database restarting", ErrStoreUnavailable))
		for range 3 { // the outage lasts a few minutes; the browser retries
			assert.Equal(t, http.StatusServiceUnavailable, b.get("/protected").Code)
			a.clock.Advance(2 * time.Minute)
		}
		a.users.fail(nil)

		w := b.who()
		assert.Equal(t, "1", w.ID, "the remember cookie still works after the outage")
		assert.Empty(t, events.list(), "no theft")
		if store != nil {
			assert.Equal(t, 1, userDeviceCount(t, store, "1"))
		}
	})
}

// Guarantee 9: a session store outage (Redis unreachable: every connection
// reset) gives 503 on protected routes and on login, not anonymous and not
// a panic, leaves the logins alone, and everything works again when the
// store returns. A remember cookie used during the outage survives it.
func TestSessionStoreOutage(t *testing.T) {
	t.Parallel()
	for _, scheme := range rememberSchemes {
		t.Run(scheme.name, func(t *testing.T) {
			t.Parallel()
			target := redisTargetFor(t)
			proxy := testsupport.StartCutProxy(t, target.addr)
			rs := newRedisSessionStoreVia(t, target, proxy.Addr())
			store := scheme.store()
			events := &secEvents{}
			var logs *logBuffer
			a := newTestApp(t, func(c *Config) {
				c.SessionStore = rs.store
				c.RememberStore = store
				c.LoginURL = "/login"
				recordTheft(events)(c)
				logs = captureLogs(c)
			})
			b, remembered, visitor := a.browser(), a.browser(), a.browser()
			b.getStatus("/login/1", 200)
			remembered.getStatus("/login/2?remember=1", 200)
			remembered.dropCookie("session")

			proxy.Cut()
			logs.reset()
			rec := b.get("/protected")
			assertFailedClosed(t, http.StatusServiceUnavailable, false, rec.Code, rec.Body.String())
			assert.Empty(t, rec.Header().Get("Location"))
			assertCleanLog(t, logs, b.cookie("session"))
			rec = b.get("/protected", apiHeaders...)
			assertFailedClosed(t, http.StatusServiceUnavailable, true, rec.Code, rec.Body.String())
			assert.Equal(t, http.StatusServiceUnavailable, b.get("/whoami").Code)
			assert.Equal(t, http.StatusServiceUnavailable, visitor.get("/login/2").Code, "a login cannot be stored")
			for range 3 {
				assert.Equal(t, http.StatusServiceUnavailable, remembered.get("/protected").Code)
				a.clock.Advance(2 * time.Minute)
			}

			proxy.Restore()
			assert.Equal(t, 200, b.get("/protected").Code, "the login survived the outage")
			assert.Equal(t, "2", remembered.who().ID, "the remember cookie survived the outage")
			assert.Empty(t, events.list(), "no theft")
			visitor.getStatus("/login/2", 200)
			assert.Equal(t, "2", visitor.who().ID)
		})
	}
}

// Guarantee 9: a failing RememberStore gives 503 (500 for errors that are
// not outages) and never logs anybody in or out: a logged-in browser stays
// logged in, a remember cookie keeps working, a login that could not be
// recorded does not happen. Recording a device's last use is best effort.
func TestFailingRememberStore(t *testing.T) {
	t.Parallel()
	outage := fmt.Errorf("devices: %w: connection pool closed", ErrStoreUnavailable)
	tests := []struct {
		name   string
		op     string
		err    error
		status int
		// browser: "session" (logged in), "remember" (only the remember
		// cookie), "visitor" (logs in during the failure).
		browser string
	}{
		{"session check", "Device", outage, 503, "session"},
		{"session check, not an outage", "Device", errors.New("devices: bad row"), 500, "session"},
		{"restore lookup", "Device", outage, 503, "remember"},
		{"restore rotation", "SwapValidators", outage, 503, "remember"},
		{"login", "CreateDevice", outage, 503, "visitor"},
		{"last use", "TouchDevice", outage, 200, "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newFlakyRememberStore()
			events := &secEvents{}
			a := newTestApp(t, chain(withRememberStore(store), recordTheft(events)))
			b := a.browser()
			path := "/protected"
			switch tt.browser {
			case "session":
				b.getStatus("/login/1?remember=1", 200)
			case "remember":
				b.getStatus("/login/1?remember=1", 200)
				b.dropCookie("session")
			case "visitor":
				path = "/login/1?remember=1"
			}
			a.clock.Advance(2 * time.Minute) // past the once-a-minute touch

			store.failOn(tt.op, tt.err)
			for range 3 {
				rec := b.get(path)
				require.Equal(t, tt.status, rec.Code, rec.Body.String())
				assert.False(t, deletesCookie(t, rec, "remember_token"), "the remember cookie is not deleted")
				a.clock.Advance(time.Minute)
			}
			if tt.browser == "visitor" {
				assert.True(t, b.who().Anonymous, "a login that could not be recorded did not happen")
				assert.Empty(t, b.cookie("remember_token"))
			}
			store.failOn(tt.op, nil)

			if tt.browser == "visitor" {
				b.getStatus(path, 200)
			}
			assert.Equal(t, 200, b.get("/protected").Code, "logged in once the store recovers")
			assert.Equal(t, "1", b.who().ID)
			assert.Empty(t, events.list(), "no theft")
		})
	}
}

// Guarantee 9: a logout whose device cannot be revoked reports the failure
// (503) instead of claiming success, and this browser's session is over
// either way. The device itself survives until the store returns, so a
// copy of the cookies made before still works: the error tells the
// application to say so.
func TestLogoutWithFailingRememberStore(t *testing.T) {
	t.Parallel()
	store := newFlakyRememberStore()
	a := newTestApp(t, func(c *Config) { c.RememberStore = store })
	b := a.browser()
	b.getStatus("/login/1?remember=1", 200)
	copied := b.clone()
	store.failOn("DeleteDevice", fmt.Errorf("%w: timeout", ErrStoreUnavailable))
	rec := b.get("/logout")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.True(t, deletesCookie(t, rec, "remember_token"))
	assert.True(t, b.who().Anonymous, "this browser is logged out")
	store.failOn("DeleteDevice", nil)
	assert.Equal(t, 1, userDeviceCount(t, store, "1"), "the device could not be revoked")
	assert.Equal(t, "1", copied.who().ID, "so a copy made before still works")
}

// A client that disconnected is not an outage: no error log, no error
// handler, status 499 for the access log.
func TestFailAfterClientWentAway(t *testing.T) {
	t.Parallel()
	var logs *logBuffer
	handled := false
	a := newTestApp(t, func(c *Config) {
		logs = captureLogs(c)
		c.RememberStore = NewMemoryStore() // no start-up warning in the log
		c.ErrorHandler = func(*gin.Context, error) { handled = true }
	})
	a.engine.GET("/gone", func(c *gin.Context) {
		ctx, cancel := context.WithCancel(c.Request.Context())
		cancel() // as net/http does when the client closes the connection
		c.Request = c.Request.WithContext(ctx)
		Fail(c, fmt.Errorf("query: %w", ctx.Err()))
	})
	rec := a.browser().get("/gone")
	assert.Equal(t, statusClientClosedRequest, rec.Code)
	assert.False(t, handled)
	lines := logs.lines()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "level=DEBUG")
	assert.Contains(t, lines[0], "client went away")
}
