package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Database is the app's SQL database: SQLite by default, PostgreSQL with
// DATABASE_URL. Every query is written once with ? placeholders and
// rewritten for PostgreSQL by Dialect.Rebind, as ginlogin's SQLStore does.
type Database struct {
	DB      *sql.DB
	Dialect ginlogin.Dialect
	// Name describes the database for the start-up log, without secrets.
	Name string

	stmts statements
}

// OpenDatabase opens the database cfg names and creates the schema (the
// app's tables and ginlogin's device table) if it does not exist.
func OpenDatabase(ctx context.Context, cfg Config) (*Database, error) {
	var d *Database
	if cfg.DatabaseURL != "" {
		pgCfg, err := pgx.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			return nil, &ConfigError{"DATABASE_URL", err}
		}
		// Before database/sql reuses a pooled connection, pgx pings it
		// when it has been idle over a second; it also pings one whose
		// socket shows the server closed it (closedByPeer peeks, no round
		// trip), which catches a restart quicker than that second. A
		// failed ping is driver.ErrBadConn, and database/sql then retries
		// on another connection: the first query after a PostgreSQL
		// restart succeeds instead of reading the old server's
		// "terminating connection" notice as its answer.
		db := stdlib.OpenDB(*pgCfg, stdlib.OptionShouldPing(func(_ context.Context, p stdlib.ShouldPingParams) bool {
			return p.IdleDuration > time.Second || closedByPeer(p.Conn.PgConn().Conn())
		}))
		// database/sql drops broken connections and dials new ones, so the
		// app recovers by itself once PostgreSQL is back. As many idle
		// connections as open ones: with fewer, a busy site closes and
		// reopens connections all the time, and each new one costs
		// PostgreSQL a process; ConnMaxIdleTime closes them once it is calm.
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
		db.SetConnMaxLifetime(30 * time.Minute)
		d = &Database{DB: db, Dialect: ginlogin.Postgres, Name: "postgres:" + redactURL(cfg.DatabaseURL)}
	} else {
		path := cfg.SQLitePath
		if path == "" {
			path = DefaultSQLitePath
		}
		// WAL lets readers work while one connection writes; busy_timeout
		// makes writers queue instead of failing; _txlock=immediate takes
		// the write lock when a transaction starts, so it cannot fail
		// half-way with SQLITE_BUSY.
		dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, &ConfigError{"SQLITE_PATH", err}
		}
		db.SetMaxOpenConns(8)
		d = &Database{DB: db, Dialect: ginlogin.SQLite, Name: "sqlite:" + path}
	}
	if err := d.migrate(ctx); err != nil {
		d.DB.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the connection pool.
func (d *Database) Close() error {
	d.closeStatements()
	return d.DB.Close()
}

// Devices returns ginlogin's remember store on this database.
func (d *Database) Devices() (*ginlogin.SQLStore, error) {
	return ginlogin.NewSQLStore(d.DB, d.Dialect, "")
}

// schema is the app's own tables. Types are the ones both SQLite and
// PostgreSQL understand; times are Unix microseconds, hashes hex text.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL,
	email_key     TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	session_epoch BIGINT NOT NULL DEFAULT 0,
	active        INTEGER NOT NULL DEFAULT 1,
	created_at    BIGINT NOT NULL
)`,
	`CREATE TABLE IF NOT EXISTS api_tokens (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL DEFAULT 0
)`,
	`CREATE INDEX IF NOT EXISTS api_tokens_user_id ON api_tokens (user_id)`,
}

// migrate creates the tables in one transaction. On PostgreSQL an advisory
// lock keeps two instances starting together from racing on CREATE TABLE.
func (d *Database) migrate(ctx context.Context) error {
	devices, err := d.Devices()
	if err != nil {
		return err
	}
	stmts := append(append(append([]string(nil), schema...), twoFactorSchema...), devices.Schema()...)
	tx, err := d.DB.BeginTx(ctx, nil)
	if err != nil {
		return storeError("opening "+d.Name, err)
	}
	defer tx.Rollback()
	if d.Dialect == ginlogin.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(72621)"); err != nil {
			return fmt.Errorf("app: locking %s for the schema: %w", d.Name, err)
		}
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("app: creating the schema in %s: %w", d.Name, err)
		}
	}
	if err := d.addColumns(ctx, tx, userColumnsAdded); err != nil {
		return fmt.Errorf("app: upgrading the schema in %s: %w", d.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("app: creating the schema in %s: %w", d.Name, err)
	}
	return nil
}

// storeError says which operation failed, and marks a failure to reach the
// database or the session store as an outage (ginlogin.IsUnavailable:
// refused or broken connections, timeouts, a closed pool), so the site
// answers 503 and recovers once the store is back, as ginlogin's own
// SQLStore does. Any other error (a constraint, a missing column) is a bug
// or bad data and answers 500.
func storeError(op string, err error) error {
	if ginlogin.IsUnavailable(err) {
		return fmt.Errorf("app: %s: %w: %w", op, ginlogin.ErrStoreUnavailable, err)
	}
	return fmt.Errorf("app: %s: %w", op, err)
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		return sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// redactURL drops the password from a URL for logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
