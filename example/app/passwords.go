package app

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Password rules. bcrypt reads at most 72 bytes and Go's
// CompareHashAndPassword silently ignores the rest, so longer passwords are
// refused, at registration and at login, instead of being truncated.
const (
	MinPasswordChars = 12 // ASVS 2.1.1
	MaxPasswordBytes = 72 // bcrypt's limit
)

// Passwords hashes and checks passwords with bcrypt. Every failed check,
// for an unknown email or a deactivated account too, costs one bcrypt
// comparison, so response times do not tell which emails are registered.
type Passwords struct {
	cost  int
	dummy []byte // a hash of a random password at the same cost
}

// NewPasswords returns a hasher with the given bcrypt cost.
func NewPasswords(cost int) (*Passwords, error) {
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword(random, cost)
	if err != nil {
		return nil, fmt.Errorf("app: bcrypt cost %d: %w", cost, err)
	}
	return &Passwords{cost: cost, dummy: dummy}, nil
}

// Hash returns the bcrypt hash of a password that passed CheckNewPassword.
func (p *Passwords) Hash(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// Verify reports whether password matches hash. A nil hash (no such user,
// or a user who may not log in) is compared with the dummy hash, so the
// answer, false, costs the same work.
func (p *Passwords) Verify(hash *string, password string) bool {
	if hash == nil || len(password) > MaxPasswordBytes {
		_ = bcrypt.CompareHashAndPassword(p.dummy, []byte(password[:min(len(password), MaxPasswordBytes)]))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) == nil
}

// formError is a message about the user's input, shown to them as it is.
type formError string

func (e formError) Error() string { return string(e) }

// Password validation errors.
const (
	errPasswordTooShort formError = "Passwords must be at least 12 characters long."
	errPasswordTooLong  formError = "Passwords must be at most 72 bytes long (72 letters without accents; fewer with accents or other scripts)."
	errPasswordControl  formError = "Passwords cannot contain control characters."
	errPasswordMismatch formError = "The two passwords do not match."
)

// CheckNewPassword applies the rules to a password being chosen: at least
// MinPasswordChars characters, at most MaxPasswordBytes bytes, valid UTF-8
// without control characters, and equal to its confirmation.
func CheckNewPassword(password, confirm string) error {
	if err := checkPasswordInput(password); err != nil {
		return err
	}
	if n := len([]rune(password)); n < MinPasswordChars {
		return errPasswordTooShort
	}
	if password != confirm {
		return errPasswordMismatch
	}
	return nil
}

// checkPasswordInput applies the rules every submitted password must meet,
// at login too: not too long, no control characters.
func checkPasswordInput(password string) error {
	if len(password) > MaxPasswordBytes {
		return errPasswordTooLong
	}
	if !validText(password, false) {
		return errPasswordControl
	}
	return nil
}
