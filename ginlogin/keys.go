package ginlogin

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// MinSecretKeyLength is the shortest secret key New accepts, in bytes.
const MinSecretKeyLength = 32

// Key purposes. Each purpose gets its own key derived from every secret, so a
// value signed for one purpose is never accepted for another.
const (
	purposeRemember   = "remember-token"
	purposeIdentifier = "session-identifier"
	purposeAuthStamp  = "auth-stamp"
	purposeSession    = "session-cookie-auth"
	purposeSessionEnc = "session-cookie-encryption"
	purposeTrusted    = "trusted-browser"
)

// DeriveKey returns a 32-byte key for purpose derived from secret with
// HKDF-SHA256. Use it to give other parts of an application (a session store,
// a CSRF token) their own keys from the one secret. It panics if secret is
// empty, which is a programming error.
func DeriveKey(secret []byte, purpose string) []byte {
	if len(secret) == 0 {
		panic("ginlogin: DeriveKey needs a secret")
	}
	k, err := hkdf.Key(sha256.New, secret, nil, "ginlogin/v1/"+purpose, 32)
	if err != nil { // only for lengths HKDF cannot produce
		panic(err)
	}
	return k
}

// SessionKeyPairs derives, for each secret in order, an authentication key and
// an encryption key for a gorilla/gin-contrib session store:
//
//	store := cookie.NewStore(ginlogin.SessionKeyPairs(secrets...)...)
//
// The first pair signs and encrypts; the others are still accepted, so keys
// can be rotated by putting a new secret first.
func SessionKeyPairs(secrets ...[]byte) [][]byte {
	pairs := make([][]byte, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, DeriveKey(s, purposeSession), DeriveKey(s, purposeSessionEnc))
	}
	return pairs
}

// checkSecretKeys refuses missing, short, low-entropy and repeated keys.
func checkSecretKeys(keys [][]byte) error {
	if len(keys) == 0 {
		return errors.New("ginlogin: Config.SecretKeys is empty: set at least one random key of 32 bytes or more (for example from `openssl rand -base64 48`)")
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if len(k) < MinSecretKeyLength {
			return fmt.Errorf("ginlogin: Config.SecretKeys[%d] is %d bytes: use a random key of at least %d bytes", i, len(k), MinSecretKeyLength)
		}
		distinct := map[byte]bool{}
		for _, b := range k {
			distinct[b] = true
		}
		if len(distinct) < 10 {
			return fmt.Errorf("ginlogin: Config.SecretKeys[%d] uses only %d distinct byte values: it looks like a made-up string; use random bytes", i, len(distinct))
		}
		if seen[string(k)] {
			return fmt.Errorf("ginlogin: Config.SecretKeys[%d] repeats an earlier key", i)
		}
		seen[string(k)] = true
	}
	return nil
}

// macKeys holds the derived keys of one purpose, first signs, all verify.
// HMAC states are pooled: a fresh hash per request would cost several
// allocations on the hot path.
type macKeys struct {
	pools []*sync.Pool
}

// macState is one pooled HMAC with a scratch buffer for its input.
type macState struct {
	h   hash.Hash
	buf []byte
}

func newMACKeys(secrets [][]byte, purpose string) *macKeys {
	mk := &macKeys{}
	for _, s := range secrets {
		key := DeriveKey(s, purpose)
		mk.pools = append(mk.pools, &sync.Pool{New: func() any {
			return &macState{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 256)}
		}})
	}
	return mk
}

// sum appends the HMAC-SHA256 of the parts (each length-prefixed, so parts
// cannot slide into each other) under key i to dst.
func (mk *macKeys) sum(i int, dst []byte, parts ...string) []byte {
	st := mk.pools[i].Get().(*macState)
	st.h.Reset()
	buf := st.buf[:0]
	for _, p := range parts {
		n := len(p)
		buf = append(buf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		buf = append(buf, p...)
	}
	st.h.Write(buf)
	dst = st.h.Sum(dst)
	if cap(buf) <= 4096 {
		st.buf = buf
	}
	mk.pools[i].Put(st)
	return dst
}

// sign returns the MAC under the first (current) key.
func (mk *macKeys) sign(dst []byte, parts ...string) []byte { return mk.sum(0, dst, parts...) }

// verify reports whether mac (possibly truncated to 12 bytes or more)
// matches the parts under any key, in constant time per key.
func (mk *macKeys) verify(mac []byte, parts ...string) bool {
	if len(mac) < 12 || len(mac) > sha256.Size {
		return false
	}
	var buf [sha256.Size]byte
	for i := range mk.pools {
		full := mk.sum(i, buf[:0], parts...)
		if hmac.Equal(full[:len(mac)], mac) {
			return true
		}
	}
	return false
}
