package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Recovery codes let a user who lost their authenticator log in: each works
// once. They are shown once, when two-step login is turned on, and the
// database keeps only a SHA-256 of each.
//
// A fast hash is enough here, unlike for passwords: a code is 16 characters
// drawn uniformly from 31 by crypto/rand, 79 bits of entropy, so a leaked
// hash cannot be reversed by guessing (about 2^78 SHA-256 computations on
// average), while
// bcrypt's slowness only helps against guessable, human-chosen secrets. A
// plain hash also finds a code with one indexed lookup instead of a bcrypt
// comparison per stored code. The user's ID is hashed in, so equal codes of
// two users (they will not happen) would not even share a hash.
const (
	recoveryCodeCount    = 10
	recoveryCodeLength   = 16
	recoveryCodeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
)

// newRecoveryCodes returns recoveryCodeCount new codes for display
// ("abcd-efgh-jkmn-pqrs") and their hashes for the database.
func newRecoveryCodes(userID string) (codes, hashes []string, err error) {
	for range recoveryCodeCount {
		code, err := randomCode()
		if err != nil {
			return nil, nil, err
		}
		codes = append(codes, code[0:4]+"-"+code[4:8]+"-"+code[8:12]+"-"+code[12:16])
		hashes = append(hashes, recoveryCodeHash(userID, code))
	}
	return codes, hashes, nil
}

// randomCode draws recoveryCodeLength characters uniformly from the
// alphabet, rejecting bytes that would bias the draw.
func randomCode() (string, error) {
	const n = len(recoveryCodeAlphabet)
	limit := 256 - 256%n
	out := make([]byte, 0, recoveryCodeLength)
	buf := make([]byte, 32)
	for len(out) < recoveryCodeLength {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < recoveryCodeLength {
				out = append(out, recoveryCodeAlphabet[int(b)%n])
			}
		}
	}
	return string(out), nil
}

// normalizeRecoveryCode accepts a code as typed: any case, with or without
// the dashes and spaces.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// recoveryCodeHash is the stored form of a code: hex SHA-256 of the user's
// ID and the normalized code.
func recoveryCodeHash(userID, code string) string {
	sum := sha256.Sum256([]byte(userID + "\x00" + normalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
