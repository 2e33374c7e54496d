package ginlogin

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

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
		out := LoginURL(loginURL, next, field)
		_ = MakeNextParam(loginURL, next)
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
