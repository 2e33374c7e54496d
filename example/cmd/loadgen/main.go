// Command loadgen drives a ginlogin example site with many concurrent
// browsers and reports throughput, latency percentiles and errors.
//
// Each simulated browser has its own account and cookie jar (and, on
// loopback, its own source address, so per-address login throttling sees
// separate clients). It logs in, then keeps requesting authenticated pages
// and the JSON API, checking that every answer belongs to its own account,
// and now and then logs out and in again.
//
// By default it builds the example app with the race detector, starts it
// (twice with -instances 2, sharing REDIS_URL and DATABASE_URL when they are
// set, otherwise one SQLite file and the cookie store), creates the
// accounts, runs the load, stops the app and fails if the app reported a
// data race. With -url it drives a site that is already running; the
// accounts must then exist (see -register).
//
// The accounts of started instances are written straight into their
// database, all with one bcrypt hash of cost -seed-cost (default 4): the
// load measures sessions, not bcrypt, whose cost 12 takes about 0.3 s per
// login (3 s under the race detector) and would leave two cores nothing
// else to do. Every login still goes through the login form and checks the
// password. With -register the accounts are made through the registration
// form instead, at the site's own cost.
//
//	go run ./example/cmd/loadgen -clients 200 -duration 30s
//	go run ./example/cmd/loadgen -url http://127.0.0.1:8080 -register
//
// The exit status is 1 when any request failed, answered 5xx, or answered
// for the wrong account, or when a data race was reported.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/ginlogin/ginlogin/example/app"
	"golang.org/x/crypto/bcrypt"
)

type options struct {
	urls      []string
	clients   int
	duration  time.Duration
	instances int
	race      bool
	register  bool
	relogin   int
	password  string
	prefix    string
	// seedInto, when set, is the site's database: the accounts are
	// created there directly, with a bcrypt hash of cost seedCost.
	seedInto *app.Config
	seedCost int
}

func main() {
	var o options
	var urls string
	flag.StringVar(&urls, "url", "", "comma-separated base URLs of running instances (default: build and start the example app)")
	flag.IntVar(&o.clients, "clients", 200, "concurrent simulated browsers")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long to run the load")
	flag.IntVar(&o.instances, "instances", 2, "instances to start when no -url is given")
	flag.BoolVar(&o.race, "race", true, "build the started app with the race detector")
	flag.BoolVar(&o.register, "register", false, "register the accounts through /register first (always done for started instances)")
	flag.IntVar(&o.relogin, "relogin", 50, "log out and in again every N page views per browser (0: never)")
	flag.IntVar(&o.seedCost, "seed-cost", bcrypt.MinCost, "bcrypt cost of the accounts created in the database of started instances")
	flag.StringVar(&o.password, "password", "load-test-password-1", "password of the simulated accounts")
	flag.StringVar(&o.prefix, "prefix", "", "e-mail prefix of the accounts (default: random per run)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("loadgen: ")
	if o.clients < 1 || o.duration <= 0 {
		log.Fatal("-clients must be positive and -duration longer than zero")
	}
	if o.prefix == "" {
		o.prefix = fmt.Sprintf("load%d", time.Now().UnixNano()%1_000_000)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var cluster *cluster
	if urls != "" {
		o.urls = strings.Split(urls, ",")
	} else {
		var err error
		cluster, err = startCluster(ctx, o.instances, o.race)
		if err != nil {
			log.Fatal(err)
		}
		defer cluster.stop()
		o.urls = cluster.urls
		if !o.register {
			o.seedInto = &cluster.db
		}
	}

	report, err := run(ctx, o, os.Stdout)
	if cluster != nil {
		cluster.stop()
		if err == nil {
			report.races = cluster.races()
		}
		if err != nil || !report.ok() {
			fmt.Printf("the instances' logs are kept in %s\n", cluster.dir)
		} else {
			cluster.remove()
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	report.print(os.Stdout)
	if !report.ok() {
		os.Exit(1)
	}
}
