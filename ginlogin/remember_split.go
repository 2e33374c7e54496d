package ginlogin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"
)

// splitTokens are the revocable remember tokens used with a RememberStore
// (Paragon Initiative's split-token design):
//
//	<selector>.<validator>
//
// both random and base64url-encoded. The store is searched by selector only;
// the validator's SHA-256 is compared in constant time, so neither timing
// nor a copy of the store reveals a usable token. The validator rotates on
// every restore under the protocol written down in docs/remember-tokens.md
// (restore and checkTag implement its two tables): lost responses and
// parallel requests keep working, a guess changes nothing, and a token used
// by two browsers revokes every device of the user.
type splitTokens struct {
	m     *Manager
	store RememberStore
}

const (
	selectorBytes  = 16
	validatorBytes = 32
)

var (
	selectorLen  = base64.RawURLEncoding.EncodedLen(selectorBytes)
	validatorLen = base64.RawURLEncoding.EncodedLen(validatorBytes)
)

// parseSplitToken splits a cookie value into selector and validator bytes,
// accepting only the exact form the library writes. It never panics.
func parseSplitToken(value string) (selector string, validator []byte, ok bool) {
	if len(value) != selectorLen+1+validatorLen || value[selectorLen] != '.' {
		return "", nil, false
	}
	selector = value[:selectorLen]
	// The decoder skips \r and \n, so the decoded length is checked too:
	// only the exact form the library writes passes.
	if raw, err := base64.RawURLEncoding.Strict().DecodeString(selector); err != nil || len(raw) != selectorBytes {
		return "", nil, false
	}
	validator, err := base64.RawURLEncoding.Strict().DecodeString(value[selectorLen+1:])
	if err != nil || len(validator) != validatorBytes {
		return "", nil, false
	}
	return selector, validator, true
}

func hashValidator(v []byte) []byte {
	sum := sha256.Sum256(v)
	return sum[:]
}

func newValidator() (text string, hash []byte, err error) {
	text, err = randomToken(validatorBytes)
	if err != nil {
		return "", nil, err
	}
	raw, _ := base64.RawURLEncoding.DecodeString(text)
	return text, hashValidator(raw), nil
}

func storeErr(op string, err error) error {
	if err == nil || errors.Is(err, ErrDeviceNotFound) || errors.Is(err, ErrRotationConflict) {
		return err
	}
	return wrapOnce("remember store "+op, err)
}

func (t *splitTokens) startLogin(ctx context.Context, l newLogin) (string, string, error) {
	selector, err := randomToken(selectorBytes)
	if err != nil {
		return "", "", err
	}
	d := Device{
		Selector: selector, UserID: l.userID, StampMAC: l.stampMAC, Label: l.label,
		CreatedAt: l.now, LastUsedAt: l.now, ExpiresAt: l.now.Add(sessionLifetime(t.m.cfg.AbsoluteTimeout)),
	}
	var cookie string
	if l.remember {
		validator, hash, err := newValidator()
		if err != nil {
			return "", "", err
		}
		d.ValidatorHash, d.ExpiresAt = hash, l.expires
		cookie = selector + "." + validator
	}
	if err := t.store.CreateDevice(ctx, d); err != nil {
		return "", "", storeErr("create", err)
	}
	return selector, cookie, nil
}

func (t *splitTokens) checkSession(ctx context.Context, s loginRecord, now time.Time, touch bool) error {
	if s.Device == "" {
		return ErrDeviceRevoked
	}
	d, err := t.store.Device(ctx, s.Device)
	if errors.Is(err, ErrDeviceNotFound) {
		return ErrDeviceRevoked
	}
	if err != nil {
		return storeErr("lookup", err)
	}
	if d.UserID != s.UserID || !d.ExpiresAt.After(now) {
		return ErrDeviceRevoked
	}
	if s.Token != "" && d.Remembered() {
		if err := t.checkTag(ctx, d, s.Token, now); err != nil {
			return err
		}
	}
	if touch {
		if err := t.store.TouchDevice(ctx, s.Device, now, time.Time{}); err != nil && !errors.Is(err, ErrDeviceNotFound) {
			// Recording the last use is best effort; the login itself is valid.
			t.m.cfg.Logger.Warn("ginlogin: could not record device use", "err", err)
		}
	}
	return nil
}

