package app

import (
	"context"
	"database/sql"

	"github.com/ginlogin/ginlogin/ginlogin"
)

// column is a column that a table created by an earlier version of the
// app lacks: its name and its definition for ALTER TABLE ... ADD COLUMN.
// The definition needs a DEFAULT when it says NOT NULL, so existing rows
// get a value.
type column struct {
	table, name, definition string
}

// addColumns adds the columns that are missing, inside the migration's
// transaction. PostgreSQL says ADD COLUMN IF NOT EXISTS; SQLite has no
// such clause, so its table_info is asked first. Both dialects run ALTER
// TABLE inside a transaction, so a failure leaves the schema as it was.
func (d *Database) addColumns(ctx context.Context, tx *sql.Tx, cols []column) error {
	for _, col := range cols {
		if d.Dialect == ginlogin.Postgres {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+col.table+" ADD COLUMN IF NOT EXISTS "+col.name+" "+col.definition); err != nil {
				return err
			}
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?", col.table, col.name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+col.table+" ADD COLUMN "+col.name+" "+col.definition); err != nil {
			return err
		}
	}
	return nil
}
