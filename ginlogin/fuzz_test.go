package ginlogin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Guarantee 11: the parsers that read attacker input are fuzzed. Each
// target states its property; the seed corpora hold the known attacks.

// appOrigin is the page a browser is on when it follows a redirect.
var appOrigin, _ = url.Parse("https://app.example/account/settings?tab=1")

// browserTarget models where a browser goes for a relative Location
// value, as the WHATWG URL parser sees it: leading and trailing C0
// control characters and spaces are stripped, tabs and newlines anywhere
// are removed, a backslash is a slash (http and https are special
// schemes), and the result is resolved against the current page. It
// reports false when the value does not parse at all.
func browserTarget(location string) (*url.URL, bool) {
	s := strings.TrimFunc(location, func(r rune) bool { return r <= ' ' })
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, s)
	ref, err := url.Parse(s)
	if err != nil {
		return nil, false
	}
	return appOrigin.ResolveReference(ref), true
}

// staysOnOrigin reports whether a browser following location stays on the
// application's origin.
func staysOnOrigin(location string) bool {
	u, ok := browserTarget(location)
	return ok && u.Host == appOrigin.Host && (u.Scheme == "https" || u.Scheme == "http") && u.User == nil
}

// safeNextCases are Django's url_has_allowed_host_and_scheme corpus
// (tests/utils_tests/test_http.py) and the redirect CVEs of Django,
// Flask-Security and others (see the security reference), with what
// SafeNext answers. SafeNext accepts only same-origin paths, so some
// values Django accepts for an allowed host are refused here on purpose.
var safeNextCases = []struct {
	value string
	ok    bool
	why   string
}{
	// Django: bad URLs.
	{"http://example.com", false, "absolute"},
	{"http:///example.com", false, "scheme without host"},
	{"https://example.com", false, "absolute"},
	{"ftp://example.com", false, "absolute"},
	{`\\example.com`, false, "backslashes are slashes"},
	{`\\\example.com`, false, "backslashes are slashes"},
	{`/\\/example.com`, false, "backslashes are slashes"},
	{`\\//example.com`, false, "backslashes are slashes"},
	{`/\/example.com`, false, "backslashes are slashes"},
	{`\/example.com`, false, "backslashes are slashes"},
	{`/\example.com`, false, "CVE-2021-32618 class"},
	{`http:/\//example.com`, false, "scheme"},
	{`http:\/example.com`, false, "scheme"},
	{`http:/\example.com`, false, "scheme"},
	{`javascript:alert("XSS")`, false, "CVE-2013-6044"},
	{"\njavascript:alert(x)", false, "CVE-2015-0220"},
	{"\x08//example.com", false, "leading control character"},
	{`http://otherserver\@example.com`, false, "CVE-2016-2512"},
	{`http:\\testserver\@example.com`, false, "CVE-2016-2512"},
	{`http://testserver\me:pass@example.com`, false, "userinfo"},
	{`http://testserver\@example.com`, false, "userinfo"},
	{`http:\\testserver\confirm\me@example.com`, false, "userinfo"},
	{"http:999999999", false, "CVE-2017-7233"},
	{"ftp:9999999999", false, "CVE-2017-7233"},
	{"\n", false, "control character"},
	{"http://[2001:cdba:0000:0000:0000:0000:3257:9652/", false, "malformed"},
	{"http://2001:cdba:0000:0000:0000:0000:3257:9652]/", false, "malformed"},
	// Django: good URLs. The relative paths pass; the rest name a host,
	// which SafeNext never accepts.
	{"/view/?param=http://example.com", true, ""},
	{"/view/?param=https://example.com", true, ""},
	{"/view?param=ftp://example.com", true, ""},
	{"/url%20with%20spaces/", true, ""},
	{"view/?param=//example.com", false, "not a path from the root"},
	{"https://testserver/", false, "absolute, even to this host"},
	{"HTTPS://testserver/", false, "absolute, even to this host"},
	{"//testserver/", false, "scheme-relative"},
	{"http://testserver/confirm?email=me@example.com", false, "absolute"},
	{"path/http:2222222222", false, "not a path from the root"},
	// The CVE list of the security reference and friends.
	{"//evil.example", false, "CVE-2018-14574 class"},
	{"///evil.example", false, "more slashes"},
	{"////example.com", false, "opencve#80"},
	{`\\\github.com`, false, "CVE-2021-32618"},
	{"/\t/evil.example", false, "tab removed by browsers"},
	{"/\n/evil.example", false, "newline removed by browsers"},
	{"/\r/evil.example", false, "carriage return removed by browsers"},
	{"https:evil.example", false, "scheme with opaque host"},
	{"javascript:", false, "javascript scheme"},
	{"JavaScript:alert(1)", false, "javascript scheme"},
	{"data:text/html,hi", false, "data scheme"},
	{"\x00/evil.example", false, "leading NUL"},
	{" /dashboard", false, "leading space"},
	{"\x1f//evil.example", false, "leading unit separator"},
	{"/dashboard\x00", false, "NUL"},
	{"/dashboard\x7f", false, "DEL"},
	{"/\xff", false, "not UTF-8"},
	{"", false, "empty"},
	{"/" + strings.Repeat("a", maxNextLength), false, "very long"},
	{"/" + strings.Repeat("a", maxNextLength-1), true, "at the length limit"},
	// Safe paths.
	{"/", true, ""},
	{"/dashboard?tab=2#top", true, ""},
	{"/ünïcode/页面", true, ""},
	{"/%2F%2Fevil.example", true, "percent-encoded slashes stay in the path"},
	{"/a//b", true, "double slash after the first segment"},
	{"/.//evil.example", true, "a path on this origin"},
	{"/path?next=//evil.example", true, "in the query"},
	{"/#//evil.example", true, "in the fragment"},
}

