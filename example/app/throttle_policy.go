package app

import (
	"math"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gomodule/redigo/redis"
)

// throttles are the app's limiters, in Redis when pool is set, and the
// device cookies that pick a browser's own allowance.
type throttles struct {
	loginPerAddress, reauthPerAddress, registerPerAddress Limiter
	perAccount, perDevice                                 Limiter
	devices                                               *deviceCookies
	ipv6Prefix                                            int
}

func newThrottles(cfg Config, pool *redis.Pool) *throttles {
	t := cfg.Throttle
	prefix := t.RedisKeyPrefix
	if prefix == "" {
		prefix = cfg.RedisKeyPrefix + "throttle:"
	}
	limiter := func(name string, l Limit) Limiter {
		if pool != nil {
			return NewRedisLimiter(pool, prefix+name+":", l, cfg.Now)
		}
		return NewMemoryLimiter(l, t.MaxKeys, cfg.Now)
	}
	return &throttles{
		loginPerAddress:    limiter("login-address", t.LoginPerAddress),
		reauthPerAddress:   limiter("reauth-address", t.ReauthPerAddress),
		registerPerAddress: limiter("register-address", t.RegisterPerAddress),
		perAccount:         limiter("account", t.FailuresPerAccount),
		perDevice:          limiter("device", t.FailuresPerDevice),
		devices:            newDeviceCookies(cfg.SecretKey, t.DeviceCookieFor, cfg.CookieInsecure, cfg.Now),
		ipv6Prefix:         t.IPv6Prefix,
	}
}

// address returns the request's client address as a throttle key.
func (t *throttles) address(c *gin.Context) string { return AddressKey(c.ClientIP(), t.ipv6Prefix) }

// accountKey is the throttle key of an account email: normalized, and cut
// to MaxEmailBytes so an attacker cannot make keys of any size.
func accountKey(email string) string {
	key := EmailKey(email)
	if len(key) > MaxEmailBytes {
		key = key[:MaxEmailBytes]
	}
	return key
}

// passwordAttempt is a reserved password check: the token it took from
// the account's bucket, or from the device's when the browser holds a
// valid device cookie for the account.
type passwordAttempt struct {
	account string
	lim     Limiter
	key     string
}

// reservePasswordCheck reserves, before the password is looked at, one
// password check for account email from the request's address (in
// perAddress) and from the account's or the device's bucket. Each Take is
// atomic, so parallel attempts never get more checks than the buckets
// hold. It returns nil and the wait when a bucket is empty: the caller
// answers 429 without checking the password, so the answer is the same
// whether the password was right or not. A store error refuses the
// attempt too (fail closed: the caller answers 503).
func (a *App) reservePasswordCheck(c *gin.Context, perAddress Limiter, email string) (*passwordAttempt, time.Duration, error) {
	ctx := c.Request.Context()
	if ok, wait, err := perAddress.Take(ctx, a.throttle.address(c)); err != nil || !ok {
		a.logThrottled(c, "address", err)
		return nil, wait, err
	}
	att := &passwordAttempt{account: accountKey(email), lim: a.throttle.perAccount}
	att.key = att.account
	bucket := "account"
	if nonce, ok := a.throttle.devices.device(c, att.account); ok {
		att.lim, att.key, bucket = a.throttle.perDevice, nonce, "device"
	}
	if ok, wait, err := att.lim.Take(ctx, att.key); err != nil || !ok {
		a.logThrottled(c, bucket, err)
		return nil, wait, err
	}
	return att, 0, nil
}

// reserveOrRefuse is reservePasswordCheck for a handler: a store error is
// answered with fail, an empty bucket with Retry-After and throttled (which
// renders the form's 429), and nil is returned for both; otherwise the
// reserved attempt.
func (a *App) reserveOrRefuse(c *gin.Context, perAddress Limiter, email string, throttled func()) *passwordAttempt {
	att, wait, err := a.reservePasswordCheck(c, perAddress, email)
	if err != nil {
		fail(c, err)
		return nil
	}
	if att == nil {
		retryAfter(c, wait)
		throttled()
	}
	return att
}

// logThrottled logs a refused attempt (not a store error, which fail logs).
func (a *App) logThrottled(c *gin.Context, bucket string, err error) {
	if err == nil {
		a.cfg.Logger.Info("password attempt throttled", "bucket", bucket, "path", c.Request.URL.Path)
	}
}

// releaseAttempt gives the reserved token back for an attempt whose
// password was not checked (malformed input, a store error).
func (a *App) releaseAttempt(c *gin.Context, att *passwordAttempt) {
	if err := att.lim.Give(c.Request.Context(), att.key); err != nil {
		a.cfg.Logger.Warn("giving back a throttle token failed", "err", err)
	}
}

// passwordAccepted is called once att's password was right: the token goes
// back (only failures use up the allowance) and the browser gets a new
// device cookie for the account. Call it before the response is written.
func (a *App) passwordAccepted(c *gin.Context, att *passwordAttempt) {
	a.releaseAttempt(c, att)
	a.throttle.devices.issue(c, att.account)
}

// retryAfter sets the Retry-After header of a throttled answer, in whole
// seconds rounded up.
func retryAfter(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}
