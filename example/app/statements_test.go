package app

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatementsArePreparedOnceAndFailuresAreNotKept(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDatabase(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "stmts.db")})
	require.NoError(t, err)
	defer db.Close()

	const q = "SELECT COUNT(*) FROM users WHERE id = ?"
	var wg sync.WaitGroup
	got := make([]any, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := db.stmt(ctx, q)
			assert.NoError(t, err)
			got[i] = st
		}()
	}
	wg.Wait()
	for _, st := range got {
		assert.Same(t, got[0], st, "every caller gets the one kept statement")
	}
	var n int
	require.NoError(t, db.queryRow(ctx, q, "nobody").Scan(&n))
	assert.Zero(t, n)

	_, err = db.stmt(ctx, "SELECT nope FROM no_such_table")
	require.Error(t, err)
	db.stmts.mu.RLock()
	_, kept := db.stmts.m["SELECT nope FROM no_such_table"]
	db.stmts.mu.RUnlock()
	assert.False(t, kept, "a statement that failed to prepare is tried again next time")
	assert.Error(t, db.queryRow(ctx, "SELECT nope FROM no_such_table").Scan(&n), "the row carries the preparation's error")
}
