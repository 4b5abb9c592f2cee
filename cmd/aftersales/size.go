package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the units a size flag accepts: KB, MB, GB and TB are powers of 1000, KiB,
// MiB, GiB and TiB of 1024, B or nothing bytes (case-insensitive).
var sizeUnits = []struct {
	name string
	n    int64
}{
	{"tib", 1 << 40}, {"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
	{"tb", 1e12}, {"gb", 1e9}, {"mb", 1e6}, {"kb", 1e3}, {"b", 1},
}

// sizeFlag is a number of bytes on the command line: 1GiB, 500MB, 1048576; 0 or off for
// none (no limit).
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil {
		return ""
	}
	if *f.n == 0 {
		return "off"
	}
	for _, u := range sizeUnits[:4] {
		if *f.n%u.n == 0 {
			return strconv.FormatInt(*f.n/u.n, 10) + map[string]string{"tib": "TiB", "gib": "GiB", "mib": "MiB", "kib": "KiB"}[u.name]
		}
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err == nil {
		*f.n = n
	}
	return err
}

// parseSize reads a size: a whole number and a unit (sizeUnits), or off (0).
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "off" {
		return 0, nil
	}
	unit := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.name) {
			t, unit = strings.TrimSpace(strings.TrimSuffix(t, u.name)), u.n
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/unit {
		return 0, fmt.Errorf("%q is not a size: a whole number of B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (1GiB, 500MB), or off", s)
	}
	return v * unit, nil
}
