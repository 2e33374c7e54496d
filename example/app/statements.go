package app

import (
	"context"
	"database/sql"
	"sync"
)

// statements prepares each of the app's queries once per Database and
// keeps it: SQLite would otherwise parse the SQL again on every request
// (a sixth of an authenticated request's time), PostgreSQL plan it again.
// database/sql prepares a statement again by itself on each new
// connection, so one prepared before a PostgreSQL restart keeps working
// on the connections dialled after it.
type statements struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// stmt returns query, with ? placeholders, prepared on d. A failure to
// prepare (the database unreachable) is returned and nothing is kept, so
// the next call tries again.
func (d *Database) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s := &d.stmts
	s.mu.RLock()
	st := s.m[query]
	s.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	// Prepared outside the lock: while the database is unreachable, a
	// request waits for its own failure only, not for every other one's.
	st, err := d.DB.PrepareContext(ctx, d.Dialect.Rebind(query))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if have := s.m[query]; have != nil {
		st.Close() // another request prepared it first
		return have, nil
	}
	if s.m == nil {
		s.m = map[string]*sql.Stmt{}
	}
	s.m[query] = st
	return st, nil
}

// queryRow runs a prepared query that returns at most one row.
func (d *Database) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a prepared query.
func (d *Database) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec runs a prepared statement.
func (d *Database) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// closeStatements releases the prepared statements.
func (d *Database) closeStatements() {
	d.stmts.mu.Lock()
	defer d.stmts.mu.Unlock()
	for q, st := range d.stmts.m {
		st.Close()
		delete(d.stmts.m, q)
	}
}

// rowScanner is a *sql.Row or a row whose statement could not be prepared.
type rowScanner interface{ Scan(dest ...any) error }

// errRow is a row whose statement could not be prepared: Scan returns the
// preparation's error.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
