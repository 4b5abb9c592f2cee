// Package money is integer arithmetic on amounts of money: an Amount is a count of minor
// units (分 for CNY) with a currency. There is no floating point anywhere in this package;
// proration uses the largest-remainder method so that parts always add up to the whole.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 code such as "CNY".
type Currency string

// CNY is the Chinese yuan (人民币), the default currency.
const CNY Currency = "CNY"

// currencyInfo is what formatting needs to know about a currency.
type currencyInfo struct {
	exponent int    // number of minor-unit digits
	symbol   string // symbol placed before the amount
}

var currencies = map[Currency]currencyInfo{
	"CNY": {2, "¥"},
	"HKD": {2, "HK$"},
	"TWD": {2, "NT$"},
	"USD": {2, "$"},
	"EUR": {2, "€"},
	"GBP": {2, "£"},
	"JPY": {0, "JP¥"},
	"KRW": {0, "₩"},
}

// Valid reports whether the currency is one this package knows how to format.
func (c Currency) Valid() bool {
	_, ok := currencies[c]
	return ok
}

// Exponent is the number of minor-unit digits of the currency (2 for CNY).
func (c Currency) Exponent() int { return currencies[c].exponent }

// ErrCurrencyMismatch is returned when amounts of two currencies are combined.
var ErrCurrencyMismatch = errors.New("amounts have different currencies")

// ErrOverflow is returned when a sum or difference does not fit in 64 bits of minor units.
// Amounts are bounded where they enter (orders, actions), so it means a bound is missing:
// the answer is an error, never a wrapped-around amount.
var ErrOverflow = errors.New("amount out of range")

// Amount is an amount of money in minor units. The zero Amount has no currency and
// acts as zero of any currency in arithmetic.
type Amount struct {
	Minor    int64    `json:"minor"`
	Currency Currency `json:"currency"`
}

// Limit is the largest amount, in minor units, that may enter the system anywhere: a line
// of an order, an order's total, a postage claim, an offer, a price difference
// (¥1,000,000,000.00 in CNY). Inputs within it keep every sum the system makes of them far
// from overflowing.
const Limit int64 = 100_000_000_000

// InRange reports whether |a| ≤ Limit.
func (a Amount) InRange() bool { return a.Minor >= -Limit && a.Minor <= Limit }

// New returns minor units of currency c.
func New(minor int64, c Currency) Amount { return Amount{Minor: minor, Currency: c} }

// Yuan returns an amount of CNY given in fen (分): Yuan(1234) is ¥12.34.
func Yuan(fen int64) Amount { return Amount{Minor: fen, Currency: CNY} }

// IsZero reports whether the amount is zero.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// IsNegative reports whether the amount is below zero.
func (a Amount) IsNegative() bool { return a.Minor < 0 }

func (a Amount) join(b Amount) (Currency, error) {
	switch {
	case a.Currency == b.Currency:
		return a.Currency, nil
	case a.Currency == "" && a.Minor == 0:
		return b.Currency, nil
	case b.Currency == "" && b.Minor == 0:
		return a.Currency, nil
	}
	return "", fmt.Errorf("%w: %s and %s", ErrCurrencyMismatch, a.Currency, b.Currency)
}

// Add returns a+b. It fails when the currencies differ or the sum overflows.
func (a Amount) Add(b Amount) (Amount, error) {
	c, err := a.join(b)
	if err != nil {
		return Amount{}, err
	}
	s := a.Minor + b.Minor
	// Two's complement: the sum overflowed when both operands have the sign the sum lacks.
	if (a.Minor >= 0) == (b.Minor >= 0) && (s >= 0) != (a.Minor >= 0) {
		return Amount{}, fmt.Errorf("%w: %s + %s", ErrOverflow, a, b)
	}
	return Amount{Minor: s, Currency: c}, nil
}

// Sub returns a-b. It fails when the currencies differ or the difference overflows.
func (a Amount) Sub(b Amount) (Amount, error) {
	c, err := a.join(b)
	if err != nil {
		return Amount{}, err
	}
	d := a.Minor - b.Minor
	if (a.Minor >= 0) != (b.Minor >= 0) && (d >= 0) != (a.Minor >= 0) {
		return Amount{}, fmt.Errorf("%w: %s - %s", ErrOverflow, a, b)
	}
	return Amount{Minor: d, Currency: c}, nil
}

// Sum adds amounts of one currency; it fails on a currency mismatch or an overflow, never
// wrapping around.
func Sum(amounts ...Amount) (Amount, error) {
	var s Amount
	for _, x := range amounts {
		var err error
		if s, err = s.Add(x); err != nil {
			return Amount{}, err
		}
	}
	return s, nil
}