// Guarantee 11: SafeNext against Django's corpus and the CVE list, each
// accepted value checked against the browser model.
func TestSafeNextCases(t *testing.T) {
	t.Parallel()
	for _, tt := range safeNextCases {
		t.Run(tt.value, func(t *testing.T) {
			got, ok := SafeNext(tt.value)
			assert.Equal(t, tt.ok, ok, "%q: %s", tt.value, tt.why)
			if ok {
				assert.Equal(t, tt.value, got, "returned unchanged")
				assert.True(t, staysOnOrigin(tt.value), "a browser would leave the origin for %q", tt.value)
			} else {
				assert.Empty(t, got)
			}
		})
	}
	// The model itself catches the attacks it should.
	for _, attack := range []string{"//evil.example", `/\evil.example`, "/\t/evil.example", "\x08//evil.example", "https:evil.example"} {
		assert.False(t, staysOnOrigin(attack), "the browser model misses %q", attack)
	}
}

// FuzzSafeNext: accepted ⇒ a browser following the value as a Location
// stays on this origin, and the value is returned unchanged.
func FuzzSafeNext(f *testing.F) {
	for _, tt := range safeNextCases {
		f.Add(tt.value)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got, ok := SafeNext(next)
		if !ok {
			if got != "" {
				t.Errorf("refused %q but returned %q", next, got)
			}
			return
		}
		if got != next {
			t.Errorf("accepted %q but returned %q", next, got)
		}
		if !staysOnOrigin(next) {
			u, _ := browserTarget(next)
			t.Errorf("accepted %q, which a browser resolves to %v", next, u)
		}
	})
}

// fuzzSignedTokens returns the stateless token codec of a Manager.
func fuzzSignedTokens(tb testing.TB) *signedTokens {
	tb.Helper()
	st, ok := newTestApp(tb, nil).mgr.remember.(*signedTokens)
	require.True(tb, ok)
	return st
}

// checkFlips checks that changing any one byte of an accepted token makes
// it rejected.
func checkFlips(t *testing.T, codec *signedTokens, token string) {
	t.Helper()
	for i := range len(token) {
		for _, mask := range []byte{0x01, 0x20} {
			b := []byte(token)
			b[i] ^= mask
			if _, _, _, ok := codec.decode(string(b)); ok {
				t.Errorf("byte %d of %q changed (%q) and still accepted", i, token, b)
			}
		}
	}
}

