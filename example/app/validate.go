package app

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the other fields.
const (
	MaxEmailBytes = 254 // RFC 5321
	MaxNameChars  = 100
)

// Input validation errors.
const (
	errEmailInvalid formError = "Enter a valid email address, such as ada@example.com."
	errNameInvalid  formError = "Enter a name of 1 to 100 characters, without control characters."
)

// validText reports whether s is valid UTF-8 without NUL or other control
// characters (tabs and newlines included unless multiline).
func validText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// CheckEmail trims an email address and checks it: a plain address (no
// display name), at most MaxEmailBytes, no spaces or control characters.
func CheckEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" || len(email) > MaxEmailBytes || !validText(email, false) || strings.ContainsAny(email, " <>\"") {
		return "", errEmailInvalid
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", errEmailInvalid
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 || !strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") {
		return "", errEmailInvalid
	}
	return email, nil
}

// CheckName trims a display name and checks it: 1 to MaxNameChars
// characters, no control characters.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !validText(name, false) || utf8.RuneCountInString(name) > MaxNameChars {
		return "", errNameInvalid
	}
	return name, nil
}
