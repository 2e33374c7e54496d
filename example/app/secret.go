package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ginlogin/ginlogin/ginlogin"
)

// SecretFilePath is where a generated secret key is kept: next to the
// SQLite database, named after it with the extension .secret.
func SecretFilePath(sqlitePath string) string {
	return strings.TrimSuffix(sqlitePath, filepath.Ext(sqlitePath)) + ".secret"
}

// LoadSecretKey sets cfg.SecretKey from SECRET_KEY (through getenv). When
// it is unset in release mode (GIN_MODE=release) it is an error; outside
// release mode a key is read from, or generated into, SecretFilePath with
// permissions 0600, and a warning is logged. A key shorter than 32 bytes is
// an error in every mode.
func LoadSecretKey(cfg *Config, getenv func(string) string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	if v := getenv("SECRET_KEY"); v != "" {
		if len(v) < ginlogin.MinSecretKeyLength {
			return &ConfigError{"SECRET_KEY", fmt.Errorf("%d bytes is too short: use at least %d random bytes, e.g. `openssl rand -base64 48`", len(v), ginlogin.MinSecretKeyLength)}
		}
		cfg.SecretKey = []byte(v)
		return nil
	}
	if cfg.Release {
		return &ConfigError{"SECRET_KEY", errors.New("not set, and GIN_MODE=release refuses to generate one: set it to at least 32 random bytes, the same on every instance, e.g. `openssl rand -base64 48`")}
	}
	path := SecretFilePath(cfg.SQLitePath)
	key, err := readOrCreateSecret(path)
	if err != nil {
		return &ConfigError{"SECRET_KEY", fmt.Errorf("not set, and the development key file failed: %w", err)}
	}
	logger.Warn("SECRET_KEY is not set: using a development key kept in a local file; set SECRET_KEY in production", "file", path)
	cfg.SecretKey = key
	return nil
}

// readOrCreateSecret returns the key in path, creating the file with a new
// random key (mode 0600, never overwriting) when it does not exist.
func readOrCreateSecret(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		key := []byte(strings.TrimSpace(string(b)))
		if len(key) < ginlogin.MinSecretKeyLength {
			return nil, fmt.Errorf("%s holds a key of %d bytes; delete the file to generate a new one", path, len(key))
		}
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := base64.RawURLEncoding.EncodeToString(raw)
	// Write a temporary file, then link it into place: another process
	// starting at the same moment sees either no file or a complete one.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(key + "\n"); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return readOrCreateSecret(path)
	} else if err != nil {
		return nil, err
	}
	return []byte(key), nil
}
