package money_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/aftersales/aftersales/internal/money"
)

// exactPercent is minor × bp / 10000 rounded half away from zero, in big integers; ok is
// false when the result does not fit an int64.
func exactPercent(minor, bp int64) (int64, bool) {
	n := new(big.Int).Mul(big.NewInt(minor), big.NewInt(bp))
	q, r := new(big.Int).QuoRem(n, big.NewInt(10000), new(big.Int)) // truncated toward zero
	if new(big.Int).Abs(r).Cmp(big.NewInt(5000)) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign())))
	}
	return q.Int64(), q.IsInt64()
}

// Amounts from 2^40 minor units and rates from 2^20 bp take Percent's big-number path
// (money.go, Percent); it rounds the same way as the fast path: half away from zero.
func TestPercentOfLargeAmountsAndRates(t *testing.T) {
	tests := []struct {
		name            string
		minor, bp, want int64
	}{
		{"2^40 at 4.5%", 1 << 40, 450, 49_478_023_250},    // 49478023249.92 → …250
		{"-2^40 at 4.5%", -1 << 40, 450, -49_478_023_250}, // half away from zero, negative
		{"odd half of 2^40+1", 1<<40 + 1, 5000, 549_755_813_889},
		{"odd half of -(2^40+1)", -(1<<40 + 1), 5000, -549_755_813_889},
		{"just under a half", 1_099_511_634_999, 1, 109_951_163}, // 2^40 + 7223: …163.4999
		{"just under a half, negative", -1_099_511_634_999, 1, -109_951_163},
		{"exactly a half", 1_099_511_635_000, 1, 109_951_164}, // …163.5
		{"the largest amount in full", math.MaxInt64, 10000, math.MaxInt64},
		{"half the largest amount", math.MaxInt64, 5000, 4_611_686_018_427_387_904}, // …903.5 → …904
		{"half the smallest amount", math.MinInt64, 5000, -4_611_686_018_427_387_904},
		{"the smallest amount in full", math.MinInt64, 10000, math.MinInt64},
		{"nothing of the largest amount", math.MaxInt64, 0, 0},
		{"a rate of 2^20 bp", 1, 1 << 20, 105},                         // 104.8576
		{"a rate of -2^20 bp", 3, -1 << 20, -315},                      // -314.5728
		{"a huge rate of a small amount", 7, math.MaxInt32, 1_503_239}, // 1503238.5529
	}
	for _, tt := range tests {
		a := money.New(tt.minor, "USD")
		if got := a.Percent(tt.bp); got != money.New(tt.want, "USD") {
			t.Errorf("%s: New(%d).Percent(%d) = %v, want %d USD", tt.name, tt.minor, tt.bp, got, tt.want)
		}
	}
}

// Both paths of Percent agree with the exact product rounded half away from zero, on every
// amount and rate whose result fits.
func TestPropertyPercentIsTheExactProductRounded(t *testing.T) {
	minors := rapid.OneOf(
		rapid.Int64(),
		rapid.Int64Range(-1<<41, 1<<41), // around the 2^40 boundary of the fast path
		rapid.Int64Range(-1_000_000, 1_000_000),
	)
	bps := rapid.OneOf(rapid.Int64Range(-20000, 20000), rapid.Int64Range(-1<<22, 1<<22))
	rapid.Check(t, func(t *rapid.T) {
		minor, bp := minors.Draw(t, "minor"), bps.Draw(t, "bp")
		want, fits := exactPercent(minor, bp)
		var got money.Amount
		panicked := func() (p any) {
			defer func() { p = recover() }()
			got = money.Yuan(minor).Percent(bp)
			return nil
		}()
		switch {
		case !fits && panicked == nil:
			t.Fatalf("Yuan(%d).Percent(%d) = %v, but the result does not fit in an int64", minor, bp, got)
		case fits && panicked != nil:
			t.Fatalf("Yuan(%d).Percent(%d) panicked: %v", minor, bp, panicked)
		case fits && got != money.Yuan(want):
			t.Fatalf("Yuan(%d).Percent(%d) = %d, want %d", minor, bp, got.Minor, want)
		}
	})
}

// A result that does not fit in an int64 is a programming error, not a wrapped amount.
func TestPercentOverflowPanics(t *testing.T) {
	tests := []struct{ minor, bp int64 }{
		{math.MaxInt64, 10001},
		{math.MaxInt64, -10001},
		{math.MinInt64, -10000}, // -(-2^63) is 2^63
		{1 << 62, 20000},
		{1 << 40, math.MaxInt64},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("Yuan(%d).Percent(%d) did not panic", tt.minor, tt.bp)
					return
				}
				if msg, _ := r.(string); !strings.Contains(msg, "overflows") {
					t.Errorf("Yuan(%d).Percent(%d) panicked with %v, want a message saying it overflows", tt.minor, tt.bp, r)
				}
			}()
			money.Yuan(tt.minor).Percent(tt.bp)
		}()
	}
}

// The zero Amount has no currency (money.go, String): it prints as a bare "0", not as "0 ".
func TestStringOfTheZeroAmount(t *testing.T) {
	if got := (money.Amount{}).String(); got != "0" {
		t.Errorf("Amount{}.String() = %q, want %q", got, "0")
	}
	if got := money.Yuan(0).String(); got != "0.00 CNY" {
		t.Errorf("Yuan(0).String() = %q, want %q", got, "0.00 CNY")
	}
}

func TestMustSubSubtractsOrPanics(t *testing.T) {
	if got := money.Yuan(500).MustSub(money.Yuan(120)); got != money.Yuan(380) {
		t.Errorf("MustSub = %v, want 3.80 CNY", got)
	}
	if got := money.Yuan(500).MustSub(money.Amount{}); got != money.Yuan(500) {
		t.Errorf("MustSub of the zero Amount = %v, want 5.00 CNY", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustSub of USD from CNY did not panic")
		}
	}()
	money.Yuan(500).MustSub(money.New(1, "USD"))
}

// Min and Max return one of their arguments whatever the order, and the first on a tie.
func TestMinMaxInEitherOrder(t *testing.T) {
	lo, hi := money.Yuan(-3), money.Yuan(2)
	if money.Min(hi, lo) != lo || money.Max(lo, hi) != hi || money.Max(hi, lo) != hi || money.Min(lo, hi) != lo {
		t.Errorf("Min/Max of %v and %v depend on the order", lo, hi)
	}
	// Equal amounts of different currencies compare equal (money.go, Cmp): the first wins.
	a, b := money.Yuan(5), money.New(5, "USD")
	if money.Min(a, b) != a || money.Max(a, b) != a {
		t.Errorf("Min/Max(%v, %v) = %v/%v, want the first on a tie", a, b, money.Min(a, b), money.Max(a, b))
	}
}
