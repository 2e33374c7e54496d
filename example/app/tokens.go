package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// apiTokenPrefix starts every API token, so a leaked one is easy to
// recognise (and to find with secret scanners).
const apiTokenPrefix = "glx_"

// APIToken is what the app keeps of an API token: never the token itself,
// only its SHA-256.
type APIToken struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// TokenStore keeps API tokens, hashed, in the database.
type TokenStore struct {
	db *Database
}

// NewTokenStore returns the API tokens of db.
func NewTokenStore(db *Database) *TokenStore { return &TokenStore{db: db} }

// hashAPIToken is the stored form of a token. A token carries 256 random
// bits, so a fast hash is enough: there is nothing to guess.
func hashAPIToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Create makes a new token for the user and returns it. The token is
// returned once and only its hash is stored.
func (s *TokenStore) Create(ctx context.Context, userID string, now time.Time) (token string, rec APIToken, err error) {
	id, err := newID()
	if err != nil {
		return "", APIToken{}, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", APIToken{}, err
	}
	token = apiTokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	_, err = s.db.exec(ctx, "INSERT INTO api_tokens (id, user_id, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, 0)",
		id, userID, hashAPIToken(token), now.UnixMicro())
	if err != nil {
		return "", APIToken{}, storeError("creating an API token", err)
	}
	return token, APIToken{ID: id, UserID: userID, CreatedAt: time.UnixMicro(now.UnixMicro())}, nil
}

// tokenUseInterval is how stale a token's recorded last use may get: a
// token used all the time costs one write a minute, not one per request.
const tokenUseInterval = time.Minute

// UserID returns the owner of a token, or "" when the token is unknown or
// its owner is deactivated or deleted: the lookup joins the users table, so
// `user deactivate` and `user delete` stop a user's tokens at once, whatever
// the caller checks afterwards. It records the token's use (LastUsedAt) at
// most once per tokenUseInterval. Database failures wrap
// ginlogin.ErrStoreUnavailable.
func (s *TokenStore) UserID(ctx context.Context, token string, now time.Time) (string, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
		return "", nil
	}
	h := hashAPIToken(token)
	var id, userID string
	var lastUsed int64
	err := s.db.queryRow(ctx, `SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t
		JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.active = 1`, h).Scan(&id, &userID, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", storeError("looking up an API token", err)
	}
	if now.Sub(time.UnixMicro(lastUsed)) >= tokenUseInterval {
		// The condition makes concurrent requests of one token write once.
		if _, err := s.db.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at = ?", now.UnixMicro(), id, lastUsed); err != nil {
			return "", storeError("recording an API token's use", err)
		}
	}
	return userID, nil
}

// List returns the user's tokens, newest first, each with its creation and
// its last recorded use (zero when never used).
func (s *TokenStore) List(ctx context.Context, userID string) ([]APIToken, error) {
	rows, err := s.db.query(ctx, "SELECT id, user_id, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id", userID)
	if err != nil {
		return nil, storeError("listing API tokens", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created, used int64
		if err := rows.Scan(&t.ID, &t.UserID, &created, &used); err != nil {
			return nil, storeError("listing API tokens", err)
		}
		t.CreatedAt = time.UnixMicro(created)
		if used != 0 {
			t.LastUsedAt = time.UnixMicro(used)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("listing API tokens", err)
	}
	return out, nil
}

// Revoke deletes one of the user's tokens and reports whether it existed.
func (s *TokenStore) Revoke(ctx context.Context, userID, id string) (bool, error) {
	res, err := s.db.exec(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return false, storeError("revoking an API token", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, storeError("revoking an API token", err)
	}
	return n > 0, nil
}

// RevokeAll deletes every token of the user. The password change and "log
// out everywhere" call it, so a token never outlives the login that could
// see it.
func (s *TokenStore) RevokeAll(ctx context.Context, userID string) error {
	if _, err := s.db.exec(ctx, "DELETE FROM api_tokens WHERE user_id = ?", userID); err != nil {
		return storeError("revoking API tokens", err)
	}
	return nil
}