// MustAdd is Add for amounts known to share a currency and to be bounded (every amount that
// enters the system is); it panics otherwise.
func (a Amount) MustAdd(b Amount) Amount {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// MustSub is Sub for amounts known to share a currency and to be bounded; it panics
// otherwise.
func (a Amount) MustSub(b Amount) Amount {
	s, err := a.Sub(b)
	if err != nil {
		panic(err)
	}
	return s
}

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b. Amounts of different
// currencies compare by minor units; callers compare like with like.
func (a Amount) Cmp(b Amount) int {
	switch {
	case a.Minor < b.Minor:
		return -1
	case a.Minor > b.Minor:
		return 1
	}
	return 0
}

// Min returns the smaller of a and b.
func Min(a, b Amount) Amount {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b Amount) Amount {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// Neg returns -a. The one amount without a negative, the most negative int64, is never
// produced by bounded inputs; Neg panics on it rather than return it unchanged.
func (a Amount) Neg() Amount {
	if a.Minor == math.MinInt64 {
		panic(fmt.Sprintf("money: -(%s) overflows", a))
	}
	return Amount{Minor: -a.Minor, Currency: a.Currency}
}

// Abs returns |a|.
func (a Amount) Abs() Amount {
	if a.Minor < 0 {
		return a.Neg()
	}
	return a
}

// Share returns floor(a × num / den) for 0 ≤ num ≤ den, den > 0, computed without
// overflow for any amount. Share(a, k, n) - Share(a, k-1, n) are the parts of a split in
// n, and they sum exactly to a: partial refunds of quantities computed this way never
// exceed the whole.
func (a Amount) Share(num, den int64) Amount {
	if den <= 0 || num < 0 || num > den {
		panic(fmt.Sprintf("money: Share(%d, %d) out of range", num, den))
	}
	if a.Minor < 0 {
		// floor of a negative share: -ceil(|a| × num / den)
		q, r := mulDiv(-a.Minor, num, den)
		if r != 0 {
			q++
		}
		return Amount{Minor: -q, Currency: a.Currency}
	}
	q, _ := mulDiv(a.Minor, num, den)
	return Amount{Minor: q, Currency: a.Currency}
}

// Percent returns a × bp / 10000 rounded half away from zero: basis points, so 450 bp
// is 4.5%. It is for deductions such as a platform commission.
func (a Amount) Percent(bp int64) Amount {
	if a.Minor > -1<<40 && a.Minor < 1<<40 && bp > -1<<20 && bp < 1<<20 {
		n := a.Minor * bp
		q, r := n/10000, n%10000
		if r >= 5000 {
			q++
		} else if r <= -5000 {
			q--
		}
		return Amount{Minor: q, Currency: a.Currency}
	}
	n := new(big.Int).Mul(big.NewInt(a.Minor), big.NewInt(bp))
	q, r := new(big.Int).QuoRem(n, big.NewInt(10000), new(big.Int))
	switch {
	case r.Int64() >= 5000:
		q.Add(q, big.NewInt(1))
	case r.Int64() <= -5000:
		q.Sub(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		panic(fmt.Sprintf("money: %s × %d bp overflows", a, bp))
	}
	return Amount{Minor: q.Int64(), Currency: a.Currency}
}

// String formats the amount in the neutral form "12.34 CNY" used in logs and errors; the
// zero Amount, which has no currency, is "0".
func (a Amount) String() string {
	if a.Currency == "" {
		return a.decimal()
	}
	return a.decimal() + " " + string(a.Currency)
}

func (a Amount) decimal() string {
	exp := a.Currency.Exponent()
	neg := a.Minor < 0
	m := a.Minor
	if neg {
		m = -m
	}
	s := strconv.FormatUint(uint64(m), 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format renders the amount for people: "¥12.34", "-¥0.50", with thousands
// separators ("¥1,234.00"). The symbol form is the same in Chinese and English; locale
// is accepted ("zh" or "en") so that callers need not special-case it if that changes.
func (a Amount) Format(locale string) string {
	_ = locale
	info, ok := currencies[a.Currency]
	sym := info.symbol
	if !ok {
		sym = string(a.Currency) + " "
	}
	d := a.decimal()
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimPrefix(d, "-")
	intPart, frac, _ := strings.Cut(d, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(sym)
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Parse reads a decimal amount such as "12.34" or "-0.5" in currency c. It refuses more
// fraction digits than the currency has, exponents, and anything that is not a number.
func Parse(s string, c Currency) (Amount, error) {
	if !c.Valid() {
		return Amount{}, fmt.Errorf("unknown currency %q", c)
	}
	orig := s
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	exp := c.Exponent()
	if intPart == "" || (hasDot && frac == "") || len(frac) > exp || !digits(intPart) || !digits(frac) {
		return Amount{}, fmt.Errorf("%q is not an amount of %s (write it like 12.34)", orig, c)
	}
	frac += strings.Repeat("0", exp-len(frac))
	if intPart = strings.TrimLeft(intPart, "0"); intPart == "" {
		intPart = "0"
	}
	if len(intPart) > 15 {
		return Amount{}, fmt.Errorf("%q is too large", orig)
	}
	m, _ := strconv.ParseInt(intPart+frac, 10, 64)
	if neg {
		m = -m
	}
	return Amount{Minor: m, Currency: c}, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
