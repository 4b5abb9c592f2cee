package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// seed --cases N chooses the orders for about N cases, and --workers plays them out on
// several connections of the store: a SQLite store takes them too (one writer at a time).
func TestSeedCasesWithWorkers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, nil, "seed", "--demo", "--cases", "80", "--workers", "2", "--progress", "never", "--data", dir)
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, stdout)
	}
	m := regexp.MustCompile(`(\d+) orders, (\d+) cases`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("seed printed no summary: %q", stdout)
	}
	orders, _ := strconv.Atoi(m[1])
	cases, _ := strconv.Atoi(m[2])
	if orders != ordersForCases(80) || cases < 60 || cases > 120 {
		t.Errorf("--cases 80: %d orders, %d cases; want %d orders and about 80 cases", orders, cases, ordersForCases(80))
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--orders", "500", "--cases", "80"}, "not both"},
		{[]string{"--cases", "-1"}, "must not be negative"},
		{[]string{"--workers", "0"}, "between 1 and 64"},
		{[]string{"--progress", "sometimes"}, "auto, always or never"},
	} {
		_, _, err := run(t, nil, append([]string{"seed", "--demo", "--data", t.TempDir()}, tt.args...)...)
		if ExitCode(err) != exitUsage || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("seed %q: exit %d %v; want a usage error with %q", tt.args, ExitCode(err), err, tt.want)
		}
	}
}
