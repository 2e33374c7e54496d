package app

import (
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: those of RFC 6238's examples and of every authenticator
// app (Google Authenticator ignores others): SHA-1, 6 digits, 30 seconds.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpIssuer = "ginlogin example"
)

// newTOTPKey makes a new random TOTP key (160 bits from crypto/rand, as
// RFC 4226 recommends) for the account, to be shown as a QR code and as
// text.
func newTOTPKey(account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod, Digits: totpDigits})
}

// totpKey rebuilds the key of a stored secret (base32, as otp.Key.Secret
// gives it), for the QR code.
func totpKey(account, secret string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod, Digits: totpDigits, Secret: raw})
}

// matchTOTP checks code against secret at now, allowing one time step of
// clock drift either way (RFC 6238 section 5.2), and returns the time step
// it belongs to, which the caller records so that the code works once. The
// comparison is pquerna/otp's, in constant time.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = normalizeTOTP(code)
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for _, s := range []int64{current, current - 1, current + 1} {
		valid, err := hotp.ValidateCustom(code, uint64(s), secret, hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && valid {
			return s, true
		}
	}
	return 0, false
}

// normalizeTOTP drops the spaces apps show in the middle of a code.
func normalizeTOTP(code string) string { return strings.ReplaceAll(strings.TrimSpace(code), " ", "") }

// looksLikeTOTP reports whether the second-factor form got a TOTP code
// (digits only) rather than a recovery code.
func looksLikeTOTP(code string) bool {
	code = normalizeTOTP(code)
	if code == "" {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