// FuzzSignedToken: decode never panics; anything it accepts was produced
// by encode with the same key (re-encoding the decoded fields gives the
// input back); encode's output decodes to its fields; a token with any
// byte changed is rejected.
func FuzzSignedToken(f *testing.F) {
	codec := fuzzSignedTokens(f)
	exp := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	stamp := bytes.Repeat([]byte{7}, authStampMACLength)
	for _, seed := range []struct {
		uid   string
		stamp []byte
	}{{"1", nil}, {"佐藤", stamp}, {longestUserID, stamp}, {"a.b", nil}} {
		token := codec.encode(seed.uid, exp, seed.stamp)
		f.Add(token, seed.uid, exp.Unix(), seed.stamp)
		f.Add(token[:len(token)-1], seed.uid, exp.Unix(), seed.stamp)
		f.Add(strings.Replace(token, "1.", "2.", 1), seed.uid, int64(1), []byte(nil))
	}
	f.Add("", "", int64(0), []byte(nil))
	f.Add("1.....", "x", int64(-1), []byte{})
	f.Add("1.MQ.99999999999..AAAA", "1", int64(99999999999), []byte("x"))
	f.Add(strings.Repeat(".", 5000), strings.Repeat("x", MaxUserIDLength+1), int64(1)<<62, bytes.Repeat([]byte{1}, 40))

	f.Fuzz(func(t *testing.T, value, uid string, unix int64, stampMAC []byte) {
		if id, expires, mac, ok := codec.decode(value); ok {
			if again := codec.encode(id, expires, mac); again != value {
				t.Fatalf("accepted %q, which encode writes as %q", value, again)
			}
			checkFlips(t, codec, value)
		}
		if uid == "" || len(uid) > MaxUserIDLength || unix <= 0 {
			return
		}
		token := codec.encode(uid, time.Unix(unix, 0), stampMAC)
		id, expires, mac, ok := codec.decode(token)
		if !ok || id != uid || expires.Unix() != unix || !bytes.Equal(mac, stampMAC) {
			t.Fatalf("encode(%q, %d, %x) = %q decodes to %q, %d, %x, %v", uid, unix, stampMAC, token, id, expires.Unix(), mac, ok)
		}
		checkFlips(t, codec, token)
	})
}

// FuzzSplitToken: parseSplitToken never panics, and accepts only the
// canonical form the library writes: a 16-byte selector and a 32-byte
// validator, base64url without padding, joined by a dot.
func FuzzSplitToken(f *testing.F) {
	for range 3 {
		sel, err := randomToken(selectorBytes)
		require.NoError(f, err)
		val, err := randomToken(validatorBytes)
		require.NoError(f, err)
		f.Add(sel + "." + val)
		f.Add(sel + "." + val + "=")
		f.Add(sel + ":" + val)
		f.Add(val + "." + sel)
	}
	f.Add("")
	f.Add(".")
	f.Add(strings.Repeat("A", selectorLen) + "." + strings.Repeat("_", validatorLen))
	f.Add(strings.Repeat("A", selectorLen-1) + "B." + strings.Repeat("A", validatorLen))
	f.Add(strings.Repeat("A", selectorLen) + "%2E" + strings.Repeat("A", validatorLen))
	f.Fuzz(func(t *testing.T, value string) {
		selector, validator, ok := parseSplitToken(value)
		if !ok {
			return
		}
		if len(selector) != selectorLen || len(validator) != validatorBytes {
			t.Fatalf("accepted %q with a %d-byte selector and a %d-byte validator", value, len(selector), len(validator))
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(selector)
		if err != nil || len(raw) != selectorBytes {
			t.Fatalf("accepted %q with a selector that is not 16 bytes of base64url", value)
		}
		if canonical := selector + "." + base64.RawURLEncoding.EncodeToString(validator); canonical != value {
			t.Fatalf("accepted %q, whose canonical form is %q", value, canonical)
		}
	})
}

// FuzzLoginURL: LoginURL and MakeNextParam never panic, and for a relative
// login URL the result's `next` parameter reads back as exactly the path
// and query of the page being left.
func FuzzLoginURL(f *testing.F) {
	for _, seed := range [][3]string{
		{"/login", "/protected", "next"},
		{"/login?lang=de", "/protected?a=1&b=2", "next"},
		{"/login?next=/old&next=/older", "https://app.example/x?y=z#frag", "next"},
		{"/login#top", "/a b/ü?q=%20&r", "return_to"},
		{"/login?next;=1&a=%zz", "//evil.example/path", "next"},
		{"https://sso.example/login", "https://app.example/page?x=1", "next"},
		{"login", "/p", ""},
		{"/login?x=1", "/p%2Fq?r=%2F", "n&e=x+t"},
		{"%zz", "%zz", "next"},
		{"/login", "", "next"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, loginURL, next, field string) {
		out := withNext(loginURL, next, field)
		_ = nextParam(loginURL, next)
		l, err := url.Parse(loginURL)
		if err != nil || l.Scheme != "" || l.Host != "" || next == "" {
			return
		}
		cur, err := url.Parse(next)
		if err != nil {
			return
		}
		want := cur.EscapedPath()
		if want == "" {
			want = "/"
		}
		if cur.RawQuery != "" {
			want += "?" + cur.RawQuery
		}
		if field == "" {
			field = DefaultNextField
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("LoginURL(%q, %q, %q) = %q does not parse: %v", loginURL, next, field, out, err)
		}
		if got := u.Query()[field]; len(got) != 1 || got[0] != want {
			t.Fatalf("LoginURL(%q, %q, %q) = %q: %s is %q, want [%q]", loginURL, next, field, out, field, got, want)
		}
	})
}

// acceptRequest returns a gin.Context for a request with the given Accept
// and X-Requested-With headers ("" leaves a header out).
func acceptRequest(accept, requestedWith string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	if accept != "" {
		c.Request.Header.Set("Accept", accept)
	}
	if requestedWith != "" {
		c.Request.Header.Set("X-Requested-With", requestedWith)
	}
	return c
}

// reverseParts reverses the comma-separated elements of an Accept value.
func reverseParts(accept string) string {
	parts := strings.Split(accept, ",")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ",")
}

