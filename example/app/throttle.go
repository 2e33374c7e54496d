package app

import (
	"context"
	"fmt"
	"time"
)

// ThrottleConfig sets how many password attempts are allowed. Each limit is
// a token bucket: Burst attempts at once, then one more every Every (see
// [Limiter] for the exact semantics). With Config.RedisURL set the buckets
// live in Redis and every instance shares them; otherwise they live in the
// process.
//
// A password check is reserved before the password is looked at: the
// attempt takes a token from the client address's bucket and from the
// account's (or, with a device cookie, the device's) bucket, and an attempt
// that finds a bucket empty is answered 429 without its password being
// checked. A correct password gives the account's or device's token back,
// so only failures use up that allowance; address tokens are never given
// back.
type ThrottleConfig struct {
	// LoginPerAddress limits login attempts per client address (the TCP
	// peer unless TRUSTED_PROXIES names the proxy; an IPv6 client is keyed
	// by its IPv6Prefix network). Default 20, then one every 3 seconds.
	LoginPerAddress Limit
	// ReauthPerAddress limits password checks of logged-in users (POST
	// /reauthenticate and the password change) per client address, keyed
	// like LoginPerAddress. Default 10, then one every 6 seconds.
	ReauthPerAddress Limit
	// FailuresPerAccount limits failed password checks per account email
	// from browsers without a valid device cookie for the account, from any
	// address, on the login, reauthentication and password change forms
	// together. Default 5, then one every 20 seconds.
	FailuresPerAccount Limit
	// FailuresPerDevice limits failed password checks from one browser
	// holding a valid device cookie for the account: such attempts use
	// this allowance instead of the account's, so an attacker who empties
	// the account's bucket does not lock out its owner. Default 5, then one
	// every 20 seconds.
	FailuresPerDevice Limit
	// RegisterPerAddress limits registrations per client address. Default
	// 10, then one a minute.
	RegisterPerAddress Limit

	// DeviceCookieFor is how long a device cookie is valid after the
	// successful login that issued it (each successful login issues a new
	// one). Default 180 days.
	DeviceCookieFor time.Duration
	// IPv6Prefix is the prefix length by which per-address limits key IPv6
	// clients (THROTTLE_IPV6_PREFIX): a client usually holds a whole /64,
	// so rotating the interface ID must not give it fresh buckets. IPv4
	// clients, and IPv4-mapped IPv6 addresses, are keyed by the full
	// address. Default 64; values outside 32 to 128 are refused by New.
	IPv6Prefix int
	// MaxKeys bounds each in-process limiter's memory (not used with
	// Redis, whose keys expire by themselves). Default 10000.
	MaxKeys int
	// RedisKeyPrefix prefixes the throttle's keys in Redis. Default
	// Config.RedisKeyPrefix followed by "throttle:", so one prefix keeps an
	// app's sessions and counters apart from another's.
	RedisKeyPrefix string
}

// Limit is one token bucket's shape: Burst tokens when full, one token back
// every Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// DefaultThrottle is the throttling used for the zero fields of
// Config.Throttle.
var DefaultThrottle = ThrottleConfig{
	LoginPerAddress:    Limit{Burst: 20, Every: 3 * time.Second},
	ReauthPerAddress:   Limit{Burst: 10, Every: 6 * time.Second},
	FailuresPerAccount: Limit{Burst: 5, Every: 20 * time.Second},
	FailuresPerDevice:  Limit{Burst: 5, Every: 20 * time.Second},
	RegisterPerAddress: Limit{Burst: 10, Every: time.Minute},
	DeviceCookieFor:    180 * 24 * time.Hour,
	IPv6Prefix:         64,
	MaxKeys:            10000,
}

// withDefaults fills in the zero fields and checks the rest.
func (t ThrottleConfig) withDefaults() (ThrottleConfig, error) {
	limits := []struct {
		name string
		l    *Limit
		def  Limit
	}{
		{"LoginPerAddress", &t.LoginPerAddress, DefaultThrottle.LoginPerAddress},
		{"ReauthPerAddress", &t.ReauthPerAddress, DefaultThrottle.ReauthPerAddress},
		{"FailuresPerAccount", &t.FailuresPerAccount, DefaultThrottle.FailuresPerAccount},
		{"FailuresPerDevice", &t.FailuresPerDevice, DefaultThrottle.FailuresPerDevice},
		{"RegisterPerAddress", &t.RegisterPerAddress, DefaultThrottle.RegisterPerAddress},
	}
	for _, l := range limits {
		if l.l.Burst == 0 {
			l.l.Burst = l.def.Burst
		}
		if l.l.Every == 0 {
			l.l.Every = l.def.Every
		}
		if l.l.Burst < 1 || l.l.Every < time.Millisecond {
			return t, fmt.Errorf("app: Throttle.%s: burst %d every %s: use a positive burst and an interval of at least 1ms", l.name, l.l.Burst, l.l.Every)
		}
	}
	if t.DeviceCookieFor == 0 {
		t.DeviceCookieFor = DefaultThrottle.DeviceCookieFor
	}
	if t.DeviceCookieFor < time.Minute {
		return t, fmt.Errorf("app: Throttle.DeviceCookieFor: %s is shorter than a minute", t.DeviceCookieFor)
	}
	if t.IPv6Prefix == 0 {
		t.IPv6Prefix = DefaultThrottle.IPv6Prefix
	}
	if err := checkIPv6Prefix(t.IPv6Prefix); err != nil {
		return t, &ConfigError{"THROTTLE_IPV6_PREFIX", err}
	}
	if t.MaxKeys == 0 {
		t.MaxKeys = DefaultThrottle.MaxKeys
	}
	return t, nil
}

// Limiter keeps token buckets of one Limit, one per key (an address, an
// email, a device). Every bucket starts full with Burst tokens and gains
// one token every Every, continuously, up to Burst. Take and Give are
// atomic: concurrent attempts, from one process or from several sharing a
// Redis, never take more tokens than there are.
//
// Both implementations run the same algorithm, the generic cell rate
// algorithm (GCRA): the bucket is stored as the time at which it will be
// full again, so one number per key holds it and a full bucket needs no
// storage at all.
type Limiter interface {
	// Take takes one token from key's bucket. When the bucket is empty
	// it takes nothing and returns ok false with the time until a token is
	// back. A non-nil error means the store failed; the caller must then
	// refuse the attempt (fail closed).
	Take(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
	// Give puts back one token that Take took, never filling the bucket
	// beyond Burst. A non-nil error means the store failed and the token
	// is lost, which only errs on the safe side.
	Give(ctx context.Context, key string) error
}

// gcra is the arithmetic both limiters share. tat is the bucket's
// "theoretical arrival time": the moment it will be full again (a time not
// after now means full). All values are in milliseconds.
type gcra struct{ every, burst int64 }

func newGCRA(l Limit) gcra { return gcra{every: l.Every.Milliseconds(), burst: int64(l.Burst)} }

// take returns the new tat when a token can be taken at now, or ok false
// and the wait until one can.
func (g gcra) take(tat, now int64) (newTAT int64, ok bool, wait int64) {
	tat = max(tat, now)
	newTAT = tat + g.every
	if allowAt := newTAT - g.burst*g.every; allowAt > now {
		return 0, false, allowAt - now
	}
	return newTAT, true, 0
}

// give returns the tat after one token is put back at now.
func (g gcra) give(tat, now int64) int64 { return max(tat-g.every, now) }
