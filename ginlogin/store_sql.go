package ginlogin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultDeviceTable is the table a SQLStore uses unless told otherwise.
const DefaultDeviceTable = "ginlogin_devices"

// SQLStore is a RememberStore in a SQLite or PostgreSQL database, through
// database/sql. Times are stored as Unix microseconds, hashes as bytes. All
// instances of a site that share the database share their devices. Errors
// say which operation failed; failures to reach the database (refused or
// broken connections, timeouts, a closed *sql.DB, see IsUnavailable) wrap
// ErrStoreUnavailable and give a 503, while any other database error (a
// constraint violation, a missing table) is an internal error and gives a
// 500.
type SQLStore struct {
	db      *sql.DB
	dialect Dialect
	table   string
	q       sqlQueries

	// Statements are prepared on first use (the table may not exist before
	// Migrate) and kept: SQLite would otherwise parse every query again.
	// database/sql prepares them again on new connections by itself.
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

var _ RememberStore = (*SQLStore)(nil)

type sqlQueries struct {
	insert, get, swap, touch, touchExpires, del, delUser, list, delExpired string
}

// validTableName reports whether name is 1 to 63 letters, digits and
// underscores, not starting with a digit: safe to put in a statement.
func validTableName(name string) bool {
	if len(name) == 0 || len(name) > 63 || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

// NewSQLStore returns a store using table (DefaultDeviceTable when empty) in
// db. Call Migrate once at start-up to create the table.
func NewSQLStore(db *sql.DB, dialect Dialect, table string) (*SQLStore, error) {
	if db == nil {
		return nil, errors.New("ginlogin: NewSQLStore needs a *sql.DB")
	}
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("ginlogin: NewSQLStore: unknown dialect %d: use ginlogin.SQLite or ginlogin.Postgres", dialect)
	}
	if table == "" {
		table = DefaultDeviceTable
	}
	if !validTableName(table) {
		return nil, fmt.Errorf("ginlogin: NewSQLStore: table name %q must be letters, digits and underscores", table)
	}
	s := &SQLStore{db: db, dialect: dialect, table: table, stmts: map[string]*sql.Stmt{}}
	cols := "selector, user_id, validator_hash, validator_confirmed, prev_validator_hash, retired_validator_hashes, rotated_at, stamp_mac, label, created_at, last_used_at, expires_at"
	s.q = sqlQueries{
		insert: dialect.Rebind("INSERT INTO " + table + " (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		get:    dialect.Rebind("SELECT " + cols + " FROM " + table + " WHERE selector = ?"),
		swap: dialect.Rebind("UPDATE " + table + " SET validator_hash = ?, validator_confirmed = ?, prev_validator_hash = ?, retired_validator_hashes = ?, rotated_at = ?, last_used_at = ?" +
			" WHERE selector = ? AND validator_hash = ? AND validator_confirmed = ?"),
		touch:        dialect.Rebind("UPDATE " + table + " SET last_used_at = ? WHERE selector = ?"),
		touchExpires: dialect.Rebind("UPDATE " + table + " SET last_used_at = ?, expires_at = ? WHERE selector = ?"),
		del:          dialect.Rebind("DELETE FROM " + table + " WHERE selector = ?"),
		delUser:      dialect.Rebind("DELETE FROM " + table + " WHERE user_id = ?"),
		list:         dialect.Rebind("SELECT " + cols + " FROM " + table + " WHERE user_id = ? ORDER BY created_at DESC, selector"),
		delExpired:   dialect.Rebind("DELETE FROM " + table + " WHERE expires_at <= ?"),
	}
	return s, nil
}

// Schema returns the statements that create the device table, for
// applications that manage their schema with their own migration tool.
// A table created by an earlier version lacks the columns of the rotation
// protocol; Migrate adds them, and Upgrade lists them.
func (s *SQLStore) Schema() []string {
	blob := s.blobType()
	return []string{
		"CREATE TABLE IF NOT EXISTS " + s.table + ` (
	selector            TEXT PRIMARY KEY,
	user_id             TEXT NOT NULL,
	validator_hash      ` + blob + `,
	validator_confirmed BIGINT NOT NULL DEFAULT 0,
	prev_validator_hash ` + blob + `,
	retired_validator_hashes ` + blob + `,
	rotated_at          BIGINT NOT NULL DEFAULT 0,
	stamp_mac           ` + blob + `,
	label               TEXT NOT NULL DEFAULT '',
	created_at          BIGINT NOT NULL,
	last_used_at        BIGINT NOT NULL,
	expires_at          BIGINT NOT NULL
)`,
		"CREATE INDEX IF NOT EXISTS " + s.table + "_user_id ON " + s.table + " (user_id)",
		"CREATE INDEX IF NOT EXISTS " + s.table + "_expires_at ON " + s.table + " (expires_at)",
	}
}

// Upgrade returns the columns added since the first release, as
// "ALTER TABLE ... ADD COLUMN" statements, for a table created by an
// earlier version. Existing devices keep working: their current validator
// counts as unconfirmed (docs/remember-tokens.md).
func (s *SQLStore) Upgrade() []string {
	return []string{
		"ALTER TABLE " + s.table + " ADD COLUMN validator_confirmed BIGINT NOT NULL DEFAULT 0",
		"ALTER TABLE " + s.table + " ADD COLUMN retired_validator_hashes " + s.blobType(),
	}
}

func (s *SQLStore) blobType() string {
	if s.dialect == Postgres {
		return "BYTEA"
	}
	return "BLOB"
}

// Migrate creates the device table and its indexes if they do not exist,
// and adds the columns of Upgrade to a table that lacks them.
func (s *SQLStore) Migrate(ctx context.Context) error {
	for _, stmt := range s.Schema() {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return sqlError("creating the device table", err)
		}
	}
	have, err := s.columns(ctx)
	if err != nil {
		return sqlError("reading the device table's columns", err)
	}
	for _, stmt := range s.Upgrade() {
		col := strings.Fields(stmt)[5] // ALTER TABLE t ADD COLUMN <col> ...
		if have[col] {
			continue
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return sqlError("upgrading the device table", err)
		}
	}
	return nil
}

// columns returns the names of the device table's columns.
func (s *SQLStore) columns(ctx context.Context) (map[string]bool, error) {
	q := "SELECT name FROM pragma_table_info('" + s.table + "')"
	var args []any
	if s.dialect == Postgres {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
		args = append(args, strings.ToLower(s.table))
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		have[name] = true
	}
	return have, rows.Err()
}

// stmt returns the prepared statement for query, preparing it once.
func (s *SQLStore) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.RLock()
	st := s.stmts[query]
	s.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.stmts[query]; st != nil {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

func (s *SQLStore) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (s *SQLStore) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Close releases the prepared statements. The *sql.DB stays open: it
// belongs to the caller.
func (s *SQLStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for q, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, q)
	}
	return errors.Join(errs...)
}

