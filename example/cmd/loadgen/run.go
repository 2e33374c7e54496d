package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// run creates (or logs in) the accounts, then drives the load for
// o.duration, printing progress every five seconds.
func run(ctx context.Context, o options, progress io.Writer) (*report, error) {
	browsers := make([]*browser, o.clients)
	for i := range browsers {
		browsers[i] = newBrowser(i, o)
	}

	if o.seedInto != nil {
		fmt.Fprintf(progress, "creating %d accounts in the database (bcrypt cost %d)\n", o.clients, o.seedCost)
		if err := seedAccounts(ctx, *o.seedInto, browsers, o.password, o.seedCost); err != nil {
			return nil, err
		}
	}
	how := "logging in"
	if o.register {
		how = "registering"
	}
	fmt.Fprintf(progress, "%s %d browsers on %v\n", how, o.clients, o.urls)
	setup := time.Now()
	if err := prepare(ctx, browsers, o.register); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  done in %s\n", time.Since(setup).Round(time.Millisecond))
	// Setup requests are not part of the measurement.
	for _, b := range browsers {
		b.st = newStats()
	}

	fmt.Fprintf(progress, "running %d clients for %s\n", o.clients, o.duration)
	loadCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.loop(loadCtx, o.relogin)
			done.Add(1)
		}()
	}
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for waiting := true; waiting; {
		select {
		case <-finished:
			waiting = false
		case <-ticker.C:
			fmt.Fprintf(progress, "  %s elapsed\n", time.Since(start).Round(time.Second))
		}
	}
	elapsed := time.Since(start)
	total := newStats()
	for _, b := range browsers {
		total.merge(b.st)
	}
	return &report{total: total, elapsed: elapsed, clients: o.clients, urls: o.urls}, nil
}

// prepare registers every account (a few at a time: registration hashes a
// password) or logs every browser in.
func prepare(ctx context.Context, browsers []*browser, register bool) error {
	const parallel = 8
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(browsers))
	var wg sync.WaitGroup
	for _, b := range browsers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			if register {
				err = b.register(ctx)
			} else {
				err = b.login(ctx)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return fmt.Errorf("preparing accounts: %w", err)
	}
	return nil
}
