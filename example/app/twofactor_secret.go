package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/ginlogin/ginlogin/ginlogin"
)

// secretBox encrypts TOTP secrets at rest with AES-256-GCM from the
// standard library, under a key derived from the app's secret key for this
// purpose only (ginlogin.DeriveKey, HKDF-SHA256). A copy of the database
// (a backup, a leaked dump) then holds no usable second factor. The user's
// ID is the additional data, so a sealed secret moved to another user's row
// does not open.
//
// Changing SECRET_KEY makes the stored secrets unreadable: affected users
// log in with a recovery code and enrol again (the app says so in the log).
type secretBox struct {
	aead cipher.AEAD
}

// sealedPrefix versions the stored form: "v1." + base64url(nonce | ciphertext).
const sealedPrefix = "v1."

// errSecretUnreadable means a stored secret did not decrypt: the secret key
// changed, or the row was altered.
var errSecretUnreadable = errors.New("app: the stored TOTP secret cannot be decrypted (was SECRET_KEY changed?)")

func newSecretBox(secretKey []byte) (*secretBox, error) {
	block, err := aes.NewCipher(ginlogin.DeriveKey(secretKey, "example app: TOTP secrets at rest"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &secretBox{aead: aead}, nil
}

// seal encrypts secret for userID with a random nonce (96 bits: a user
// enrols a handful of times, far from GCM's 2^32 messages per key).
func (b *secretBox) seal(userID, secret string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(secret), []byte(userID))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// open decrypts what seal made for userID.
func (b *secretBox) open(userID, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", errSecretUnreadable
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", errSecretUnreadable
	}
	n := b.aead.NonceSize()
	secret, err := b.aead.Open(nil, data[:n], data[n:], []byte(userID))
	if err != nil {
		return "", errSecretUnreadable
	}
	return string(secret), nil
}
