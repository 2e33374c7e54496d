// Package app is the ginlogin starter app: registration, login with
// remember me and an optional TOTP second factor, a login required on every
// route not declared public, fresh logins, devices (with an optional cap),
// API tokens, account deletion, CSRF defence and throttling, on SQLite or
// PostgreSQL with cookie or Redis sessions. New
// builds it in-process, so tests (and other programs) can serve its
// Handler; the example command only reads the environment and serves it.
package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/ginlogin"
	"github.com/gomodule/redigo/redis"
)

// App is the site. Serve Handler(); call Close when done.
type App struct {
	cfg       Config
	db        *Database
	users     *UserStore
	tokens    *TokenStore
	twoFactor *TwoFactorStore
	secrets   *secretBox // TOTP secrets at rest
	devices   *ginlogin.SQLStore
	mgr       *ginlogin.Manager
	passwords *Passwords
	pages     *pages
	style     []byte
	redisPool *redis.Pool
	sessions  string // description of the session store, for the log

	throttle *throttles

	handler   http.Handler
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New opens the stores cfg names (creating the schema), checks that Redis
// answers when REDIS_URL is set, and builds the site. Errors name what to
// fix.
func New(cfg Config) (*App, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(cfg.SecretKey) == 0 {
		return nil, &ConfigError{"SECRET_KEY", errors.New("empty: call LoadSecretKey or set Config.SecretKey")}
	}
	a := &App{cfg: cfg, stop: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if a.db, err = OpenDatabase(ctx, cfg); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	a.users, a.tokens, a.twoFactor = NewUserStore(a.db), NewTokenStore(a.db), NewTwoFactorStore(a.db)
	if a.secrets, err = newSecretBox(cfg.SecretKey); err != nil {
		return nil, err
	}
	if a.devices, err = a.db.Devices(); err != nil {
		return nil, err
	}
	if a.passwords, err = NewPasswords(cfg.BcryptCost); err != nil {
		return nil, err
	}
	if a.pages, err = loadPages(); err != nil {
		return nil, err
	}
	if a.style, err = readStyle(); err != nil {
		return nil, err
	}
	store, err := a.sessionStore()
	if err != nil {
		return nil, err
	}
	a.mgr, err = ginlogin.New(ginlogin.Config{
		SecretKeys:        [][]byte{cfg.SecretKey},
		SessionStore:      store,
		SessionCookie:     ginlogin.SessionCookieConfig{Insecure: cfg.CookieInsecure},
		UserLoader:        a.users.Load,
		RequestLoader:     a.bearerUser,
		RememberStore:     a.devices,
		RememberCookie:    ginlogin.RememberCookieConfig{Duration: cfg.RememberFor, Insecure: cfg.CookieInsecure},
		LoginURL:          "/login",
		RefreshURL:        "/reauthenticate",
		TwoStep:           ginlogin.TwoStepConfig{URL: secondFactorURL},
		MaxDevices:        maxDevices(cfg.MaxDevices),
		IdleTimeout:       cfg.IdleTimeout,
		AbsoluteTimeout:   cfg.AbsoluteTimeout,
		FreshFor:          cfg.FreshFor,
		SessionProtection: cfg.SessionProtection,
		UseClientIP:       len(cfg.TrustedProxies) > 0, // the engine trusts only those proxies
		ErrorHandler:      a.failure,
		Now:               cfg.Now,
		Logger:            cfg.Logger,
		Hooks:             a.hooks(),
	})
	if err != nil {
		return nil, err
	}
	a.throttle = newThrottles(cfg, a.redisPool) // in Redis when REDIS_URL is set
	a.handler = a.buildHandler()
	if cfg.CleanupInterval > 0 {
		a.wg.Add(1)
		go a.cleanExpiredDevices()
	}
	ok = true
	return a, nil
}

// Handler is the whole site, middleware included.
func (a *App) Handler() http.Handler { return a.handler }

// Manager is the app's ginlogin manager.
func (a *App) Manager() *ginlogin.Manager { return a.mgr }

// Users is the app's user store.
func (a *App) Users() *UserStore { return a.users }

// Database is the app's database.
func (a *App) Database() *Database { return a.db }

// Stores describes the stores in use, for the start-up log line.
func (a *App) Stores() string {
	return fmt.Sprintf("users, devices and API tokens in %s; sessions in %s", a.db.Name, a.sessions)
}

// Close stops the background cleanup and closes the database and the Redis
// pool. It is safe to call more than once.
func (a *App) Close() error {
	var errs []error
	a.closeOnce.Do(func() {
		close(a.stop)
		a.wg.Wait()
		if a.redisPool != nil {
			errs = append(errs, a.redisPool.Close())
		}
		if a.db != nil {
			errs = append(errs, a.db.Close())
		}
	})
	return errors.Join(errs...)
}

// cleanExpiredDevices deletes expired device records now and then.
func (a *App) cleanExpiredDevices() {
	defer a.wg.Done()
	ticker := time.NewTicker(a.cfg.CleanupInterval)
	defer ticker.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		n, err := a.devices.DeleteExpired(ctx, a.cfg.Now())
		cancel()
		switch {
		case err != nil:
			a.cfg.Logger.Warn("deleting expired devices failed", "err", err)
		case n > 0:
			a.cfg.Logger.Info("deleted expired devices", "count", n)
		}
		select {
		case <-a.stop:
			return
		case <-ticker.C:
		}
	}
}

// hooks log ginlogin's events: one line each, with the user's ID and never
// a cookie or token.
func (a *App) hooks() ginlogin.Hooks {
	log := a.cfg.Logger
	return ginlogin.Hooks{
		LoggedIn: func(c *gin.Context, u ginlogin.User) {
			log.Info("user logged in", "user_id", u.LoginID())
		},
		LoggedOut: func(c *gin.Context, u ginlogin.User) {
			if u != nil {
				log.Info("user logged out", "user_id", u.LoginID())
			}
		},
		LoadedFromCookie: func(c *gin.Context, u ginlogin.User) {
			log.Info("login restored from a remember cookie", "user_id", u.LoginID())
		},
		LoginConfirmed: func(c *gin.Context, u ginlogin.User) {
			log.Info("login confirmed with the password", "user_id", u.LoginID())
		},
		SessionEnded: func(c *gin.Context, reason error) {
			log.Info("session ended", "reason", reason)
		},
		PendingStarted: func(c *gin.Context, u ginlogin.User) {
			log.Info("password accepted, second factor pending", "user_id", u.LoginID())
		},
		PendingCompleted: func(c *gin.Context, u ginlogin.User) {
			log.Info("second factor accepted", "user_id", u.LoginID())
		},
		PendingExpired: func(c *gin.Context, userID string) {
			log.Info("a pending second factor expired", "user_id", userID)
		},
		DeviceEvicted: func(c *gin.Context, userID string, d ginlogin.DeviceInfo) {
			log.Info("device logged out by the device limit", "user_id", userID, "device", d.Label, "last_used", d.LastUsedAt)
		},
		TokenTheft: func(c *gin.Context, userID string) {
			log.Warn("a remember token was used by two browsers: every device of the user was revoked", "user_id", userID)
		},
	}
}

// session is sessions.Default, for handlers that store their own values.
func session(c *gin.Context) sessions.Session { return sessions.Default(c) }
