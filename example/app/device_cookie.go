package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
)

// DeviceCookieName is the cookie that marks a browser in which an account
// has logged in successfully before, as in OWASP's "Slow down online
// guessing attacks with device cookies". Password attempts from a browser
// holding a valid device cookie for the account being tried are counted
// against that device's own allowance (ThrottleConfig.FailuresPerDevice),
// not against the account's shared one, so an attacker who keeps failing
// on an account locks out only the browsers without one, never its owner.
//
// Its value is "v1.<payload>.<mac>", both base64url: the payload is
// "expiry|nonce|account" (Unix seconds, 128 random bits, the normalized
// email), the mac its HMAC-SHA256 under a key derived from SECRET_KEY for
// this purpose only. A cookie whose mac, expiry or account does not match
// is ignored: the attempt is untrusted. Logging out does not remove it (it
// only marks the browser, it logs nobody in); a new one, with a new nonce
// and so a fresh device allowance, is issued on every successful password
// check.
const DeviceCookieName = "device"

const (
	deviceCookiePurpose = "example/device-cookie"
	deviceCookieVersion = "v1"
	maxDeviceCookieLen  = 1024
)

// deviceCookies issues and checks device cookies.
type deviceCookies struct {
	key    []byte
	maxAge time.Duration
	secure bool
	now    func() time.Time
}

func newDeviceCookies(secret []byte, maxAge time.Duration, insecure bool, now func() time.Time) *deviceCookies {
	return &deviceCookies{key: ginlogin.DeriveKey(secret, deviceCookiePurpose), maxAge: maxAge, secure: !insecure, now: now}
}

// issue sets a new device cookie binding this browser to account.
func (d *deviceCookies) issue(c *gin.Context, account string) {
	expiry := d.now().Add(d.maxAge)
	payload := strconv.FormatInt(expiry.Unix(), 10) + "|" + rand.Text() + "|" + account
	value := deviceCookieVersion + "." + base64.RawURLEncoding.EncodeToString([]byte(payload)) +
		"." + base64.RawURLEncoding.EncodeToString(d.mac(payload))
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     DeviceCookieName,
		Value:    value,
		Path:     "/",
		Expires:  expiry,
		MaxAge:   int(d.maxAge.Seconds()),
		Secure:   d.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// device returns the nonce of the request's device cookie when the cookie
// is authentic, unexpired and bound to account; ok is false otherwise.
func (d *deviceCookies) device(c *gin.Context, account string) (nonce string, ok bool) {
	raw, err := c.Cookie(DeviceCookieName)
	if err != nil || len(raw) > maxDeviceCookieLen {
		return "", false
	}
	version, rest, _ := strings.Cut(raw, ".")
	encPayload, encMAC, found := strings.Cut(rest, ".")
	if version != deviceCookieVersion || !found {
		return "", false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(encPayload)
	mac, err2 := base64.RawURLEncoding.DecodeString(encMAC)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, d.mac(string(payload))) {
		return "", false
	}
	parts := strings.SplitN(string(payload), "|", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] != account {
		return "", false
	}
	expiry, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || !d.now().Before(time.Unix(expiry, 0)) {
		return "", false
	}
	return parts[1], true
}

func (d *deviceCookies) mac(payload string) []byte {
	h := hmac.New(sha256.New, d.key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}
