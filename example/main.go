// Command example is the ginlogin starter app. Without arguments it serves
// the site; "user ..." subcommands manage accounts. Configuration comes from
// the environment (see docs/example-app.md):
//
//	go run ./example                          # serve on 127.0.0.1:8080
//	printf '%s\n' "$PW" | go run ./example user add ada@example.com Ada Lovelace
//	go run ./example user list
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ginlogin/ginlogin/example/app"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

// run is main without the process: arguments, environment and streams are
// passed in.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	cfg, err := app.FromEnv(getenv)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	if len(args) > 0 {
		if args[0] != "user" {
			return fmt.Errorf("unknown command %q\n%s", args[0], app.UserCommandUsage)
		}
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		return app.RunUserCommand(ctx, cfg, args[1:], stdin, stdout)
	}
	if err := app.LoadSecretKey(&cfg, getenv, logger); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, cfg, logger)
}

// serve runs the site until ctx ends, then shuts down gracefully (see
// runServer).
func serve(ctx context.Context, cfg app.Config, logger *slog.Logger) error {
	// Gin's debug output (the route list, the mode warning) would bury
	// the one start-up line; the routes are listed in docs/example-app.md.
	gin.DebugPrintRouteFunc = func(string, string, string, int) {}
	gin.DebugPrintFunc = func(string, ...any) {}
	site, err := app.New(cfg)
	if err != nil {
		return err
	}
	defer site.Close()
	if cfg.CookieInsecure {
		logger.Warn("COOKIE_SECURE=false: cookies will also be sent over plain HTTP; use it only for testing")
	} else if !app.IsLoopback(cfg.Addr) {
		logger.Warn("serving plain HTTP on a non-loopback address with Secure cookies: browsers send them only over HTTPS or to localhost; put a TLS proxy in front", "addr", cfg.Addr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	logger.Info("serving on http://"+cfg.Addr, "stores", site.Stores())
	return runServer(ctx, newServer(site.Handler()), ln, logger)
}

// newServer is an http.Server with timeouts, so slow clients cannot hold
// connections open forever.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// runServer serves on ln until ctx ends (SIGINT or SIGTERM in main), then
// shuts down gracefully: the listener closes at once and in-flight
// requests get up to 20 seconds to finish.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