// checkTag compares a session's token tag with its device: the session of
// the response that carried the current validator confirms it, and the
// session of a superseded response is theft (docs/remember-tokens.md).
func (t *splitTokens) checkTag(ctx context.Context, d Device, tag string, now time.Time) error {
	if !d.ValidatorConfirmed && tagMatches(tag, d.ValidatorHash) {
		next := d
		next.ValidatorConfirmed = true
		err := t.store.SwapValidators(ctx, d.Selector, d, next, now)
		if err != nil && !errors.Is(err, ErrRotationConflict) && !errors.Is(err, ErrDeviceNotFound) {
			return storeErr("swap validators", err)
		}
		// A conflict means another request changed the token first; the
		// next request with this session looks again.
		return nil
	}
	for _, h := range d.RetiredValidatorHashes {
		if tagMatches(tag, h) {
			if err := t.store.DeleteUserDevices(ctx, d.UserID); err != nil {
				return storeErr("revoke all", err)
			}
			return errTokenTheft
		}
	}
	return nil
}

func (t *splitTokens) sessionEnded(ctx context.Context, device string) error {
	if device == "" {
		return nil
	}
	d, err := t.store.Device(ctx, device)
	if errors.Is(err, ErrDeviceNotFound) {
		return nil
	}
	if err != nil {
		return storeErr("lookup", err)
	}
	if d.Remembered() {
		return nil
	}
	return storeErr("delete", t.store.DeleteDevice(ctx, device))
}

func (t *splitTokens) endDevice(ctx context.Context, device string) error {
	if device == "" {
		return nil
	}
	return storeErr("delete", t.store.DeleteDevice(ctx, device))
}

// restore runs the rotation protocol of docs/remember-tokens.md for a
// presented cookie value.
func (t *splitTokens) restore(ctx context.Context, value string, now time.Time) (restored, error) {
	selector, validator, ok := parseSplitToken(value)
	if !ok {
		return restored{}, nil
	}
	d, err := t.store.Device(ctx, selector)
	if errors.Is(err, ErrDeviceNotFound) {
		return restored{}, nil
	}
	if err != nil {
		return restored{}, storeErr("lookup", err)
	}
	if !d.ExpiresAt.After(now) {
		return restored{}, storeErr("delete", t.store.DeleteDevice(ctx, selector))
	}
	presented := hashValidator(validator)
	r := restored{userID: d.UserID, stampMAC: d.StampMAC, device: selector}
	// Each pass decides on the device as read; a lost compare-and-swap means
	// another request changed it first, so it is read again.
	for attempt := 0; attempt < 3; attempt++ {
		var next Device
		current, previous := hashEqual(presented, d.ValidatorHash), hashEqual(presented, d.PrevValidatorHash)
		switch {
		case !d.Remembered():
			return restored{}, nil
		case current:
			// The browser got the last response: rotate.
			next = rotated(d, now)
		case previous && now.Sub(d.RotatedAt) <= t.m.cfg.RotationGrace:
			// A parallel request sent before the new cookie arrived: accept,
			// and leave the new cookie of the other response alone.
			r.ok, r.tag = true, tokenTag(presented)
			return r, nil
		case previous && !d.ValidatorConfirmed:
			// The response that carried the current validator was lost:
			// issue another one in its place.
			next = reissued(d, now)
		case previous || retiredHash(d, presented):
			// A superseded validator presented again: two holders.
			return t.theft(ctx, r)
		default:
			// Never issued for this selector (a guess), or older than the
			// device remembers: refused, and nothing changes.
			return restored{}, nil
		}
		text, hash, err := newValidator()
		if err != nil {
			return restored{}, err
		}
		next.ValidatorHash = hash
		err = t.store.SwapValidators(ctx, selector, d, next, now)
		if err == nil {
			r.ok, r.cookie, r.expires, r.tag = true, selector+"."+text, d.ExpiresAt, tokenTag(hash)
			return r, nil
		}
		if !errors.Is(err, ErrRotationConflict) && !errors.Is(err, ErrDeviceNotFound) {
			return restored{}, storeErr("swap validators", err)
		}
		if d, err = t.store.Device(ctx, selector); errors.Is(err, ErrDeviceNotFound) {
			return restored{}, nil
		} else if err != nil {
			return restored{}, storeErr("lookup", err)
		}
	}
	return restored{}, nil
}

