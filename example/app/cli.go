package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// UserCommandUsage describes the user subcommands.
const UserCommandUsage = `usage:
  user add EMAIL NAME       create an account; the password is read from standard input
  user deactivate EMAIL     refuse logins and log the account out everywhere
  user activate EMAIL       allow logins again
  user delete EMAIL         delete the account, its devices and API tokens
  user reset-two-factor EMAIL
                            turn two-step login off (a lost phone and lost recovery codes)
  user list                 list the accounts`

// ErrUsage is returned for a malformed command line.
var ErrUsage = errors.New("app: bad command line\n" + UserCommandUsage)

// RunUserCommand runs one "user ..." subcommand (args without the word
// "user") on the database cfg names, reading a password from stdin and
// writing results to stdout.
func RunUserCommand(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return ErrUsage
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	db, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	users := NewUserStore(db)
	devices, err := db.Devices()
	if err != nil {
		return err
	}
	find := func(email string) (*User, error) {
		u, err := users.ByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, fmt.Errorf("no account with the email %q", email)
		}
		return u, nil
	}

	switch cmd, rest := args[0], args[1:]; {
	case cmd == "add" && len(rest) >= 2:
		email, err := CheckEmail(rest[0])
		if err != nil {
			return err
		}
		name, err := CheckName(strings.Join(rest[1:], " "))
		if err != nil {
			return err
		}
		password, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if err := CheckNewPassword(password, password); err != nil {
			return err
		}
		hasher, err := NewPasswords(cfg.BcryptCost)
		if err != nil {
			return err
		}
		hash, err := hasher.Hash(password)
		if err != nil {
			return err
		}
		u, err := users.Create(ctx, email, name, hash, cfg.Now())
		if errors.Is(err, ErrEmailTaken) {
			return fmt.Errorf("an account with the email %q exists already", email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s (%s)\n", u.Email, u.Name)
		return nil

	case cmd == "deactivate" && len(rest) == 1:
		u, err := find(rest[0])
		if err != nil {
			return err
		}
		if err := users.SetActive(ctx, u.LoginID(), false); err != nil {
			return err
		}
		if err := devices.DeleteUserDevices(ctx, u.LoginID()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deactivated %s and logged it out everywhere\n", u.Email)
		return nil

	case cmd == "activate" && len(rest) == 1:
		u, err := find(rest[0])
		if err != nil {
			return err
		}
		if err := users.SetActive(ctx, u.LoginID(), true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "activated %s\n", u.Email)
		return nil

	case cmd == "delete" && len(rest) == 1:
		u, err := find(rest[0])
		if err != nil {
			return err
		}
		if err := devices.DeleteUserDevices(ctx, u.LoginID()); err != nil {
			return err
		}
		if err := NewTokenStore(db).RevokeAll(ctx, u.LoginID()); err != nil {
			return err
		}
		if err := users.Delete(ctx, u.LoginID()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s\n", u.Email)
		return nil

	case cmd == "reset-two-factor" && len(rest) == 1:
		u, err := find(rest[0])
		if err != nil {
			return err
		}
		if err := NewTwoFactorStore(db).Disable(ctx, u.LoginID()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "turned two-step login off for %s: the password alone logs in\n", u.Email)
		return nil

	case cmd == "list" && len(rest) == 0:
		list, err := users.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "EMAIL\tNAME\tSTATUS\tCREATED")
		for _, u := range list {
			status := "active"
			if !u.IsActive() {
				status = "deactivated"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Email, u.Name, status, u.CreatedAt.UTC().Format("2006-01-02 15:04"))
		}
		return w.Flush()
	}
	return ErrUsage
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | ... user add EMAIL NAME`")
	}
	return line, nil
}
