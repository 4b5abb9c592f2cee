package money_test

import (
	"math/big"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/aftersales/aftersales/internal/money"
)

func yuans(minor ...int64) []money.Amount {
	out := make([]money.Amount, len(minor))
	for i, m := range minor {
		out[i] = money.Yuan(m)
	}
	return out
}

// Prorate is the largest-remainder method with ties to the earlier part (prorate.go).
func TestProrateGivesLeftoversToTheLargestRemainders(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		weights []int64
		want    []money.Amount
	}{
		{"even split", 900, []int64{1, 1, 1}, yuans(300, 300, 300)},
		{"ties go to the earlier part", 100, []int64{1, 1, 1}, yuans(34, 33, 33)},
		{"two left over", 200, []int64{1, 1, 1}, yuans(67, 67, 66)},
		{"largest remainder wins", 10, []int64{1, 2, 4}, yuans(1, 3, 6)}, // 1.43, 2.86, 5.71
		{"zero weight gets nothing", 100, []int64{0, 3, 0, 1}, yuans(0, 75, 0, 25)},
		{"single weight takes all", 12345, []int64{7}, yuans(12345)},
		{"zero total", 0, []int64{5, 5}, yuans(0, 0)},
		{"negative total mirrors", -100, []int64{1, 1, 1}, yuans(-34, -33, -33)},
		{"one fen over many", 1, []int64{1, 1, 1, 1}, yuans(1, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Prorate(money.Yuan(tt.total), tt.weights)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Prorate(%d, %v) = %v, %v; want %v", tt.total, tt.weights, got, err, tt.want)
			}
		})
	}
}

func TestProrateRefusesBadWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []int64
	}{
		{"no weights", nil},
		{"all zero", []int64{0, 0}},
		{"negative", []int64{3, -1}},
		{"overflow", []int64{1 << 62, 1 << 62}},
	}
	for _, tt := range tests {
		if got, err := money.Prorate(money.Yuan(100), tt.weights); err == nil {
			t.Errorf("%s: Prorate(100, %v) = %v, want an error", tt.name, tt.weights, got)
		}
	}
}

func TestAllocateDiscountSpreadsByListAmount(t *testing.T) {
	tests := []struct {
		name     string
		lists    []int64
		discount int64
		want     []money.Amount
	}{
		{"proportional", []int64{30000, 10000}, 4000, yuans(27000, 9000)},
		{"remainder to the larger remainder", []int64{100, 100, 100}, 100, yuans(66, 67, 67)},
		{"no discount", []int64{1999, 1}, 0, yuans(1999, 1)},
		{"whole order free", []int64{500, 1500}, 2000, yuans(0, 0)},
		{"a free gift line keeps zero", []int64{10000, 0}, 1000, yuans(9000, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := make([]money.Line, len(tt.lists))
			for i, l := range tt.lists {
				lines[i] = money.Line{ListAmount: money.Yuan(l)}
			}
			got, err := money.AllocateDiscount(lines, money.Yuan(tt.discount))
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("AllocateDiscount(%v, %d) = %v, %v; want %v", tt.lists, tt.discount, got, err, tt.want)
			}
		})
	}
}

func TestAllocateDiscountRefuses(t *testing.T) {
	tests := []struct {
		name     string
		lines    []money.Line
		discount money.Amount
	}{
		{"discount above the total", []money.Line{{money.Yuan(100)}}, money.Yuan(101)},
		{"negative line", []money.Line{{money.Yuan(-1)}, {money.Yuan(100)}}, money.Yuan(0)},
		{"mixed line currencies", []money.Line{{money.Yuan(100)}, {money.New(100, "USD")}}, money.Yuan(0)},
		{"discount in another currency", []money.Line{{money.Yuan(100)}}, money.New(10, "USD")},
		{"no lines", nil, money.Yuan(0)},
	}
	for _, tt := range tests {
		if got, err := money.AllocateDiscount(tt.lines, tt.discount); err == nil {
			t.Errorf("%s: AllocateDiscount = %v, want an error", tt.name, got)
		}
	}
}

func TestUnitsRangePricesUnitsOfALine(t *testing.T) {
	tests := []struct {
		paid, qty, from, n, want int64
	}{
		{1000, 3, 0, 1, 333},
		{1000, 3, 1, 1, 333},
		{1000, 3, 2, 1, 334}, // the last unit takes what the floors left
		{1000, 3, 0, 3, 1000},
		{1000, 3, 1, 2, 667},
		{1000, 3, 3, 0, 0},
		{1, 2, 0, 1, 0},
		{1, 2, 1, 1, 1},
		{0, 5, 0, 5, 0},
	}
	for _, tt := range tests {
		got, err := money.UnitsRange(money.Yuan(tt.paid), tt.qty, tt.from, tt.n)
		if err != nil || got != money.Yuan(tt.want) {
			t.Errorf("UnitsRange(%d, %d, %d, %d) = %v, %v; want %d", tt.paid, tt.qty, tt.from, tt.n, got, err, tt.want)
		}
	}
}

