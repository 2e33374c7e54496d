package ginlogin

import (
	"strconv"
	"strings"
)

// Dialect selects the SQL flavour of a SQLStore, and rewrites an app's own
// queries for it (Rebind).
type Dialect int

// Supported dialects.
const (
	// SQLite works with modernc.org/sqlite (pure Go) and mattn/go-sqlite3.
	SQLite Dialect = iota + 1
	// Postgres works with pgx's database/sql driver and lib/pq.
	Postgres
)

// Rebind rewrites a query written with ? placeholders for the dialect, so
// an app can write each query once for SQLite and PostgreSQL, as SQLStore
// does: for Postgres the n-th ? becomes $n; for SQLite (and any other
// value) the query is returned unchanged. Rebind does not parse SQL: a ?
// inside a string literal, a quoted name or a comment is rewritten too, so
// pass such values as arguments. It cannot fail.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + strings.Count(query, "?"))
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b.WriteByte(query[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
