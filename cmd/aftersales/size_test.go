package main

import "testing"

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"1GiB": 1 << 30, "1gib": 1 << 30, "500MB": 500e6, "500 MB": 500e6, "10MiB": 10 << 20, "2KB": 2000,
		"3KiB": 3072, "1TiB": 1 << 40, "1048576": 1 << 20, "7B": 7, "0": 0, "off": 0, "OFF": 0,
	}
	for in, want := range good {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1MB", "1.5GB", "GB", "1 GBs", "twelve", "9999999TiB", "1e9"} {
		if n, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, n)
		}
	}
	for _, n := range []int64{0, 1 << 30, 500e6, 1536, 7} {
		v := n
		f := sizeFlag{&v}
		var back int64
		if err := (sizeFlag{&back}).Set(f.String()); err != nil || back != n {
			t.Errorf("%d → %q → %d, %v", n, f.String(), back, err)
		}
	}
}
