package ginlogin_test

import (
	"testing"

	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/ginlogin/ginlogin/ginlogin/ginlogintest"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	ginlogintest.TestRememberStore(t, func(*testing.T) ginlogin.RememberStore { return ginlogin.NewMemoryStore() })
}
