package ginlogin

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginRecordRoundTrip(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]loginRecord{
		"fresh, remembered": {UserID: "42", LoginAt: 1767323045, SeenAt: 1767323105, FreshAt: 1767323045, RememberFor: 7 * 3600,
			Identifier: "AbCdEfGhIjKlMnOp", Stamp: "c3RhbXBzdGFtcHN0YW1wcw", Device: "ZGV2aWNlZGV2aWNlZGV2aQ"},
		"not fresh, defaults":            {UserID: "佐藤", LoginAt: 1767323045, SeenAt: 1767323045},
		"a user ID with the separator":   {UserID: "a|b|c||", LoginAt: 1, SeenAt: 1},
		"clock behind the login's clock": {UserID: "x", LoginAt: 1767323045, SeenAt: 1767323000, FreshAt: 1767322999},
	} {
		t.Run(name, func(t *testing.T) {
			enc := r.encode()
			got, ok := parseLoginRecord(enc)
			require.True(t, ok, enc)
			assert.Equal(t, r, got)
		})
	}
	short := loginRecord{UserID: "42", LoginAt: 1767323045, SeenAt: 1767323105, FreshAt: 1767323045, Identifier: "AbCdEfGhIjKlMnOp"}
	assert.LessOrEqual(t, len(short.encode()), 40, "a typical login stays short: %q", short.encode())
}

// Sessions written before the token tag existed (version 2 records) are
// still read: an upgrade logs no one out.
func TestLoginRecordReadsVersion2(t *testing.T) {
	t.Parallel()
	r, ok := parseLoginRecord("2|t87v6t|1o||jg0|AbCdEfGhIjKlMnOp|c3RhbXA|ZGV2aWNl|a|b")
	require.True(t, ok)
	assert.Equal(t, loginRecord{
		UserID: "a|b", LoginAt: 1767323045, SeenAt: 1767323045 + 60, RememberFor: 7 * 3600,
		Identifier: "AbCdEfGhIjKlMnOp", Stamp: "c3RhbXA", Device: "ZGV2aWNl",
	}, r)
	v3 := r
	v3.Token = "dGFndGFn"
	back, ok := parseLoginRecord(v3.encode())
	require.True(t, ok)
	assert.Equal(t, v3, back, "version 3 keeps the token tag")
	assert.True(t, strings.HasPrefix(v3.encode(), "3|"))
}

func TestLoginRecordRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "2", "1|1|0|||id|||u", "2|0|0|||id|||u", "2|-5|0|||id|||u", "2|zz|?|||id|||u",
		"2|t6ebqt|0|x!||id|||u", "2|t6ebqt|0||-1|id|||u", "2|t6ebqt|0|||id|||", "2|t6ebqt|0|||id||",
	} {
		_, ok := parseLoginRecord(s)
		assert.False(t, ok, "%q", s)
	}
}

// FuzzLoginRecord: the parser never panics, and whatever it accepts
// encodes back to a record it reads the same way.
func FuzzLoginRecord(f *testing.F) {
	f.Add(loginRecord{UserID: "42", LoginAt: 1767323045, SeenAt: 1767323105, FreshAt: 1767323045, Identifier: "AbCd"}.encode())
	f.Add("2|t6ebqt|1o|0|5k0|AbCd|st|dev|a|b")
	f.Add("2|||||||||")
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := parseLoginRecord(s)
		if !ok {
			return
		}
		again, ok := parseLoginRecord(r.encode())
		if !ok || again != r {
			t.Fatalf("%q parsed to %+v, which encodes to %q and parses to %+v", s, r, r.encode(), again)
		}
		if strings.Contains(r.Identifier+r.Stamp+r.Device, "|") {
			t.Fatalf("a separator inside a field: %+v", r)
		}
	})
}

// FuzzLoginRecordRoundTrip: every record the library can write reads back
// as the same record. The record is built with named fields only, so a
// field added to the format later is covered (at its zero value) without
// changing this target.
func FuzzLoginRecordRoundTrip(f *testing.F) {
	f.Add("42", int64(1767323045), int64(60), int64(1767323045), int64(7*3600), "AbCdEfGhIjKlMnOp", "c3RhbXA", "ZGV2aWNl")
	f.Add("a|b||", int64(1), int64(-5), int64(0), int64(0), "", "", "")
	f.Add("佐藤", int64(1)<<62, int64(-1)<<62, int64(-1), int64(1)<<40, "x", "y", "z")
	f.Fuzz(func(t *testing.T, uid string, loginAt, seenAt, freshAt, rememberFor int64, identifier, stamp, device string) {
		if uid == "" || loginAt <= 0 || rememberFor < 0 || strings.Contains(identifier+stamp+device, "|") {
			return // not a record the library writes
		}
		r := loginRecord{
			UserID: uid, LoginAt: loginAt, SeenAt: seenAt, FreshAt: freshAt, RememberFor: rememberFor,
			Identifier: identifier, Stamp: stamp, Device: device,
		}
		enc := r.encode()
		got, ok := parseLoginRecord(enc)
		if !ok || got != r {
			t.Fatalf("%+v encodes to %q, which parses to %+v (%v)", r, enc, got, ok)
		}
		if again := got.encode(); again != enc {
			t.Fatalf("%+v encodes to %q, its parse to %q", r, enc, again)
		}
	})
}
