package money

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// Prorate splits total over weights with the largest-remainder method: each part is
// floor(total × w / Σw), and the minor units left over go one each to the parts with the
// largest remainders (ties to the earlier part). The parts always sum exactly to total.
// A total that is negative is split as -Prorate(-total). All weights must be ≥ 0 and at
// least one > 0.
//
// It is how an order-level discount is spread over its lines (weights = line prices), and
// how a line's paid amount is spread over its units.
func Prorate(total Amount, weights []int64) ([]Amount, error) {
	if len(weights) == 0 {
		return nil, fmt.Errorf("nothing to split %s over", total)
	}
	var sum int64
	for i, w := range weights {
		if w < 0 {
			return nil, fmt.Errorf("weight %d is negative (%d)", i, w)
		}
		sum += w
		if sum < 0 {
			return nil, fmt.Errorf("weights overflow")
		}
	}
	if sum == 0 {
		if total.Minor == 0 {
			parts := make([]Amount, len(weights))
			for i := range parts {
				parts[i] = Amount{Currency: total.Currency}
			}
			return parts, nil
		}
		return nil, fmt.Errorf("cannot split %s over weights that sum to zero", total)
	}
	if total.Minor == math.MinInt64 {
		return nil, fmt.Errorf("amount out of range")
	}
	if total.Minor < 0 {
		parts, err := Prorate(total.Neg(), weights)
		for i := range parts {
			parts[i] = parts[i].Neg()
		}
		return parts, err
	}
	type rem struct {
		i int
		r int64 // remainder numerator over sum
	}
	parts := make([]Amount, len(weights))
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		q, r := mulDiv(total.Minor, w, sum)
		parts[i] = Amount{Minor: q, Currency: total.Currency}
		given += q
		rems[i] = rem{i, r}
	}
	left := total.Minor - given // < len(weights)
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := int64(0); k < left; k++ {
		parts[rems[k].i].Minor++
	}
	return parts, nil
}

// mulDiv returns floor(x*w/sum) and (x*w) mod sum for 0 ≤ x, 0 ≤ w ≤ sum, exactly, with a
// 128-bit product.
func mulDiv(x, w, sum int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(x), uint64(w))
	uq, ur := bits.Div64(hi, lo, uint64(sum)) // hi < sum because w ≤ sum and x < 2^63
	return int64(uq), int64(ur)
}

// Line is one order line for discount proration: its list amount (unit price ×
// quantity) before order-level discounts.
type Line struct {
	ListAmount Amount
}

// AllocateDiscount spreads an order-level discount over lines in proportion to their list
// amounts and returns what was actually paid for each line (list − its share of the
// discount). The paid amounts sum exactly to Σlist − discount.
func AllocateDiscount(lines []Line, discount Amount) ([]Amount, error) {
	weights := make([]int64, len(lines))
	var total Amount
	for i, l := range lines {
		if l.ListAmount.IsNegative() {
			return nil, fmt.Errorf("line %d has a negative amount", i)
		}
		weights[i] = l.ListAmount.Minor
		var err error
		if total, err = total.Add(l.ListAmount); err != nil {
			return nil, err
		}
	}
	if discount.IsNegative() {
		return nil, fmt.Errorf("the discount %s is negative", discount)
	}
	if discount.Cmp(total) > 0 {
		return nil, fmt.Errorf("discount %s exceeds the order total %s", discount, total)
	}
	shares, err := Prorate(discount, weights)
	if err != nil {
		return nil, err
	}
	paid := make([]Amount, len(lines))
	for i, l := range lines {
		if paid[i], err = l.ListAmount.Sub(shares[i]); err != nil {
			return nil, err
		}
	}
	return paid, nil
}

// UnitsRange returns what units from+1 … from+n of a line of quantity units cost, when
// the line's paid amount is spread over its units: Share(paid, from+n, qty) − Share(paid,
// from, qty). Refunding a line in any number of partial quantities this way returns
// exactly the paid amount in total, never a fen more.
func UnitsRange(paid Amount, qty, from, n int64) (Amount, error) {
	if qty <= 0 || from < 0 || n < 0 || from+n > qty {
		return Amount{}, fmt.Errorf("units %d..%d of %d are out of range", from+1, from+n, qty)
	}
	return paid.Share(from+n, qty).Sub(paid.Share(from, qty))
}
