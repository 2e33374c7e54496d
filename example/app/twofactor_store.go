package app

import (
	"context"
	"database/sql"
	"errors"
)

// The second factor's state lives in three columns of users, added to
// tables made by earlier versions by the migration:
//
//   - totp_secret: the TOTP secret, encrypted (see secretBox), empty when
//     the user has none. It is set when an enrolment starts and counts
//     only once totp_enabled is 1;
//   - totp_enabled: 1 once the user confirmed the enrolment with a code;
//   - totp_last_step: the last TOTP time step a code was accepted for, so
//     a code is accepted once (RFC 6238 section 5.2).
//
// Recovery codes have their own table, one row per code, so using one is
// a single DELETE that only one request can win; a list in a column of
// users would need a read, a check and a write that two requests could
// interleave.
var userColumnsAdded = []column{
	{"users", "totp_secret", "TEXT NOT NULL DEFAULT ''"},
	{"users", "totp_enabled", "INTEGER NOT NULL DEFAULT 0"},
	{"users", "totp_last_step", "BIGINT NOT NULL DEFAULT 0"},
}

// twoFactorSchema is the recovery code table. code_hash is the hex
// SHA-256 of the code (see recoveryCodeHash).
var twoFactorSchema = []string{
	`CREATE TABLE IF NOT EXISTS recovery_codes (
	user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	PRIMARY KEY (user_id, code_hash)
)`,
}

// twoFactor is a user's second-factor state as stored: SealedSecret is
// the encrypted secret (open it with secretBox.open).
type twoFactor struct {
	Enabled      bool
	SealedSecret string
	LastStep     int64
}

// TwoFactorStore keeps the users' TOTP secrets, the replay guard and the
// recovery codes.
type TwoFactorStore struct {
	db *Database
}

// NewTwoFactorStore returns the second-factor state of db's users.
func NewTwoFactorStore(db *Database) *TwoFactorStore { return &TwoFactorStore{db: db} }

// State returns the user's second-factor state; a user without one (or
// an unknown user) has the zero state.
func (s *TwoFactorStore) State(ctx context.Context, userID string) (twoFactor, error) {
	var st twoFactor
	var enabled int64
	err := s.db.DB.QueryRowContext(ctx, s.q("SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?"), userID).
		Scan(&st.SealedSecret, &enabled, &st.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return twoFactor{}, nil
	}
	if err != nil {
		return twoFactor{}, storeError("loading the second factor", err)
	}
	st.Enabled = enabled == 1
	return st, nil
}

// StartEnrolment stores a new, not yet confirmed secret. It does nothing
// and returns false when the user has two-step login on already: turning
// it off comes first.
func (s *TwoFactorStore) StartEnrolment(ctx context.Context, userID, sealed string) (bool, error) {
	return s.update(ctx, "starting a TOTP enrolment",
		"UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ? AND totp_enabled = 0", sealed, userID)
}

// Enable turns two-step login on with the secret the user confirmed (sealed,
// as State returned it: if another tab started a new enrolment meanwhile,
// nothing changes and it returns false), records step as used and replaces
// the recovery codes with codeHashes, in one transaction.
func (s *TwoFactorStore) Enable(ctx context.Context, userID, sealed string, step int64, codeHashes []string) (bool, error) {
	tx, err := s.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return false, storeError("enabling two-step login", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q("UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ? AND totp_enabled = 0 AND totp_secret = ?"),
		step, userID, sealed)
	if err != nil {
		return false, storeError("enabling two-step login", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, storeError("enabling two-step login", err)
	}
	if n != 1 {
		return false, nil
	}
	if err := s.replaceRecoveryCodes(ctx, tx, userID, codeHashes); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, storeError("enabling two-step login", err)
	}
	return true, nil
}

// Disable turns two-step login off: the secret and the recovery codes are
// deleted.
func (s *TwoFactorStore) Disable(ctx context.Context, userID string) error {
	tx, err := s.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return storeError("disabling two-step login", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET totp_secret = '', totp_enabled = 0, totp_last_step = 0 WHERE id = ?"), userID); err != nil {
		return storeError("disabling two-step login", err)
	}
	if err := s.replaceRecoveryCodes(ctx, tx, userID, nil); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return storeError("disabling two-step login", err)
	}
	return nil
}

// UseStep records that a code of TOTP time step step was accepted, and
// reports false when that step, or a later one, was used already: each
// code works once, also when two requests send it at the same moment (one
// conditional UPDATE decides).
func (s *TwoFactorStore) UseStep(ctx context.Context, userID string, step int64) (bool, error) {
	return s.update(ctx, "recording a TOTP code",
		"UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_enabled = 1 AND totp_last_step < ?", step, userID, step)
}

// UseRecoveryCode deletes the user's recovery code with the hash and
// reports whether there was one: each code works once.
func (s *TwoFactorStore) UseRecoveryCode(ctx context.Context, userID, codeHash string) (bool, error) {
	return s.update(ctx, "using a recovery code", "DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?", userID, codeHash)
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *TwoFactorStore) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.db.DB.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?"), userID).Scan(&n); err != nil {
		return 0, storeError("counting recovery codes", err)
	}
	return n, nil
}

// q writes a query's ? placeholders for the database's dialect, with
// ginlogin's Dialect.Rebind.
func (s *TwoFactorStore) q(query string) string { return s.db.Dialect.Rebind(query) }

// update runs a statement and reports whether it changed one row.
func (s *TwoFactorStore) update(ctx context.Context, op, query string, args ...any) (bool, error) {
	res, err := s.db.DB.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return false, storeError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, storeError(op, err)
	}
	return n == 1, nil
}

// replaceRecoveryCodes deletes the user's recovery codes and stores
// codeHashes instead, in tx.
func (s *TwoFactorStore) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID string, codeHashes []string) error {
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM recovery_codes WHERE user_id = ?"), userID); err != nil {
		return storeError("replacing recovery codes", err)
	}
	for _, h := range codeHashes {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)"), userID, h); err != nil {
			return storeError("replacing recovery codes", err)
		}
	}
	return nil
}
