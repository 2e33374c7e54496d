package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"
)

// stats collects one browser's results; they are merged at the end so the
// hot loop shares no lock.
type stats struct {
	latencies []time.Duration
	byStatus  map[int]int
	failures  int // transport errors and timeouts
	wrongUser int // an answer that belonged to another account
	logins    int
	logouts   int
	throttled int // logins answered 429, retried a second later
	loggedOut int // a page answered "log in" to a browser that was logged in
	examples  []string
}

func newStats() *stats { return &stats{byStatus: map[int]int{}} }

func (s *stats) record(status int, d time.Duration) {
	s.latencies = append(s.latencies, d)
	s.byStatus[status]++
}

func (s *stats) note(format string, args ...any) {
	if len(s.examples) < 3 {
		s.examples = append(s.examples, fmt.Sprintf(format, args...))
	}
}

func (s *stats) merge(o *stats) {
	s.latencies = append(s.latencies, o.latencies...)
	for k, v := range o.byStatus {
		s.byStatus[k] += v
	}
	s.failures += o.failures
	s.wrongUser += o.wrongUser
	s.logins += o.logins
	s.logouts += o.logouts
	s.throttled += o.throttled
	s.loggedOut += o.loggedOut
	for _, e := range o.examples {
		if len(s.examples) < 10 {
			s.examples = append(s.examples, e)
		}
	}
}

// percentile returns the p-th percentile (0..100) of sorted durations, by
// the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// report is the outcome of a run.
type report struct {
	total   *stats
	elapsed time.Duration
	clients int
	urls    []string
	races   int
}

func (r *report) count5xx() int {
	n := 0
	for status, c := range r.total.byStatus {
		if status >= 500 {
			n += c
		}
	}
	return n
}

func (r *report) ok() bool {
	t := r.total
	return len(t.latencies) > 0 && t.failures == 0 && t.wrongUser == 0 && t.loggedOut == 0 && r.count5xx() == 0 && r.races == 0
}

func (r *report) print(w io.Writer) {
	t := r.total
	lat := slices.Clone(t.latencies)
	slices.Sort(lat)
	n := len(lat)
	fmt.Fprintf(w, "\n== load report ==\n")
	fmt.Fprintf(w, "instances        %v\n", r.urls)
	fmt.Fprintf(w, "clients          %d\n", r.clients)
	fmt.Fprintf(w, "duration         %s\n", r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "requests         %d (%.1f req/s)\n", n, float64(n)/r.elapsed.Seconds())
	fmt.Fprintf(w, "logins/logouts   %d / %d (%d logins throttled with 429 and retried)\n", t.logins, t.logouts, t.throttled)
	if n > 0 {
		fmt.Fprintf(w, "latency          p50 %s  p90 %s  p99 %s  max %s\n",
			percentile(lat, 50).Round(time.Microsecond), percentile(lat, 90).Round(time.Microsecond),
			percentile(lat, 99).Round(time.Microsecond), lat[n-1].Round(time.Microsecond))
	}
	codes := make([]int, 0, len(t.byStatus))
	for c := range t.byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	fmt.Fprintf(w, "status codes    ")
	for _, c := range codes {
		fmt.Fprintf(w, " %d×%d", c, t.byStatus[c])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "5xx              %d\n", r.count5xx())
	fmt.Fprintf(w, "transport errors %d\n", t.failures)
	fmt.Fprintf(w, "wrong-user       %d\n", t.wrongUser)
	fmt.Fprintf(w, "lost logins      %d\n", t.loggedOut)
	fmt.Fprintf(w, "data races       %d\n", r.races)
	for _, e := range t.examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	if r.ok() {
		fmt.Fprintln(w, "result           PASS")
	} else {
		fmt.Fprintln(w, "result           FAIL")
	}
}