func TestUnitsRangeOutOfRange(t *testing.T) {
	for _, c := range [][3]int64{{0, 0, 1}, {3, -1, 1}, {3, 0, -1}, {3, 2, 2}, {3, 4, 0}, {-1, 0, 0}} {
		if got, err := money.UnitsRange(money.Yuan(100), c[0], c[1], c[2]); err == nil {
			t.Errorf("UnitsRange(100, %d, %d, %d) = %v, want an error", c[0], c[1], c[2], got)
		}
	}
}

// exactShare is total × w / sum as a rational.
func exactShare(total, w, sum int64) *big.Rat {
	return new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(total), big.NewInt(w)), big.NewInt(sum))
}

// Realistic ranges: amounts up to ¥10 billion, weights (line amounts) up to ¥10 million.
// Larger values overflow inside Prorate (see the report of issue "Prorate overflow").
var (
	genTotal   = rapid.Int64Range(-1_000_000_000_000, 1_000_000_000_000)
	genWeights = rapid.SliceOfN(rapid.Int64Range(0, 1_000_000_000), 1, 12)
)

func TestPropertyProrateSumsExactlyAndStaysWithinOneFen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := genTotal.Draw(t, "total")
		weights := genWeights.Draw(t, "weights")
		var sum int64
		for _, w := range weights {
			sum += w
		}
		parts, err := money.Prorate(money.Yuan(total), weights)
		if sum == 0 {
			// Nothing can be split over zero weights, except nothing (an all-free order).
			if total != 0 && err == nil {
				t.Fatalf("%d split over zero weights: %v", total, parts)
			}
			if total == 0 && (err != nil || slices.ContainsFunc(parts, func(p money.Amount) bool { return !p.IsZero() })) {
				t.Fatalf("zero over zero weights: %v, %v; want zeros", parts, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		for i, p := range parts {
			got += p.Minor
			if p.Currency != money.CNY {
				t.Fatalf("part %d lost the currency: %v", i, p)
			}
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(p.Minor), exactShare(total, weights[i], sum))
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d is a fen or more from the exact share %s", i, p.Minor, exactShare(total, weights[i], sum).FloatString(3))
			}
			if weights[i] == 0 && p.Minor != 0 {
				t.Fatalf("zero weight %d got %d", i, p.Minor)
			}
		}
		if got != total {
			t.Fatalf("parts sum to %d, want %d", got, total)
		}
	})
}

func TestPropertyAllocateDiscountPaysTheRest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lists := rapid.SliceOfN(rapid.Int64Range(0, 100_000_000), 1, 10).Draw(t, "lists")
		var total int64
		lines := make([]money.Line, len(lists))
		for i, l := range lists {
			lines[i] = money.Line{ListAmount: money.Yuan(l)}
			total += l
		}
		if total == 0 {
			t.Skip("an all-zero order cannot be weighted")
		}
		discount := rapid.Int64Range(0, total).Draw(t, "discount")
		paid, err := money.AllocateDiscount(lines, money.Yuan(discount))
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for i, p := range paid {
			if p.IsNegative() || p.Minor > lists[i] {
				t.Fatalf("line %d: paid %d of list %d", i, p.Minor, lists[i])
			}
			sum += p.Minor
		}
		if sum != total-discount {
			t.Fatalf("paid sums to %d, want %d − %d", sum, total, discount)
		}
	})
}

// Refunding a line in any number of partial quantities returns exactly what was paid
// (prorate.go, UnitsRange).
func TestPropertyPartialRefundsOfALineAddUpToItsPaidAmount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		qty := rapid.Int64Range(1, 100_000).Draw(t, "qty")
		paid := money.Yuan(rapid.Int64Range(0, 10_000_000_000).Draw(t, "paid"))
		var from int64
		var sum money.Amount
		for parts := 0; from < qty; parts++ {
			n := qty - from // at most 20 partial refunds, then the rest
			if parts < 20 {
				n = rapid.Int64Range(1, qty-from).Draw(t, "n")
			}
			part, err := money.UnitsRange(paid, qty, from, n)
			if err != nil {
				t.Fatal(err)
			}
			if part.IsNegative() {
				t.Fatalf("units %d..%d cost %v", from+1, from+n, part)
			}
			sum = sum.MustAdd(part)
			from += n
		}
		if sum != paid {
			t.Fatalf("partial refunds sum to %v, want %v", sum, paid)
		}
	})
}
