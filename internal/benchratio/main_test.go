package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tableRow returns the fields of the comparison table's row for name.
func tableRow(t *testing.T, out, name string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no table row for %s in:\n%s", name, out)
	return nil
}

// targetLine returns the PASS/MISS/SKIP line that names bench.
func targetLine(t *testing.T, out, bench string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "("+bench+")") || strings.Contains(line, " "+bench+" ") {
			return line
		}
	}
	t.Fatalf("no target line for %s in:\n%s", bench, out)
	return ""
}

func TestRunOnCapturedMakeBenchOutput(t *testing.T) {
	// Three rounds of `make bench` on a busy two-core machine.
	in, err := os.ReadFile("testdata/make_bench.txt")
	require.NoError(t, err)
	var out bytes.Buffer
	require.Equal(t, 0, run(bytes.NewReader(in), &out, false), out.String())
	got := out.String()
	require.True(t, strings.HasPrefix(got, string(in)), "the input is echoed first")
	table := strings.TrimPrefix(got, string(in))

	tests := []struct {
		name string
		want []string // runs, ns/op (median), time, allocs/op, extra allocs, B/op, extra B, reference
	}{
		{"Authenticated/baseline", []string{"3", "35537", "205", "11633", "(reference)"}},
		{"Authenticated/sessions_same_values", []string{"3", "36179", "+1.8%", "234", "+29", "12969", "+1336", "baseline"}},
		{"Authenticated/ginlogin", []string{"3", "54874", "+54.4%", "238", "+33", "13468", "+1835", "baseline"}},
		{"AnonymousNoUser/baseline", []string{"3", "3456", "12", "1456", "(reference)"}},
		{"AnonymousNoUser/ginlogin", []string{"3", "4136", "+19.7%", "12", "+0", "1456", "+0", "baseline"}},
		{"RememberRestore/stateless", []string{"3", "40686", "90", "9543", "(reference)"}},
		{"RememberRestore/split_memory", []string{"3", "50183", "+23.3%", "100", "+10", "10715", "+1172", "stateless"}},
		{"RememberRestore/split_sqlite", []string{"3", "187958", "+362.0%", "162", "+72", "12908", "+3365", "stateless"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tableRow(t, table, tt.name)[1:])
		})
	}
	assert.Equal(t, "MISS  authenticated request (Authenticated/ginlogin): +54.4% time (target <= +0%), +33 allocs/op (target <= +0)",
		targetLine(t, table, "Authenticated/ginlogin"))
	assert.Equal(t, "MISS  request that never asks for the user (AnonymousNoUser/ginlogin): +19.7% time (target <= +3%), +0 allocs/op (target <= +1)",
		targetLine(t, table, "AnonymousNoUser/ginlogin"))
	assert.Equal(t, "MISS  remember restore, split token on SQLite (RememberRestore/split_sqlite): 4.62× the stateless's time (target <= 2×)",
		targetLine(t, table, "RememberRestore/split_sqlite"))

	out.Reset()
	assert.Equal(t, 1, run(bytes.NewReader(in), &out, true), "-strict fails on a missed target")
}

