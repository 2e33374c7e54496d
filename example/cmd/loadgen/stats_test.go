package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 90*time.Millisecond, percentile(d, 90))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))
	assert.Equal(t, 1*time.Millisecond, percentile(d, 0))
	assert.Equal(t, time.Duration(0), percentile(nil, 50))
	assert.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 99))
}

func TestReportFailsOnServerErrorsWrongUsersAndRaces(t *testing.T) {
	clean := newStats()
	clean.record(200, time.Millisecond)
	clean.record(303, 2*time.Millisecond)
	r := &report{total: clean, elapsed: time.Second, clients: 1}
	assert.True(t, r.ok())
	var out bytes.Buffer
	r.print(&out)
	assert.Contains(t, out.String(), "result           PASS")
	assert.Contains(t, out.String(), "200×1 303×1")

	for name, spoil := range map[string]func(r *report){
		"5xx":        func(r *report) { r.total.record(503, time.Millisecond) },
		"wrong user": func(r *report) { r.total.wrongUser++ },
		"transport":  func(r *report) { r.total.failures++ },
		"race":       func(r *report) { r.races = 1 },
		"lost login": func(r *report) { r.total.loggedOut++ },
		"no request": func(r *report) { r.total = newStats() },
	} {
		t.Run(name, func(t *testing.T) {
			s := newStats()
			s.merge(clean)
			r := &report{total: s, elapsed: time.Second, clients: 1}
			spoil(r)
			assert.False(t, r.ok())
			var out bytes.Buffer
			r.print(&out)
			assert.Contains(t, out.String(), "result           FAIL")
		})
	}
}
