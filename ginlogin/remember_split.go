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
// every restore; the previous one stays valid for RotationGrace so that
// parallel requests of one browser are not locked out. A rotated-out
// validator replayed later means the cookie was copied: every device of the
// user is revoked.
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

func (t *splitTokens) checkSession(ctx context.Context, device, userID string, now time.Time, touch bool) error {
	if device == "" {
		return ErrDeviceRevoked
	}
	d, err := t.store.Device(ctx, device)
	if errors.Is(err, ErrDeviceNotFound) {
		return ErrDeviceRevoked
	}
	if err != nil {
		return storeErr("lookup", err)
	}
	if d.UserID != userID || !d.ExpiresAt.After(now) {
		return ErrDeviceRevoked
	}
	if touch {
		if err := t.store.TouchDevice(ctx, device, now, time.Time{}); err != nil && !errors.Is(err, ErrDeviceNotFound) {
			// Recording the last use is best effort; the login itself is valid.
			t.m.cfg.Logger.Warn("ginlogin: could not record device use", "err", err)
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
	for attempt := 0; attempt < 3; attempt++ {
		switch {
		case len(d.ValidatorHash) > 0 && subtle.ConstantTimeCompare(presented, d.ValidatorHash) == 1:
			text, hash, err := newValidator()
			if err != nil {
				return restored{}, err
			}
			err = t.store.RotateValidator(ctx, selector, d.ValidatorHash, hash, now)
			if err == nil {
				r.ok, r.cookie, r.expires = true, selector+"."+text, d.ExpiresAt
				return r, nil
			}
			if !errors.Is(err, ErrRotationConflict) && !errors.Is(err, ErrDeviceNotFound) {
				return restored{}, storeErr("rotate", err)
			}
			// Another request rotated first: look again.
			if d, err = t.store.Device(ctx, selector); errors.Is(err, ErrDeviceNotFound) {
				return restored{}, nil
			} else if err != nil {
				return restored{}, storeErr("lookup", err)
			}
		case len(d.PrevValidatorHash) > 0 && subtle.ConstantTimeCompare(presented, d.PrevValidatorHash) == 1 &&
			now.Sub(d.RotatedAt) <= t.m.cfg.RotationGrace:
			// A parallel request of the same browser: accept, keep the new cookie.
			r.ok = true
			return r, nil
		default:
			if err := t.store.DeleteUserDevices(ctx, d.UserID); err != nil {
				return restored{}, storeErr("revoke all", err)
			}
			r.theft = true
			return r, nil
		}
	}
	return restored{}, nil
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
	if subtle.ConstantTimeCompare(h, d.ValidatorHash) != 1 && subtle.ConstantTimeCompare(h, d.PrevValidatorHash) != 1 {
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