// FuzzAcceptHeader: WantsHTML never panics, and its answer is a function
// of the media ranges only: reordering the elements or changing the case of
// the value (media types and parameter names are case-insensitive, RFC
// 9110) does not change it; X-Requested-With: XMLHttpRequest never wants a
// page; a text/html at full weight added to the value always does.
func FuzzAcceptHeader(f *testing.F) {
	for _, seed := range [][2]string{
		{"application/json", ""},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""},
		{"application/json;q=0.9, text/html;q=0.8", ""},
		{"application/json;Q=0", ""},
		{"application/problem+json", ""},
		{"text/html;q=0, application/json;q=0.001", ""},
		{"application/json;q=1.5;q=0.5", ""},
		{";;,,;q=", "xmlhttprequest"},
		{"*/*", "XMLHttpRequest"},
		{"APPLICATION/JSON; CHARSET=UTF-8; q=0.5", "fetch"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, accept, requestedWith string) {
		if strings.ContainsAny(accept+requestedWith, "\r\n\x00") {
			return // not a header value
		}
		xhr := strings.EqualFold(strings.TrimSpace(requestedWith), "XMLHttpRequest")
		got := WantsHTML(acceptRequest(accept, requestedWith))
		if xhr && got {
			t.Fatalf("X-Requested-With %q wants a page", requestedWith)
		}
		if xhr {
			return
		}
		if again := WantsHTML(acceptRequest(reverseParts(accept), "")); again != got {
			t.Fatalf("Accept %q gives %v, reversed %v", accept, got, again)
		}
		if upper := WantsHTML(acceptRequest(strings.ToUpper(accept), "")); upper != got {
			t.Fatalf("Accept %q gives %v, upper-cased %v", accept, got, upper)
		}
		if !WantsHTML(acceptRequest("text/html,"+accept, "")) {
			t.Fatalf("Accept %q with text/html at full weight does not want a page", accept)
		}
	})
}

// fuzzLogin logs a browser of a into user 1 and returns the cookie value
// named name.
func fuzzLogin(tb testing.TB, a *testApp, name string) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "https://app.example/login/1?remember=1", nil)
	req.RemoteAddr = "192.0.2.10:4711"
	a.engine.ServeHTTP(rec, req)
	require.Equal(tb, 200, rec.Code)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name {
			return ck.Value
		}
	}
	tb.Fatalf("the login set no %s cookie", name)
	return ""
}

// whoamiWithCookie asks /whoami with a raw Cookie header and returns the
// status, the answer and the value net/http reads for the cookie name.
func whoamiWithCookie(t *testing.T, a *testApp, name, value string) (int, whoami, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "https://app.example/whoami", nil)
	req.RemoteAddr = "192.0.2.10:4711"
	req.Header.Set("Cookie", name+"="+value)
	parsed := ""
	if ck, err := req.Cookie(name); err == nil {
		parsed = ck.Value
	}
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	var w whoami
	if rec.Code == 200 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &w), rec.Body.String())
	}
	return rec.Code, w, parsed
}