// sqlError wraps a database error once, as an outage only when it is one.
func sqlError(op string, err error) error { return wrapOnce("sql store "+op, err) }

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n)
}

func nullable(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateDevice implements RememberStore.
func (s *SQLStore) CreateDevice(ctx context.Context, d Device) error {
	retired, err := joinHashes(d.RetiredValidatorHashes)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, s.q.insert, d.Selector, d.UserID, nullable(d.ValidatorHash), boolInt(d.ValidatorConfirmed),
		nullable(d.PrevValidatorHash), nullable(retired), micros(d.RotatedAt), nullable(d.StampMAC), d.Label, micros(d.CreatedAt), micros(d.LastUsedAt), micros(d.ExpiresAt))
	if err != nil {
		return sqlError("create", err)
	}
	return nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanDevice(r rowScanner) (Device, error) {
	var d Device
	var confirmed, rotated, created, lastUsed, expires int64
	var retired []byte
	if err := r.Scan(&d.Selector, &d.UserID, &d.ValidatorHash, &confirmed, &d.PrevValidatorHash, &retired, &rotated,
		&d.StampMAC, &d.Label, &created, &lastUsed, &expires); err != nil {
		return Device{}, err
	}
	var err error
	if d.RetiredValidatorHashes, err = splitHashes(retired); err != nil {
		return Device{}, err
	}
	d.ValidatorConfirmed = confirmed != 0
	d.RotatedAt, d.CreatedAt, d.LastUsedAt, d.ExpiresAt = fromMicros(rotated), fromMicros(created), fromMicros(lastUsed), fromMicros(expires)
	return d, nil
}

// Device implements RememberStore.
func (s *SQLStore) Device(ctx context.Context, selector string) (Device, error) {
	d, err := scanDevice(s.queryRow(ctx, s.q.get, selector))
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, ErrDeviceNotFound
	}
	if err != nil {
		return Device{}, sqlError("lookup", err)
	}
	return d, nil
}