func TestRunTargets(t *testing.T) {
	const header = "goos: linux\npkg: example\n"
	tests := []struct {
		name     string
		input    string
		strict   bool
		wantCode int
		want     []string // lines the output must contain
	}{
		{
			name: "targets met",
			input: header +
				"BenchmarkAuthenticated/baseline-8   1000  10000 ns/op  500 B/op  10 allocs/op\n" +
				"BenchmarkAuthenticated/ginlogin-8   1000   9900 ns/op  400 B/op  10 allocs/op\n" +
				"BenchmarkAnonymousNoUser/baseline-8 1000   1000 ns/op  100 B/op   5 allocs/op\n" +
				"BenchmarkAnonymousNoUser/ginlogin-8 1000   1030 ns/op  100 B/op   6 allocs/op\nPASS\n",
			strict:   true,
			wantCode: 0,
			want: []string{
				"PASS  authenticated request (Authenticated/ginlogin): -1.0% time (target <= +0%), +0 allocs/op (target <= +0)",
				"PASS  request that never asks for the user (AnonymousNoUser/ginlogin): +3.0% time (target <= +3%), +1 allocs/op (target <= +1)",
			},
		},
		{
			name: "one allocation too many",
			input: header +
				"BenchmarkAuthenticated/baseline-8   1000  10000 ns/op  500 B/op  10 allocs/op\n" +
				"BenchmarkAuthenticated/ginlogin-8   1000  10000 ns/op  600 B/op  11 allocs/op\n",
			strict:   true,
			wantCode: 1,
			want: []string{
				"MISS  authenticated request (Authenticated/ginlogin): +0.0% time (target <= +0%), +1 allocs/op (target <= +0)",
				"SKIP  request that never asks for the user: no AnonymousNoUser/ginlogin result with its reference in the input",
			},
		},
		{
			name: "median of an even number of runs, names without a GOMAXPROCS suffix",
			input: "BenchmarkAuthenticated/baseline  1  1000 ns/op  10 B/op  1 allocs/op\n" +
				"BenchmarkAuthenticated/ginlogin  1  1000 ns/op  10 B/op  2 allocs/op\n" +
				"BenchmarkAuthenticated/baseline  1  3000 ns/op  10 B/op  1 allocs/op\n" +
				"BenchmarkAuthenticated/ginlogin  1  5000 ns/op  20 B/op  3 allocs/op\n",
			wantCode: 0,
			want: []string{
				"MISS  authenticated request (Authenticated/ginlogin): +50.0% time (target <= +0%), +1.5 allocs/op (target <= +0)",
			},
		},
		{
			name: "without -benchmem",
			input: "BenchmarkAuthenticated/baseline-2  100  1000 ns/op\n" +
				"BenchmarkAuthenticated/ginlogin-2  100  1010 ns/op\n",
			wantCode: 0,
			want: []string{
				"MISS  authenticated request (Authenticated/ginlogin): +1.0% time (target <= +0%), allocs not measured (run with -benchmem)",
			},
		},
		{
			name: "the example app's ratios",
			input: "BenchmarkAPIMe/baseline-2  100  50000 ns/op  13795 B/op  259 allocs/op\n" +
				"BenchmarkAPIMe/cookie-2    100 100000 ns/op  21977 B/op  391 allocs/op\n" +
				"BenchmarkAPIMe/redis-2     100 137500 ns/op  14610 B/op  250 allocs/op\n" +
				"BenchmarkAPIMe/baseline_redis-2 100 55000 ns/op  15091 B/op  284 allocs/op\n" +
				"BenchmarkAPIMe/baseline_redis-2 100 65000 ns/op  15091 B/op  284 allocs/op\n" +
				"BenchmarkAPIMe/baseline-2  100  70000 ns/op  13795 B/op  259 allocs/op\n" +
				"BenchmarkAPIMe/cookie-2    100 120000 ns/op  21977 B/op  391 allocs/op\n" +
				"BenchmarkAPIMe/redis-2     100 162500 ns/op  14610 B/op  250 allocs/op\n",
			wantCode: 0,
			want: []string{
				"RATIO example app, authenticated GET /api/me (APIMe, median time over baseline): cookie 1.83× (+132 allocs/op), redis 2.50× (-9 allocs/op), baseline_redis 1.00× (+25 allocs/op)",
				"SKIP  authenticated request: no Authenticated/ginlogin result with its reference in the input",
				"MISS  example app, authenticated GET /api/me, cookie sessions (APIMe/cookie): 1.83× the baseline's time (target <= 1.3×)",
				"MISS  example app, authenticated GET /api/me, Redis sessions (APIMe/redis): 2.50× the baseline_redis's time (target <= 1.5×)",
			},
		},
		{
			name: "ratio targets met",
			input: "BenchmarkAPIMe/baseline-2  100  50000 ns/op  13795 B/op  259 allocs/op\n" +
				"BenchmarkAPIMe/cookie-2    100  65000 ns/op  21977 B/op  391 allocs/op\n" +
				"BenchmarkAPIMe/redis-2     100  75200 ns/op  14610 B/op  250 allocs/op\n" +
				"BenchmarkAPIMe/baseline_redis-2 100  50200 ns/op  15091 B/op  284 allocs/op\n" +
				"BenchmarkRememberRestore/stateless-2     100  40000 ns/op\n" +
				"BenchmarkRememberRestore/split_sqlite-2  100  80000 ns/op\n",
			strict:   true,
			wantCode: 0, // -strict fails on a MISS, not on a SKIP
			want: []string{
				"PASS  example app, authenticated GET /api/me, cookie sessions (APIMe/cookie): 1.30× the baseline's time (target <= 1.3×)",
				"PASS  example app, authenticated GET /api/me, Redis sessions (APIMe/redis): 1.50× the baseline_redis's time (target <= 1.5×)",
				"PASS  remember restore, split token on SQLite (RememberRestore/split_sqlite): 2.00× the stateless's time (target <= 2×)",
			},
		},
		{
			name:     "build failure",
			input:    "# github.com/ginlogin/ginlogin/ginlogin\n./x.go:1:1: syntax error\nFAIL\tgithub.com/ginlogin/ginlogin/ginlogin [build failed]\n",
			wantCode: 1,
			want:     []string{"benchratio: no benchmark results in the input"},
		},
		{
			name: "a failing benchmark",
			input: "BenchmarkAuthenticated/baseline-2  100  1000 ns/op  10 B/op  1 allocs/op\n" +
				"--- FAIL: BenchmarkAuthenticated/ginlogin\n    bench_test.go:99: status 500, want 200\nFAIL\n",
			wantCode: 1,
			want:     []string{"benchratio: the benchmark run reported a failure"},
		},
		{
			name:     "empty input",
			input:    "",
			wantCode: 1,
			want:     []string{"benchratio: no benchmark results in the input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			assert.Equal(t, tt.wantCode, run(strings.NewReader(tt.input), &out, tt.strict), out.String())
			assert.True(t, strings.HasPrefix(out.String(), tt.input), "the input is echoed first")
			for _, line := range tt.want {
				assert.Contains(t, out.String(), line+"\n")
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line   string
		ok     bool
		name   string
		sample sample
	}{
		{"BenchmarkAuthenticated/ginlogin-16  \t 2156\t 49670 ns/op\t 13468 B/op\t 238 allocs/op", true,
			"Authenticated/ginlogin", sample{ns: 49670, bytes: 13468, allocs: 238, hasMem: true}},
		{"BenchmarkRememberRestore/split_sqlite  621  193951 ns/op", true,
			"RememberRestore/split_sqlite", sample{ns: 193951}},
		{"BenchmarkX-4  10  12.5 ns/op  3.00 MB/s  0 B/op  0 allocs/op  7.0 rotations/op", true,
			"X", sample{ns: 12.5, hasMem: true}},
		{"BenchmarkAuthenticated/ginlogin-2", false, "", sample{}},
		{"BenchmarkY-2  many  10 ns/op", false, "", sample{}},
		{"goos: linux", false, "", sample{}},
		{"PASS", false, "", sample{}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			name, s, ok := parseLine(tt.line)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.sample, s)
		})
	}
}
