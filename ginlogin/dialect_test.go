package ginlogin_test

import (
	"fmt"
	"testing"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/stretchr/testify/assert"
)

func TestDialectRebind(t *testing.T) {
	tests := []struct {
		name    string
		dialect ginlogin.Dialect
		query   string
		want    string
	}{
		{"postgres numbers the placeholders in order", ginlogin.Postgres,
			"UPDATE t SET a = ?, b = ? WHERE id = ?", "UPDATE t SET a = $1, b = $2 WHERE id = $3"},
		{"postgres past nine", ginlogin.Postgres,
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
		{"postgres keeps multi-byte text around placeholders", ginlogin.Postgres,
			"SELECT 'é' || ?, '日本' WHERE x = ?", "SELECT 'é' || $1, '日本' WHERE x = $2"},
		{"postgres rewrites a ? in a literal too (documented)", ginlogin.Postgres,
			"SELECT '?' WHERE a = ?", "SELECT '$1' WHERE a = $2"},
		{"postgres without placeholders", ginlogin.Postgres,
			"SELECT 1", "SELECT 1"},
		{"sqlite keeps ?", ginlogin.SQLite,
			"SELECT a FROM t WHERE id = ? AND b = ?", "SELECT a FROM t WHERE id = ? AND b = ?"},
		{"unknown dialect keeps ?", ginlogin.Dialect(0),
			"SELECT a FROM t WHERE id = ?", "SELECT a FROM t WHERE id = ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.dialect.Rebind(tt.query))
		})
	}
}

func ExampleDialect_Rebind() {
	const q = "SELECT name FROM users WHERE email = ? AND active = ?"
	fmt.Println(ginlogin.SQLite.Rebind(q))
	fmt.Println(ginlogin.Postgres.Rebind(q))
	// Output:
	// SELECT name FROM users WHERE email = ? AND active = ?
	// SELECT name FROM users WHERE email = $1 AND active = $2
}