// SwapValidators implements RememberStore with one conditional UPDATE, so
// of two requests changing the same token only one succeeds.
func (s *SQLStore) SwapValidators(ctx context.Context, selector string, old, next Device, at time.Time) error {
	retired, err := joinHashes(next.RetiredValidatorHashes)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, s.q.swap, nullable(next.ValidatorHash), boolInt(next.ValidatorConfirmed),
		nullable(next.PrevValidatorHash), nullable(retired), micros(next.RotatedAt), micros(at),
		selector, old.ValidatorHash, boolInt(old.ValidatorConfirmed))
	if err != nil {
		return sqlError("swap validators", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return sqlError("swap validators", err)
	}
	if n == 1 {
		return nil
	}
	if _, err := s.Device(ctx, selector); err != nil {
		return err
	}
	return ErrRotationConflict
}

// validatorHashLen is the length of every validator hash (SHA-256); the
// retired hashes are stored as one column of them back to back.
const validatorHashLen = sha256.Size

func joinHashes(hs [][]byte) ([]byte, error) {
	out := make([]byte, 0, len(hs)*validatorHashLen)
	for _, h := range hs {
		if len(h) != validatorHashLen {
			return nil, fmt.Errorf("ginlogin: sql store: a retired validator hash is %d bytes, want %d", len(h), validatorHashLen)
		}
		out = append(out, h...)
	}
	return out, nil
}

func splitHashes(b []byte) ([][]byte, error) {
	if len(b)%validatorHashLen != 0 {
		return nil, fmt.Errorf("ginlogin: sql store: retired_validator_hashes is %d bytes, not a multiple of %d", len(b), validatorHashLen)
	}
	var out [][]byte
	for len(b) > 0 {
		out = append(out, bytes.Clone(b[:validatorHashLen]))
		b = b[validatorHashLen:]
	}
	return out, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// TouchDevice implements RememberStore.
func (s *SQLStore) TouchDevice(ctx context.Context, selector string, lastUsed, expires time.Time) error {
	var err error
	if expires.IsZero() {
		_, err = s.exec(ctx, s.q.touch, micros(lastUsed), selector)
	} else {
		_, err = s.exec(ctx, s.q.touchExpires, micros(lastUsed), micros(expires), selector)
	}
	if err != nil {
		return sqlError("touch", err)
	}
	return nil
}

// DeleteDevice implements RememberStore.
func (s *SQLStore) DeleteDevice(ctx context.Context, selector string) error {
	if _, err := s.exec(ctx, s.q.del, selector); err != nil {
		return sqlError("delete", err)
	}
	return nil
}

// DeleteUserDevices implements RememberStore.
func (s *SQLStore) DeleteUserDevices(ctx context.Context, userID string) error {
	if _, err := s.exec(ctx, s.q.delUser, userID); err != nil {
		return sqlError("delete user devices", err)
	}
	return nil
}

// UserDevices implements RememberStore.
func (s *SQLStore) UserDevices(ctx context.Context, userID string) ([]Device, error) {
	st, err := s.stmt(ctx, s.q.list)
	if err != nil {
		return nil, sqlError("list", err)
	}
	rows, err := st.QueryContext(ctx, userID)
	if err != nil {
		return nil, sqlError("list", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, sqlError("list", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError("list", err)
	}
	return out, nil
}

// DeleteExpired removes devices that expired before now and returns how
// many. Run it now and then (the example app does so every hour).
func (s *SQLStore) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.q.delExpired, micros(now))
	if err != nil {
		return 0, sqlError("delete expired", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
