package money_test

import (
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/money"
)

// Regression tests of bugs found by the property and fuzz tests, each fixed.

// mulDiv computes lo×w, which overflows int64 once the weights sum past about 3×10⁹ fen:
// an order of two ¥40,000,000 lines with a ¥40,000,000 discount panics with an index out of
// range in AllocateDiscount.
func TestProrateLargeOrdersWithoutOverflow(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Prorate panicked: %v", r)
		}
	}()
	lines := []money.Line{{ListAmount: money.Yuan(4_000_000_000)}, {ListAmount: money.Yuan(4_000_000_000)}}
	paid, err := money.AllocateDiscount(lines, money.Yuan(4_000_000_000))
	if err != nil || !slices.Equal(paid, yuans(2_000_000_000, 2_000_000_000)) {
		t.Errorf("AllocateDiscount = %v, %v; want ¥20,000,000.00 each", paid, err)
	}
}

// A negative discount raises what was paid above the list amounts; AllocateDiscount only
// refuses a discount above the total.
func TestAllocateDiscountRefusesANegativeDiscount(t *testing.T) {
	paid, err := money.AllocateDiscount([]money.Line{{ListAmount: money.Yuan(1000)}}, money.Yuan(-100))
	if err == nil {
		t.Errorf("AllocateDiscount(¥10.00, -¥1.00) = %v, want an error", paid)
	}
}

// An order of free gifts only (every list amount zero) has no weights to spread a zero
// discount over: AllocateDiscount fails instead of returning zeros.
func TestAllocateDiscountOfAFreeOrder(t *testing.T) {
	paid, err := money.AllocateDiscount([]money.Line{{ListAmount: money.Yuan(0)}, {ListAmount: money.Yuan(0)}}, money.Yuan(0))
	if err != nil || !slices.Equal(paid, yuans(0, 0)) {
		t.Errorf("AllocateDiscount(free, 0) = %v, %v; want zeros", paid, err)
	}
}

// Share is exact for any amount and denominator (a 128-bit product).
func TestShareOfLargeAmountsDoesNotOverflow(t *testing.T) {
	a := money.Yuan(1<<40 - 1)
	if got := a.Share(1<<40-1, 1<<40); got.Minor != (1<<40-1)-1 {
		t.Errorf("Share = %v, want %d fen", got, int64(1<<40-1)-1)
	}
	if got := money.Yuan(-7).Share(1, 2); got.Minor != -4 {
		t.Errorf("Share(-7 fen, 1/2) = %v, want the floor, -4 fen", got)
	}
}