// flipByte returns s with the byte at i (modulo its length) XORed with
// mask (0 counts as 1), so the result always differs from s.
func flipByte(s string, i uint16, mask byte) string {
	if s == "" {
		return s
	}
	if mask == 0 {
		mask = 1
	}
	b := []byte(s)
	b[int(i)%len(b)] ^= mask
	return string(b)
}

// authenticSession reports whether value is a session cookie the
// library's session keys made (it decodes and its MAC verifies), read with
// the serializer NewCookieStore uses.
func authenticSession(value string) bool {
	var values map[any]any
	codecs := securecookie.CodecsFromPairs(SessionKeyPairs(testSecret)...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).SetSerializer(sessionCodec{}) // as NewCookieStore does
	}
	return securecookie.DecodeMulti("session", value, &values, codecs...) == nil
}

// FuzzSessionCookie: whatever a client sends as the session cookie, the
// request is answered (never a 5xx, never a panic) and is logged in only
// when the cookie net/http reads is one the session keys made; the issued
// cookie with any byte changed is anonymous unless it decodes to the very
// same bytes (base64's unused low bits of the last character).
func FuzzSessionCookie(f *testing.F) {
	a := newTestApp(f, nil)
	valid := fuzzLogin(f, a, "session")
	f.Add(valid, uint16(0), byte(0))
	f.Add(valid[:len(valid)-1], uint16(len(valid)/2), byte(0x20))
	f.Add(`"`+valid+`"`, uint16(7), byte(0x80))
	f.Add(valid+"; session=x", uint16(1), byte(1))
	f.Add("", uint16(0), byte(0))
	f.Add(strings.Repeat("A", 5000), uint16(0), byte(0))
	f.Add("MTIzNDU2Nzg5MHxZV0pqWkdWbVp3PT18AAAA", uint16(3), byte(4))
	want, _ := base64.URLEncoding.DecodeString(valid)
	f.Fuzz(func(t *testing.T, value string, i uint16, mask byte) {
		for _, v := range []string{value, flipByte(valid, i, mask)} {
			code, w, parsed := whoamiWithCookie(t, a, "session", v)
			if code != 200 {
				t.Fatalf("session cookie %q answered %d", v, code)
			}
			if w.LoggedIn && !authenticSession(parsed) {
				t.Fatalf("session cookie %q (read as %q) logged in", v, parsed)
			}
		}
		flipped := flipByte(valid, i, mask)
		if _, w, _ := whoamiWithCookie(t, a, "session", flipped); w.LoggedIn {
			if got, _ := base64.URLEncoding.DecodeString(flipped); !bytes.Equal(got, want) {
				t.Fatalf("the issued session cookie with byte %d changed (%q) is still logged in", int(i)%len(valid), flipped)
			}
		}
	})
}

// FuzzRememberCookie: whatever a client sends as the remember cookie,
// with or without a RememberStore, the request is answered (never a 5xx,
// never a panic) and restores a login only when the cookie net/http reads
// is the token the server issued; the issued token with any byte changed
// is anonymous.
func FuzzRememberCookie(f *testing.F) {
	split, _ := randomToken(selectorBytes)
	val, _ := randomToken(validatorBytes)
	f.Add(split+"."+val, uint16(0), byte(0), false)
	f.Add(split+"."+val, uint16(30), byte(0x20), true)
	f.Add("1.MQ.99999999999..AAAA", uint16(2), byte(1), false)
	f.Add(strings.Repeat(".", 5000), uint16(9), byte(0x80), true)
	f.Add("", uint16(0), byte(0), true)
	f.Fuzz(func(t *testing.T, value string, i uint16, mask byte, stored bool) {
		a := newTestApp(t, func(c *Config) {
			if stored {
				c.RememberStore = NewMemoryStore()
			}
		})
		issued := fuzzLogin(t, a, "remember_token")
		for _, v := range []string{value, flipByte(issued, i, mask)} {
			code, w, parsed := whoamiWithCookie(t, a, "remember_token", v)
			if code != 200 {
				t.Fatalf("remember cookie %q answered %d", v, code)
			}
			if w.LoggedIn && parsed != issued {
				t.Fatalf("remember cookie %q (read as %q) restored a login", v, parsed)
			}
		}
	})
}

