package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// browser is one simulated user agent with its own account and cookies.
type browser struct {
	email, name, password string
	urls                  []string
	client                *http.Client
	st                    *stats
	rng                   *rand.Rand
	csrf                  string // the CSRF token of the last page with a form
	location              string // the Location of the last answer
}

// newBrowser returns browser number i. On loopback targets it gets its own
// source address (127.0.x.y), as separate machines would have.
func newBrowser(i int, o options) *browser {
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if u, err := url.Parse(o.urls[0]); err == nil {
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() && ip.To4() != nil {
			dialer.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(2+i%250))}
		}
	}
	transport := &http.Transport{
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	return &browser{
		email:    fmt.Sprintf("%s-%d@load.example", o.prefix, i),
		name:     fmt.Sprintf("Load User %d", i),
		password: o.password,
		urls:     o.urls,
		client: &http.Client{
			Jar:       jar,
			Transport: transport,
			Timeout:   30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		st:  newStats(),
		rng: rand.New(rand.NewPCG(uint64(i), 42)),
	}
}

// base picks an instance at random, so one browser's requests spread over
// every instance of the site.
func (b *browser) base() string { return b.urls[b.rng.IntN(len(b.urls))] }

// send performs a request and records its status and latency. It returns
// the body (first 64 KB) for checks.
func (b *browser) send(ctx context.Context, method, path string, form url.Values, accept string) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base()+path, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	// What a browser sends on its own site's pages: Go's cross-origin
	// protection lets same-origin requests through.
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("User-Agent", userAgent)
	start := time.Now()
	resp, err := b.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, "", ctx.Err()
		}
		b.st.failures++
		b.st.note("%s %s: %v", method, path, err)
		return 0, "", err
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	b.st.record(resp.StatusCode, time.Since(start))
	if resp.StatusCode >= 500 {
		b.st.note("%s %s: %d %.80q", method, path, resp.StatusCode, data)
	}
	b.location = resp.Header.Get("Location")
	if m := csrfField.FindSubmatch(data); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(data), nil
}

// userAgent is what the simulated browsers call themselves.
const userAgent = "Mozilla/5.0 (X11; Linux x86_64) loadgen/1.0"

// csrfField finds the synchronizer token the site puts in its forms; a form
// POST must send it back (the site also accepts it as X-CSRF-Token).
var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// submit opens the page holding a form, as a user does (which also gives
// the form's CSRF token), then posts the form with the token. A 303 is
// followed, as a browser does, which picks up the token of the next page.
func (b *browser) submit(ctx context.Context, formPage, action string, form url.Values) (int, string, error) {
	status, body, err := b.send(ctx, http.MethodGet, formPage, nil, "")
	if err != nil {
		return 0, "", err
	}
	if status != http.StatusOK {
		return status, body, nil
	}
	return b.post(ctx, action, form)
}

// post sends a form with the current CSRF token and follows a 303.
func (b *browser) post(ctx context.Context, action string, form url.Values) (int, string, error) {
	form.Set("csrf_token", b.csrf)
	status, body, err := b.send(ctx, http.MethodPost, action, form, "")
	if err != nil || status != http.StatusSeeOther {
		return status, body, err
	}
	if next := b.location; strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") {
		if _, _, err := b.send(ctx, http.MethodGet, next, nil, ""); err != nil {
			return 0, "", err
		}
	}
	return status, body, nil
}

// register creates the browser's account through the registration form
// (and leaves it logged in).
func (b *browser) register(ctx context.Context) error {
	status, body, err := b.submit(ctx, "/register", "/register", url.Values{
		"email": {b.email}, "name": {b.name}, "password": {b.password}, "confirm_password": {b.password},
	})
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("register %s: status %d: %.200s", b.email, status, body)
	}
	return nil
}

var errThrottled = errors.New("throttled")

// login opens the login form and submits it.
func (b *browser) login(ctx context.Context) error {
	status, body, err := b.submit(ctx, "/login", "/login", url.Values{
		"email": {b.email}, "password": {b.password},
	})
	if err != nil {
		return err
	}
	switch status {
	case http.StatusSeeOther:
		b.st.logins++
		return nil
	case http.StatusTooManyRequests:
		b.st.throttled++
		return errThrottled
	}
	return fmt.Errorf("login %s: status %d: %.200s", b.email, status, body)
}

// logout presses the logout button every page of a logged-in user has,
// with the token of the last page.
func (b *browser) logout(ctx context.Context) error {
	if b.csrf == "" {
		if _, _, err := b.send(ctx, http.MethodGet, "/logout", nil, ""); err != nil {
			return err
		}
	}
	status, _, err := b.post(ctx, "/logout", url.Values{})
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("logout: status %d", status)
	}
	b.st.logouts++
	return nil
}

// errLoggedOut means the site asked a logged-in browser to log in.
var errLoggedOut = errors.New("logged out")

// pageView requests one authenticated page (the dashboard, or the JSON API)
// and checks that it is this account's.
func (b *browser) pageView(ctx context.Context, n int) error {
	if n%2 == 0 {
		status, body, err := b.send(ctx, http.MethodGet, "/dashboard", nil, "")
		switch {
		case err != nil:
			return err
		case status == http.StatusFound && strings.HasPrefix(b.location, "/login"):
			return b.lostLogin("/dashboard")
		case status != http.StatusOK:
			return nil // counted by status
		}
		if !strings.Contains(body, b.email) {
			b.st.wrongUser++
			b.st.note("/dashboard for %s did not show its e-mail", b.email)
		}
		return nil
	}
	status, body, err := b.send(ctx, http.MethodGet, "/api/me", nil, "application/json")
	switch {
	case err != nil:
		return err
	case status == http.StatusUnauthorized:
		return b.lostLogin("/api/me")
	case status != http.StatusOK:
		return nil
	}
	var me struct {
		Email string `json:"email"`
	}
	if json.Unmarshal([]byte(body), &me) != nil || me.Email != b.email {
		b.st.wrongUser++
		b.st.note("/api/me for %s answered %.120s", b.email, body)
	}
	return nil
}

// lostLogin records that the site forgot the browser's login.
func (b *browser) lostLogin(path string) error {
	b.st.loggedOut++
	b.st.note("%s treated %s as logged out", path, b.email)
	return errLoggedOut
}

// loop runs the browser until ctx ends: page views, with a logout and login
// every relogin views. A browser the site forgot logs in again.
func (b *browser) loop(ctx context.Context, relogin int) {
	for n := 0; ctx.Err() == nil; n++ {
		if relogin > 0 && n > 0 && n%relogin == 0 {
			if b.logout(ctx) == nil {
				b.loginPatiently(ctx)
			}
			continue
		}
		if errors.Is(b.pageView(ctx, n), errLoggedOut) {
			b.loginPatiently(ctx)
		}
	}
}

// loginPatiently logs in, waiting a second after each 429 as a person
// would (the per-address bucket refills one attempt every few seconds).
func (b *browser) loginPatiently(ctx context.Context) {
	for ctx.Err() == nil {
		if !errors.Is(b.login(ctx), errThrottled) {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
