package ginlogin

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// signedTokens are the stateless remember tokens used without a
// RememberStore:
//
//	1.<base64url user id>.<expiry, unix seconds>.<base64url stamp MAC>.<base64url HMAC-SHA256>
//
// The HMAC (under a key derived for this purpose only) covers the cookie
// name and every field, so the expiry is enforced by the server and a token
// dies when the user's AuthStamp changes. Such a token cannot be revoked one
// by one: configure a RememberStore for that.
type signedTokens struct {
	m    *Manager
	keys *macKeys
}

const signedTokenVersion = "1"

func (t *signedTokens) encode(userID string, expires time.Time, stampMAC []byte) string {
	uid := base64.RawURLEncoding.EncodeToString([]byte(userID))
	exp := strconv.FormatInt(expires.Unix(), 10)
	stamp := encodeMAC(stampMAC)
	mac := t.keys.sign(nil, t.m.cfg.RememberCookie.Name, signedTokenVersion, uid, exp, stamp)
	return signedTokenVersion + "." + uid + "." + exp + "." + stamp + "." + base64.RawURLEncoding.EncodeToString(mac)
}

// decode parses and verifies a token. It accepts only the exact form encode
// produces and never panics, whatever the input.
func (t *signedTokens) decode(value string) (userID string, expires time.Time, stampMAC []byte, ok bool) {
	if len(value) > 4096 {
		return "", time.Time{}, nil, false
	}
	parts := strings.Split(value, ".")
	if len(parts) != 5 || parts[0] != signedTokenVersion {
		return "", time.Time{}, nil, false
	}
	uid, exp, stamp, macText := parts[1], parts[2], parts[3], parts[4]
	mac, err := base64.RawURLEncoding.Strict().DecodeString(macText)
	if err != nil || len(mac) != 32 {
		return "", time.Time{}, nil, false
	}
	if !t.keys.verify(mac, t.m.cfg.RememberCookie.Name, signedTokenVersion, uid, exp, stamp) {
		return "", time.Time{}, nil, false
	}
	id, err := base64.RawURLEncoding.Strict().DecodeString(uid)
	if err != nil || len(id) == 0 || len(id) > MaxUserIDLength {
		return "", time.Time{}, nil, false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || n <= 0 {
		return "", time.Time{}, nil, false
	}
	if stamp != "" {
		if stampMAC, err = base64.RawURLEncoding.Strict().DecodeString(stamp); err != nil {
			return "", time.Time{}, nil, false
		}
	}
	return string(id), time.Unix(n, 0), stampMAC, true
}

func (t *signedTokens) startLogin(_ context.Context, l newLogin) (string, string, error) {
	if !l.remember {
		return "", "", nil
	}
	return "", t.encode(l.userID, l.expires, l.stampMAC), nil
}

func (t *signedTokens) checkSession(context.Context, loginRecord, time.Time, bool) error {
	return nil
}

func (t *signedTokens) sessionEnded(context.Context, string) error { return nil }

func (t *signedTokens) endDevice(context.Context, string) error { return nil }

func (t *signedTokens) restore(_ context.Context, value string, now time.Time) (restored, error) {
	uid, expires, stamp, ok := t.decode(value)
	if !ok || !expires.After(now) {
		return restored{}, nil
	}
	return restored{ok: true, userID: uid, stampMAC: stamp}, nil
}

func (t *signedTokens) forget(context.Context, string) error { return nil }

func (t *signedTokens) refresh(_ context.Context, value, userID string, now, expires time.Time) (string, error) {
	uid, exp, stamp, ok := t.decode(value)
	if !ok || uid != userID || !exp.After(now) {
		return "", nil
	}
	return t.encode(uid, expires, stamp), nil
}
