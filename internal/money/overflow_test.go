package money_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/aftersales/aftersales/internal/money"
)

// A sum of money is exact or an error, never a wrapped-around amount: lines of 2^63−1,
// 2^63−1 and 500 fen once added up to 498 (issue 17).
func TestAddAndSubAreExactOrFail(t *testing.T) {
	near := rapid.OneOf(
		rapid.Int64(),
		rapid.Int64Range(math.MaxInt64-1000, math.MaxInt64),
		rapid.Int64Range(math.MinInt64, math.MinInt64+1000),
		rapid.Int64Range(-1000, 1000),
	)
	rapid.Check(t, func(t *rapid.T) {
		a, b := money.Yuan(near.Draw(t, "a")), money.Yuan(near.Draw(t, "b"))
		check := func(op string, got money.Amount, err error, want *big.Int) {
			if want.IsInt64() {
				if err != nil || got.Minor != want.Int64() {
					t.Fatalf("%v %s %v = %v, %v; want %v", a, op, b, got, err, want)
				}
				return
			}
			if !errors.Is(err, money.ErrOverflow) {
				t.Fatalf("%v %s %v = %v, %v; want ErrOverflow (exact %v)", a, op, b, got, err, want)
			}
		}
		sum, err := a.Add(b)
		check("+", sum, err, new(big.Int).Add(big.NewInt(a.Minor), big.NewInt(b.Minor)))
		dif, err := a.Sub(b)
		check("-", dif, err, new(big.Int).Sub(big.NewInt(a.Minor), big.NewInt(b.Minor)))
	})
}

func TestSumOfTheAttackLinesOverflows(t *testing.T) {
	if s, err := money.Sum(money.Yuan(math.MaxInt64), money.Yuan(math.MaxInt64), money.Yuan(500)); !errors.Is(err, money.ErrOverflow) {
		t.Fatalf("Sum = %v, %v; want ErrOverflow", s, err)
	}
	if s, err := money.Sum(money.Yuan(100), money.Yuan(250)); err != nil || s != money.Yuan(350) {
		t.Fatalf("Sum = %v, %v; want 3.50 CNY", s, err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MustAdd past the int64 range did not panic")
			}
		}()
		money.Yuan(math.MaxInt64).MustAdd(money.Yuan(1))
	}()
}

// Within the limit, no sum of 500 lines can overflow: the bound leaves room for every
// total the system makes of bounded inputs.
func TestLimitLeavesRoomForEveryTotal(t *testing.T) {
	if !money.Yuan(money.Limit).InRange() || money.Yuan(money.Limit+1).InRange() || money.Yuan(-money.Limit-1).InRange() {
		t.Fatal("InRange does not follow Limit")
	}
	if money.Limit > math.MaxInt64/100_000 {
		t.Fatalf("Limit %d leaves no room for sums of many bounded amounts", money.Limit)
	}
}