// FuzzRevokeDevice: RevokeDevice revokes a device only for its exact
// public ID. Any other value (the raw selector, a changed character, the
// ID with padding or in another case) is ErrDeviceNotFound, and every
// device of the user is still there and still works.
func FuzzRevokeDevice(f *testing.F) {
	a := newTestApp(f, func(c *Config) { c.RememberStore = NewMemoryStore() })
	var revokeErr error
	a.engine.GET("/fuzz-revoke", func(c *gin.Context) {
		revokeErr = RevokeDevice(c, c.Query("id"))
		c.String(200, "done")
	})
	session := fuzzLogin(f, a, "session")
	fuzzLogin(f, a, "session") // a second device
	devs, err := a.mgr.cfg.RememberStore.UserDevices(context.Background(), "1")
	require.NoError(f, err)
	require.Len(f, devs, 2)
	ids := map[string]bool{}
	for _, d := range devs {
		ids[d.PublicID()] = true
		f.Add(d.Selector)
		f.Add(flipByte(d.PublicID(), 3, 0x20))
		f.Add(d.PublicID() + "=")
		f.Add(strings.ToUpper(d.PublicID()))
		f.Add(" " + d.PublicID())
	}
	f.Add("")
	f.Add(strings.Repeat("A", 4096))
	f.Fuzz(func(t *testing.T, id string) {
		if ids[id] {
			return // the exact ID revokes; tested in TestDevicesAndRevocation
		}
		req := httptest.NewRequest(http.MethodGet, "https://app.example/fuzz-revoke?id="+url.QueryEscape(id), nil)
		req.RemoteAddr = "192.0.2.10:4711"
		req.Header.Set("Cookie", "session="+session)
		rec := httptest.NewRecorder()
		a.engine.ServeHTTP(rec, req)
		if rec.Code != 200 || !errors.Is(revokeErr, ErrDeviceNotFound) {
			t.Fatalf("RevokeDevice(%q): status %d, error %v", id, rec.Code, revokeErr)
		}
		left, err := a.mgr.cfg.RememberStore.UserDevices(context.Background(), "1")
		if err != nil || len(left) != 2 {
			t.Fatalf("RevokeDevice(%q) left %d devices (%v)", id, len(left), err)
		}
	})
}

// deviceLabelNames are every browser and system name deviceLabel uses.
var deviceLabelNames = []string{
	"Unknown browser", "Edge", "Opera", "Firefox", "Chromium", "Headless Chrome", "Chrome", "Safari", "curl", "Go HTTP client",
}

// FuzzDeviceLabel: a device's label is built from fixed names only, so a
// User-Agent cannot put its own text (markup, control characters, a very
// long value) into the device list; and truncateUTF8, which cuts labels
// and flash messages, returns a prefix of at most n bytes, for valid UTF-8
// the longest one that does not split a character.
func FuzzDeviceLabel(f *testing.F) {
	f.Add("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", 10)
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1 <script>", 3)
	f.Add("curl/8.5.0", 0)
	f.Add("ünïcödé 页面 \xff\xfe", 5)
	f.Add("", -1)
	f.Fuzz(func(t *testing.T, ua string, n int) {
		label := deviceLabel(ua)
		browser, system, _ := strings.Cut(label, " on ")
		if !slices.Contains(deviceLabelNames, browser) {
			t.Fatalf("deviceLabel(%q) = %q: unknown browser name", ua, label)
		}
		if system != "" && !slices.Contains([]string{"Android", "iOS", "iPadOS", "Windows", "macOS", "ChromeOS", "Linux"}, system) {
			t.Fatalf("deviceLabel(%q) = %q: unknown system name", ua, label)
		}
		if n < 0 || n > 1<<20 {
			return
		}
		cut := truncateUTF8(ua, n)
		if !strings.HasPrefix(ua, cut) || len(cut) > n && len(ua) > n {
			t.Fatalf("truncateUTF8(%q, %d) = %q: not a prefix of at most %d bytes", ua, n, cut, n)
		}
		if len(ua) <= n {
			if cut != ua {
				t.Fatalf("truncateUTF8(%q, %d) = %q: cut a value that fits", ua, n, cut)
			}
			return
		}
		if !utf8.ValidString(ua) {
			return // no characters to keep whole
		}
		if !utf8.ValidString(cut) || !utf8.RuneStart(ua[len(cut)]) {
			t.Fatalf("truncateUTF8(%q, %d) = %q: splits a character", ua, n, cut)
		}
		for k := len(cut) + 1; k <= n; k++ {
			if utf8.RuneStart(ua[k]) {
				t.Fatalf("truncateUTF8(%q, %d) = %q: a longer prefix (%d bytes) would do", ua, n, cut, k)
			}
		}
	})
}