// rotated is d after the browser presented its current validator: the
// current one becomes the previous one and the previous one retires. The
// caller sets the new ValidatorHash.
func rotated(d Device, now time.Time) Device {
	return Device{
		PrevValidatorHash:      d.ValidatorHash,
		RetiredValidatorHashes: retire(d.RetiredValidatorHashes, d.PrevValidatorHash),
		RotatedAt:              now,
	}
}

// reissued is d after the browser presented its previous validator while
// the current one was never confirmed: the current one retires, the
// previous one stays. The caller sets the new ValidatorHash.
func reissued(d Device, now time.Time) Device {
	return Device{
		PrevValidatorHash:      d.PrevValidatorHash,
		RetiredValidatorHashes: retire(d.RetiredValidatorHashes, d.ValidatorHash),
		RotatedAt:              now,
	}
}

// retire appends h to the retired hashes, keeping the newest
// MaxRetiredValidators. It never modifies hs.
func retire(hs [][]byte, h []byte) [][]byte {
	if len(h) == 0 {
		return hs
	}
	out := make([][]byte, 0, min(len(hs)+1, MaxRetiredValidators))
	if drop := len(hs) + 1 - MaxRetiredValidators; drop > 0 {
		hs = hs[drop:]
	}
	return append(append(out, hs...), h)
}

// retiredHash reports whether h is one of d's retired validator hashes.
func retiredHash(d Device, h []byte) bool {
	found := 0
	for _, r := range d.RetiredValidatorHashes {
		found |= subtle.ConstantTimeCompare(h, r)
	}
	return found == 1
}

func hashEqual(a, b []byte) bool {
	return len(b) > 0 && subtle.ConstantTimeCompare(a, b) == 1
}

// theft revokes every device of the user (docs/remember-tokens.md).
func (t *splitTokens) theft(ctx context.Context, r restored) (restored, error) {
	if err := t.store.DeleteUserDevices(ctx, r.userID); err != nil {
		return restored{}, storeErr("revoke all", err)
	}
	return restored{userID: r.userID, theft: true}, nil
}

// tokenTagBytes is how much of a validator's hash a session keeps to say
// which validator its browser holds.
const tokenTagBytes = 6

// tokenTag is the session's record of the validator whose hash is h.
func tokenTag(h []byte) string {
	return base64.RawURLEncoding.EncodeToString(h[:tokenTagBytes])
}

// cookieTokenTag is the token tag of a split-token cookie value, or "" for
// any other value.
func cookieTokenTag(value string) string {
	if _, validator, ok := parseSplitToken(value); ok {
		return tokenTag(hashValidator(validator))
	}
	return ""
}

// tagMatches reports whether tag names the validator whose hash is h.
func tagMatches(tag string, h []byte) bool {
	return len(h) >= tokenTagBytes && subtle.ConstantTimeCompare([]byte(tag), []byte(tokenTag(h))) == 1
}

func (t *splitTokens) forget(ctx context.Context, value string) error {
	selector, validator, ok := parseSplitToken(value)
	if !ok {
		return nil
	}
	d, err := t.store.Device(ctx, selector)
	if errors.Is(err, ErrDeviceNotFound) {
		return nil
	}
	if err != nil {
		return storeErr("lookup", err)
	}
	h := hashValidator(validator)
	if !hashEqual(h, d.ValidatorHash) && !hashEqual(h, d.PrevValidatorHash) {
		return nil // not this browser's token: leave the device alone
	}
	return storeErr("delete", t.store.DeleteDevice(ctx, selector))
}

func (t *splitTokens) refresh(ctx context.Context, value, userID string, now, expires time.Time) (string, error) {
	selector, validator, ok := parseSplitToken(value)
	if !ok {
		return "", nil
	}
	d, err := t.store.Device(ctx, selector)
	if errors.Is(err, ErrDeviceNotFound) {
		return "", nil
	}
	if err != nil {
		return "", storeErr("lookup", err)
	}
	if d.UserID != userID || !d.ExpiresAt.After(now) || subtle.ConstantTimeCompare(hashValidator(validator), d.ValidatorHash) != 1 {
		return "", nil
	}
	if err := t.store.TouchDevice(ctx, selector, now, expires); err != nil {
		return "", storeErr("touch", err)
	}
	return value, nil
}
