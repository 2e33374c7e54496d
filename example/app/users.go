package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ginlogin/ginlogin/ginlogin"
)

// User is an account. It embeds ginlogin.UserMixin (Inactive marks a
// deactivated account) and is an ginlogin.AuthStamper: changing the
// password or bumping SessionEpoch ends every login of the user.
type User struct {
	ginlogin.UserMixin
	UserID       string
	Email        string
	Name         string
	PasswordHash string
	SessionEpoch int64
	CreatedAt    time.Time
}

var (
	_ ginlogin.User        = (*User)(nil)
	_ ginlogin.AuthStamper = (*User)(nil)
)

// ID implements ginlogin.User: a random, never reused identifier.
func (u *User) LoginID() string { return u.UserID }

// AuthStamp implements ginlogin.AuthStamper.
func (u *User) AuthStamp() string {
	return u.PasswordHash + "|" + strconv.FormatInt(u.SessionEpoch, 10)
}

// ErrEmailTaken is returned by UserStore.Create for an email that is
// already registered, compared case-insensitively.
var ErrEmailTaken = errors.New("app: email already registered")

// UserStore keeps users in the database.
type UserStore struct {
	db *Database
}

// NewUserStore returns the users of db.
func NewUserStore(db *Database) *UserStore { return &UserStore{db: db} }

// EmailKey is the form of an email that uniqueness and lookups use: trimmed
// and lower-cased.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

const userColumns = "id, email, name, password_hash, session_epoch, active, created_at"

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var active int64
	var created int64
	if err := row.Scan(&u.UserID, &u.Email, &u.Name, &u.PasswordHash, &u.SessionEpoch, &active, &created); err != nil {
		return nil, err
	}
	u.Inactive = active == 0
	u.CreatedAt = time.UnixMicro(created)
	return &u, nil
}

// ByID returns the user with the id, or (nil, nil) when there is none: the
// contract of ginlogin's UserLoader. Failures to reach the database wrap
// ginlogin.ErrStoreUnavailable (see storeError).
func (s *UserStore) ByID(ctx context.Context, id string) (*User, error) {
	u, err := scanUser(s.db.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("loading a user", err)
	}
	return u, nil
}

// ByEmail returns the user with the email (any case), or (nil, nil).
func (s *UserStore) ByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanUser(s.db.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE email_key = ?", EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, storeError("looking up an email", err)
	}
	return u, nil
}

// Load is the ginlogin.Config.UserLoader.
func (s *UserStore) Load(ctx context.Context, id string) (ginlogin.User, error) {
	u, err := s.ByID(ctx, id)
	if u == nil || err != nil {
		return nil, err
	}
	return u, nil
}

// Create stores a new active user with the given password hash and returns
// it. It returns ErrEmailTaken when the email is registered already.
func (s *UserStore) Create(ctx context.Context, email, name, passwordHash string, now time.Time) (*User, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	u := &User{UserID: id, Email: strings.TrimSpace(email), Name: name, PasswordHash: passwordHash, CreatedAt: time.UnixMicro(now.UnixMicro())}
	_, err = s.db.exec(ctx, "INSERT INTO users ("+userColumns+", email_key) VALUES (?, ?, ?, ?, 0, 1, ?, ?)",
		u.UserID, u.Email, u.Name, u.PasswordHash, now.UnixMicro(), EmailKey(email))
	if isUniqueViolation(err) {
		return nil, ErrEmailTaken
	}
	if err != nil {
		return nil, storeError("creating a user", err)
	}
	return u, nil
}

// SetPassword stores a new password hash. The user's AuthStamp changes with
// it, which ends the user's other logins.
func (s *UserStore) SetPassword(ctx context.Context, id, passwordHash string) error {
	return s.exec(ctx, "changing a password", "UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, id)
}

// BumpEpoch changes the user's AuthStamp without changing the password:
// every session and remember token of the user stops working.
func (s *UserStore) BumpEpoch(ctx context.Context, id string) error {
	return s.exec(ctx, "ending the user's sessions", "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", id)
}

// SetActive activates or deactivates a user. Deactivating also bumps the
// epoch, so no existing login survives.
func (s *UserStore) SetActive(ctx context.Context, id string, active bool) error {
	if active {
		return s.exec(ctx, "activating a user", "UPDATE users SET active = 1 WHERE id = ?", id)
	}
	return s.exec(ctx, "deactivating a user", "UPDATE users SET active = 0, session_epoch = session_epoch + 1 WHERE id = ?", id)
}

// Delete removes a user and (by ON DELETE CASCADE) their API tokens.
func (s *UserStore) Delete(ctx context.Context, id string) error {
	return s.exec(ctx, "deleting a user", "DELETE FROM users WHERE id = ?", id)
}

// List returns every user, oldest first.
func (s *UserStore) List(ctx context.Context) ([]*User, error) {
	rows, err := s.db.DB.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY created_at, email_key")
	if err != nil {
		return nil, storeError("listing users", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, storeError("listing users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError("listing users", err)
	}
	return out, nil
}

// Count returns the number of users.
func (s *UserStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, storeError("counting users", err)
	}
	return n, nil
}

func (s *UserStore) exec(ctx context.Context, op, query string, args ...any) error {
	if _, err := s.db.exec(ctx, query, args...); err != nil {
		return storeError(op, err)
	}
	return nil
}

// newID returns a random identifier of 128 bits.
func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
