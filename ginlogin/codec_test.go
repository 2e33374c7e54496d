package ginlogin

import (
	"bytes"
	"encoding/gob"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var _ securecookie.Serializer = sessionCodec{}

// codecTestCart is an application's own session type: the compact form does
// not hold it, so it goes through gob, registered as gob requires.
type codecTestCart struct {
	Items []string
	Total int
}

// codecRoundTrip encodes values and decodes them into a fresh map.
func codecRoundTrip(t *testing.T, values map[any]any) ([]byte, map[any]any) {
	t.Helper()
	b, err := sessionCodec{}.Serialize(values)
	require.NoError(t, err)
	got := map[any]any{}
	require.NoError(t, sessionCodec{}.Deserialize(b, &got))
	return b, got
}

func TestSessionCodecRoundTripCompact(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name   string
		values map[any]any
	}{
		{"empty", map[any]any{}},
		{"library values", map[any]any{
			keyLogin:   "v1|42|1767322045|1767322045|1767322045|abc",
			keyNext:    "/account?tab=1",
			keyFlashes: []any{`{"c":"message","m":"hi"}`, `{"c":"error","m":"no"}`},
		}},
		{"strings", map[any]any{"": "", "k": "v", "unicode": "佐藤 Müller", "bytes": "\x00\xff|\n"}},
		{"bools", map[any]any{"yes": true, "no": false}},
		{"ints", map[any]any{"zero": 0, "one": 1, "neg": -1, "max": math.MaxInt, "min": math.MinInt}},
		{"int64s", map[any]any{"zero": int64(0), "max": int64(math.MaxInt64), "min": int64(math.MinInt64)}},
		{"lists", map[any]any{"empty": []any{}, "mixed": []any{"a", true, false, 7, int64(-8), ""}}},
		{"gorilla flashes", map[any]any{"_flash": []any{"saved"}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			b, got := codecRoundTrip(t, row.values)
			assert.Equal(t, codecCompactV1, b[0], "written in the compact form")
			assert.Equal(t, row.values, got)
		})
	}
}

func TestSessionCodecGobFallback(t *testing.T) {
	t.Parallel()
	gob.Register(codecTestCart{})
	rows := []struct {
		name   string
		values map[any]any
	}{
		{"application struct", map[any]any{keyLogin: "v1|42", "cart": codecTestCart{Items: []string{"tea"}, Total: 3}}},
		{"non-string key", map[any]any{7: "seven"}},
		{"list in a list", map[any]any{"l": []any{[]any{"a"}}}},
		{"typed slice", map[any]any{"l": []string{"a", "b"}}},
		{"float", map[any]any{"f": 1.5}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			b, got := codecRoundTrip(t, row.values)
			assert.Equal(t, codecGobV1, b[0], "written with gob behind its version byte")
			assert.Equal(t, row.values, got)
		})
	}
	t.Run("unregistered type is an error", func(t *testing.T) {
		t.Parallel()
		type unregistered struct{ A int }
		_, err := sessionCodec{}.Serialize(map[any]any{"x": unregistered{1}})
		assert.ErrorContains(t, err, "ginlogin: session codec: gob")
	})
	t.Run("not a map", func(t *testing.T) {
		t.Parallel()
		b, err := sessionCodec{}.Serialize("plain")
		require.NoError(t, err)
		var got string
		require.NoError(t, sessionCodec{}.Deserialize(b, &got))
		assert.Equal(t, "plain", got)
	})
}

// TestSessionCodecReadsPlainGob decodes values gob-encoded as securecookie's
// default serializer writes them: the contents of every cookie written
// before the compact form.
func TestSessionCodecReadsPlainGob(t *testing.T) {
	t.Parallel()
	values := map[any]any{keyLogin: "v1|42", keyFlashes: []any{"a"}, "n": 3}
	b, err := securecookie.GobEncoder{}.Serialize(values)
	require.NoError(t, err)
	got := map[any]any{}
	require.NoError(t, sessionCodec{}.Deserialize(b, &got))
	assert.Equal(t, values, got)
}

