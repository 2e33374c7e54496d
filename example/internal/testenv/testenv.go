// Package testenv holds the helpers the example's test packages share: a log
// sink safe for concurrent writes, random names, and a PostgreSQL schema of
// a test's own. Only tests import it.
package testenv

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// LockedBuffer is a log sink safe for concurrent writes.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RandomName returns 12 random hex digits, for names that must not collide
// between test runs sharing an engine.
func RandomName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// PostgresSchema returns DATABASE_URL pointing at a new schema named
// prefix plus a random name, dropped when the test ends, or "" when
// DATABASE_URL is unset (the caller skips or falls back).
func PostgresSchema(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		return ""
	}
	schema := prefix + RandomName(t)
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		assert.NoError(t, err)
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
