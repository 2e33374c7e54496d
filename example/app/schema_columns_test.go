package app_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/ginlogin/ginlogin/example/app"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oldUsersTable is the users table as the app created it before two-step
// login.
const oldUsersTable = `CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL,
	email_key     TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	session_epoch BIGINT NOT NULL DEFAULT 0,
	active        INTEGER NOT NULL DEFAULT 1,
	created_at    BIGINT NOT NULL
)`

// upgradeKeepsUsers creates the old table with one user through db, opens
// the app's database on cfg (which migrates it twice, as two starts do)
// and checks the user is still there, with two-step login off.
func upgradeKeepsUsers(t *testing.T, db *sql.DB, cfg app.Config) {
	t.Helper()
	_, err := db.Exec(oldUsersTable)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO users (id, email, email_key, name, password_hash, created_at) VALUES ('u1', 'ada@example.com', 'ada@example.com', 'Ada', 'x', 1)`)
	require.NoError(t, err)
	for range 2 {
		d, err := app.OpenDatabase(context.Background(), cfg)
		require.NoError(t, err)
		var secret string
		var enabled, step int64
		require.NoError(t, d.DB.QueryRow("SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = 'u1'").Scan(&secret, &enabled, &step))
		assert.Empty(t, secret)
		assert.Zero(t, enabled)
		assert.Zero(t, step)
		require.NoError(t, d.Close())
	}
}

func TestMigrationAddsTheTwoFactorColumnsToAnOldSQLiteTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	upgradeKeepsUsers(t, db, app.Config{SQLitePath: path})
}

func TestMigrationAddsTheTwoFactorColumnsToAnOldPostgresTable(t *testing.T) {
	dsn := postgresURL(t)
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	upgradeKeepsUsers(t, db, app.Config{DatabaseURL: dsn})
}