// TestSessionCodecUpgradeKeepsLogins logs in and leaves a flash message on
// gin-contrib's own cookie store (gob cookies, what NewCookieStore made
// before the compact form), then serves the same browser with NewCookieStore:
// the user is still logged in and the message is still there.
func TestSessionCodecUpgradeKeepsLogins(t *testing.T) {
	t.Parallel()
	withFlash := func(a *testApp) *testApp {
		a.engine.GET("/flash", func(c *gin.Context) {
			Flash(c, "message", "kept")
			c.Status(http.StatusNoContent)
		})
		a.engine.GET("/flashes", func(c *gin.Context) { c.JSON(200, Flashes(c)) })
		return a
	}
	before := withFlash(newTestApp(t, func(c *Config) {
		c.SessionStore = cookie.NewStore(SessionKeyPairs(testSecret)...)
	}))
	after := withFlash(newTestApp(t, nil))
	after.clock = before.clock

	br := before.browser()
	require.Equal(t, 200, br.get("/login/1").Code)
	require.Equal(t, http.StatusNoContent, br.get("/flash").Code)
	require.NotEqual(t, codecCompactV1, cookiePlaintext(t, br.cookie(DefaultSessionName))[0], "the old store writes gob")

	br.handler = after.engine
	assert.Equal(t, "1", br.who().ID, "the login made on gob cookies survives the upgrade")
	rec := br.get("/flashes")
	assert.JSONEq(t, `[{"c":"message","m":"kept"}]`, rec.Body.String())
	assert.Equal(t, codecCompactV1, cookiePlaintext(t, br.cookie(DefaultSessionName))[0], "the session is rewritten in the compact form")
	assert.Equal(t, "Access Granted", br.get("/protected").Body.String())
	assert.Equal(t, "1", br.who().ID)
}

// cookiePlaintext returns the serialized values inside a session cookie
// made with testSecret.
func cookiePlaintext(t *testing.T, value string) []byte {
	t.Helper()
	keys := SessionKeyPairs(testSecret)
	var inner []byte
	require.NoError(t, securecookie.New(keys[0], keys[1]).SetSerializer(securecookie.NopEncoder{}).Decode(DefaultSessionName, value, &inner))
	require.NotEmpty(t, inner)
	return inner
}

// TestSessionCodecStoreFormats checks what each store writes and reads: the
// store of NewCookieStore writes the compact form inside securecookie's
// encryption, reads gin-contrib's gob cookies, and refuses a cookie signed
// with other keys.
func TestSessionCodecStoreFormats(t *testing.T) {
	t.Parallel()
	values := map[any]any{keyLogin: "v1|42", "n": 3}
	encode := func(store sessions.Store) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		rec := httptest.NewRecorder()
		s, err := store.New(req, DefaultSessionName)
		require.NoError(t, err)
		for k, v := range values {
			s.Values[k] = v
		}
		require.NoError(t, s.Save(req, rec))
		ck := rec.Result().Cookies()
		require.Len(t, ck, 1)
		return ck[0].Value
	}
	decode := func(store sessions.Store, value string) (*gsessions.Session, error) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: DefaultSessionName, Value: value})
		return store.New(req, DefaultSessionName)
	}

	compact := encode(NewCookieStore(testSecret))
	assert.Equal(t, codecCompactV1, cookiePlaintext(t, compact)[0], "NewCookieStore writes the compact form")

	s, err := decode(NewCookieStore(testSecret), encode(cookie.NewStore(SessionKeyPairs(testSecret)...)))
	require.NoError(t, err)
	assert.False(t, s.IsNew)
	assert.Equal(t, values, s.Values, "a gob cookie of gin-contrib's store is read")

	s, err = decode(NewCookieStore(testSecret), compact)
	require.NoError(t, err)
	assert.Equal(t, values, s.Values)

	s, err = decode(NewCookieStore([]byte("another-secret-3f9c0d1e7a2b6c4d8e0f1a2b3c4d5e6f")), compact)
	assert.Error(t, err)
	assert.Empty(t, s.Values, "a cookie of other keys gives an empty session")
}

