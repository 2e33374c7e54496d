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
	return resp.StatusCode, string(data), nil
}

// register creates the browser's account (and leaves it logged in).
func (b *browser) register(ctx context.Context) error {
	status, body, err := b.send(ctx, http.MethodPost, "/register", url.Values{
		"email": {b.email}, "name": {b.name}, "password": {b.password}, "confirm_password": {b.password},
	}, "")
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("register %s: status %d: %.200s", b.email, status, body)
	}
	return nil
}

var errThrottled = errors.New("throttled")

func (b *browser) login(ctx context.Context) error {
	status, body, err := b.send(ctx, http.MethodPost, "/login", url.Values{
		"email": {b.email}, "password": {b.password},
	}, "")
	if err != nil {
		return err
	}
	switch status {
	case http.StatusSeeOther:
		b.st.logins++
		return nil
	case http.StatusTooManyRequests:
		return errThrottled
	}
	return fmt.Errorf("login %s: status %d: %.200s", b.email, status, body)
}

func (b *browser) logout(ctx context.Context) error {
	status, _, err := b.send(ctx, http.MethodPost, "/logout", url.Values{}, "")
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("logout: status %d", status)
	}
	b.st.logouts++
	return nil
}

// pageView requests one authenticated page and checks it is this account's.
func (b *browser) pageView(ctx context.Context, n int) error {
	if n%2 == 0 {
		status, body, err := b.send(ctx, http.MethodGet, "/dashboard", nil, "")
		if err != nil || status != http.StatusOK {
			return err
		}
		if !strings.Contains(body, b.email) {
			b.st.wrongUser++
			b.st.note("/dashboard for %s did not show its e-mail", b.email)
		}
		return nil
	}
	status, body, err := b.send(ctx, http.MethodGet, "/api/me", nil, "application/json")
	if err != nil || status != http.StatusOK {
		return err
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

// loop runs the browser until ctx ends: page views, with a logout and login
// every relogin views.
func (b *browser) loop(ctx context.Context, relogin int) {
	for n := 0; ctx.Err() == nil; n++ {
		if relogin > 0 && n > 0 && n%relogin == 0 {
			if b.logout(ctx) != nil {
				continue
			}
			for ctx.Err() == nil {
				err := b.login(ctx)
				if !errors.Is(err, errThrottled) {
					break
				}
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
			continue
		}
		_ = b.pageView(ctx, n)
	}
}
