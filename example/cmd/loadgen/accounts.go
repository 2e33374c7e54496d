package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"golang.org/x/crypto/bcrypt"
)

// seedAccounts creates the browsers' accounts directly in the site's
// database, all with one bcrypt hash of the shared password at cost. An
// account that exists already (a rerun with the same -prefix) is kept.
func seedAccounts(ctx context.Context, db app.Config, browsers []*browser, password string, cost int) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return fmt.Errorf("hashing the accounts' password: %w", err)
	}
	d, err := app.OpenDatabase(ctx, db)
	if err != nil {
		return err
	}
	defer d.Close()
	users := app.NewUserStore(d)
	now := time.Now()
	for _, b := range browsers {
		_, err := users.Create(ctx, b.email, b.name, string(hash), now)
		if err != nil && !errors.Is(err, app.ErrEmailTaken) {
			return fmt.Errorf("creating %s: %w", b.email, err)
		}
	}
	return nil
}