func TestSessionCodecRefusesMalformed(t *testing.T) {
	t.Parallel()
	valid, err := sessionCodec{}.Serialize(map[any]any{keyLogin: "v1|42", "l": []any{"a", 1, true}})
	require.NoError(t, err)
	rows := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown version", []byte{0x90, 0x00}},
		{"version only", []byte{codecCompactV1}},
		{"trailing byte", append(append([]byte{}, valid...), 0)},
		{"count beyond input", []byte{codecCompactV1, 0x05, 0x00, tagTrue}},
		{"key length beyond input", []byte{codecCompactV1, 0x01, 0x09, 'k', tagTrue}},
		{"string length beyond input", []byte{codecCompactV1, 0x01, 0x01, 'k', tagString, 0x7f, 'v'}},
		{"unknown tag", []byte{codecCompactV1, 0x01, 0x01, 'k', 0x7e}},
		{"missing value", []byte{codecCompactV1, 0x01, 0x01, 'k'}},
		{"repeated key", []byte{codecCompactV1, 0x02, 0x01, 'k', tagTrue, 0x01, 'k', tagFalse}},
		{"list beyond input", []byte{codecCompactV1, 0x01, 0x01, 'l', tagList, 0x09, tagTrue}},
		{"list in a list", []byte{codecCompactV1, 0x01, 0x01, 'l', tagList, 0x01, tagList, 0x00}},
		{"varint overflow", append([]byte{codecCompactV1, 0x01, 0x01, 'i', tagInt64}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"huge count", append([]byte{codecCompactV1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"gob garbage", []byte{codecGobV1, 0x03, 0x01, 0x02}},
		{"plain gob garbage", []byte{0x03, 0xff, 0xff, 0xff}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			dst := map[any]any{"kept": "as it was"}
			assert.Error(t, sessionCodec{}.Deserialize(row.in, &dst))
			assert.Equal(t, map[any]any{"kept": "as it was"}, dst, "a failed decode changes nothing")
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		t.Parallel()
		for n := range len(valid) {
			dst := map[any]any{}
			assert.Error(t, sessionCodec{}.Deserialize(valid[:n], &dst), "prefix of %d bytes", n)
			assert.Empty(t, dst)
		}
	})
	t.Run("compact into the wrong type", func(t *testing.T) {
		t.Parallel()
		var s string
		assert.ErrorContains(t, sessionCodec{}.Deserialize(valid, &s), "*map[any]any")
	})
}

// FuzzSessionCodec checks that decoding arbitrary bytes never panics, that
// whatever decodes encodes back to the same values, and that values built
// from arbitrary strings and numbers survive a round trip.
func FuzzSessionCodec(f *testing.F) {
	for _, v := range []map[any]any{
		{},
		{keyLogin: "v1|42|1|2|3|abc", keyNext: "/x", keyFlashes: []any{`{"c":"m","m":"hi"}`}},
		{"b": true, "i": -5, "j": int64(1 << 40), "l": []any{"a", false, 3}},
	} {
		b, err := sessionCodec{}.Serialize(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "k", "v", int64(1), true)
	}
	gobbed, err := securecookie.GobEncoder{}.Serialize(map[any]any{keyLogin: "v1|42"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(gobbed, "", "", int64(0), false)
	f.Fuzz(func(t *testing.T, data []byte, key, s string, n int64, b bool) {
		got := map[any]any{}
		if err := (sessionCodec{}).Deserialize(data, &got); err == nil && data[0] == codecCompactV1 {
			_, again := codecRoundTrip(t, got)
			assert.Equal(t, got, again)
		}
		values := map[any]any{"s": s, "n": n, "i": int(n), "b": b, "l": []any{s, n, int(n), b}}
		values[key] = s
		enc, again := codecRoundTrip(t, values)
		assert.Equal(t, codecCompactV1, enc[0])
		assert.Equal(t, values, again)
	})
}
