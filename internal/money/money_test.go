package money_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/money"
)

func TestAddAndSubKeepTheCurrency(t *testing.T) {
	tests := []struct {
		name     string
		a, b     money.Amount
		sum, dif money.Amount
	}{
		{"same currency", money.Yuan(1234), money.Yuan(66), money.Yuan(1300), money.Yuan(1168)},
		{"negative result", money.Yuan(50), money.Yuan(100), money.Yuan(150), money.Yuan(-50)},
		// The zero Amount has no currency and acts as zero of any currency (money.go, Amount).
		{"zero value on the left", money.Amount{}, money.Yuan(5), money.Yuan(5), money.Yuan(-5)},
		{"zero value on the right", money.New(7, "USD"), money.Amount{}, money.New(7, "USD"), money.New(7, "USD")},
		{"zero of another currency is still a currency", money.Yuan(0), money.Yuan(0), money.Yuan(0), money.Yuan(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := tt.a.Add(tt.b)
			if err != nil || sum != tt.sum {
				t.Errorf("%v.Add(%v) = %v, %v; want %v", tt.a, tt.b, sum, err, tt.sum)
			}
			dif, err := tt.a.Sub(tt.b)
			if err != nil || dif != tt.dif {
				t.Errorf("%v.Sub(%v) = %v, %v; want %v", tt.a, tt.b, dif, err, tt.dif)
			}
		})
	}
}

func TestCombiningCurrenciesFails(t *testing.T) {
	tests := []struct {
		name string
		a, b money.Amount
	}{
		{"CNY and USD", money.Yuan(100), money.New(100, "USD")},
		// A zero amount that names a currency is that currency's zero, not "any" zero.
		{"named zero of another currency", money.New(0, "USD"), money.Yuan(1)},
		{"unnamed non-zero amount", money.Amount{Minor: 3}, money.Yuan(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.a.Add(tt.b); !errors.Is(err, money.ErrCurrencyMismatch) {
				t.Errorf("Add: err = %v, want ErrCurrencyMismatch", err)
			}
			if _, err := tt.a.Sub(tt.b); !errors.Is(err, money.ErrCurrencyMismatch) {
				t.Errorf("Sub: err = %v, want ErrCurrencyMismatch", err)
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("MustAdd(%v, %v) did not panic", tt.a, tt.b)
					}
				}()
				tt.a.MustAdd(tt.b)
			}()
		})
	}
}

func TestCmpMinMaxNegAbs(t *testing.T) {
	a, b := money.Yuan(-3), money.Yuan(2)
	if a.Cmp(b) != -1 || b.Cmp(a) != 1 || a.Cmp(a) != 0 {
		t.Errorf("Cmp is not a total order on %v and %v", a, b)
	}
	if money.Min(a, b) != a || money.Max(a, b) != b {
		t.Errorf("Min/Max(%v, %v) = %v/%v", a, b, money.Min(a, b), money.Max(a, b))
	}
	if a.Neg() != money.Yuan(3) || a.Abs() != money.Yuan(3) || b.Abs() != b {
		t.Errorf("Neg/Abs wrong: %v %v %v", a.Neg(), a.Abs(), b.Abs())
	}
	if !money.Yuan(0).IsZero() || !a.IsNegative() || b.IsNegative() {
		t.Error("IsZero/IsNegative wrong")
	}
}

// Share is floor(a × num / den) (money.go, Share): the differences of consecutive shares are
// the parts of a split in den, which add up exactly.
func TestShareIsTheFloorOfTheExactShare(t *testing.T) {
	tests := []struct {
		minor, num, den, want int64
	}{
		{1000, 1, 3, 333},
		{1000, 2, 3, 666},
		{1000, 3, 3, 1000},
		{1000, 0, 3, 0},
		{-1000, 1, 3, -334}, // floor, not truncation
		{-1000, 2, 3, -667},
		{1, 1, 2, 0},
		{9_000_000_000_000_000_000 / 7, 5, 7, 918_367_346_938_775_510}, // no overflow on a large amount
		{1 << 62, 99_999, 100_000, 4_611_639_901_567_203_630},
	}
	for _, tt := range tests {
		if got := money.Yuan(tt.minor).Share(tt.num, tt.den); got != money.Yuan(tt.want) {
			t.Errorf("Yuan(%d).Share(%d, %d) = %d, want %d", tt.minor, tt.num, tt.den, got.Minor, tt.want)
		}
	}
}

func TestShareOutOfRangePanics(t *testing.T) {
	for _, nd := range [][2]int64{{1, 0}, {-1, 3}, {4, 3}, {0, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Share(%d, %d) did not panic", nd[0], nd[1])
				}
			}()
			money.Yuan(100).Share(nd[0], nd[1])
		}()
	}
}

// Percent rounds half away from zero (money.go, Percent), in basis points.
func TestPercentRoundsHalfAwayFromZero(t *testing.T) {
	tests := []struct {
		minor, bp, want int64
	}{
		{10000, 450, 450}, // 4.5% of ¥100
		{111, 450, 5},     // 4.995 → 5
		{100, 450, 5},     // 4.5 → 5 (half up)
		{-100, 450, -5},   // -4.5 → -5 (half away from zero)
		{99, 450, 4},      // 4.455 → 4
		{-99, 450, -4},    // -4.455 → -4
		{1, 5000, 1},      // 0.5 → 1
		{-1, 5000, -1},    // -0.5 → -1
		{1, 4999, 0},      // 0.4999 → 0
		{-1, 4999, 0},     // -0.4999 → 0
		{12345, 0, 0},     // nothing
		{12345, 10000, 12345},
		{3, -5000, -2}, // negative rate: -1.5 → -2
	}
	for _, tt := range tests {
		if got := money.Yuan(tt.minor).Percent(tt.bp); got != money.Yuan(tt.want) {
			t.Errorf("Yuan(%d).Percent(%d) = %d, want %d", tt.minor, tt.bp, got.Minor, tt.want)
		}
	}
}

func TestFormatForPeople(t *testing.T) {
	tests := []struct {
		a    money.Amount
		want string
	}{
		{money.Yuan(1234), "¥12.34"},
		{money.Yuan(-50), "-¥0.50"},
		{money.Yuan(5), "¥0.05"},
		{money.Yuan(0), "¥0.00"},
		{money.Yuan(100000), "¥1,000.00"},
		{money.Yuan(123456700), "¥1,234,567.00"},
		{money.Yuan(-123456700), "-¥1,234,567.00"},
		{money.Yuan(12345678), "¥123,456.78"},
		{money.New(1234, "USD"), "$12.34"},
		{money.New(99, "EUR"), "€0.99"},
		{money.New(1234567, "HKD"), "HK$12,345.67"},
		{money.New(1234, "JPY"), "JP¥1,234"}, // no minor units
		{money.New(-5, "JPY"), "-JP¥5"},
		{money.New(1000000, "KRW"), "₩1,000,000"},
		// An unknown currency has no symbol and no known exponent: the code and whole units.
		{money.New(1234, "XYZ"), "XYZ 1,234"},
		{money.New(-9223372036854775808, "CNY"), "-¥92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		for _, locale := range []string{"zh", "en"} {
			if got := tt.a.Format(locale); got != tt.want {
				t.Errorf("%#v.Format(%q) = %q, want %q", tt.a, locale, got, tt.want)
			}
		}
	}
}

func TestStringIsNeutral(t *testing.T) {
	tests := []struct {
		a    money.Amount
		want string
	}{
		{money.Yuan(1234), "12.34 CNY"},
		{money.Yuan(-5), "-0.05 CNY"},
		{money.New(7, "JPY"), "7 JPY"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseReadsDecimalAmounts(t *testing.T) {
	tests := []struct {
		s    string
		c    money.Currency
		want int64
	}{
		{"12.34", money.CNY, 1234},
		{"12.3", money.CNY, 1230},
		{"12", money.CNY, 1200},
		{"0.05", money.CNY, 5},
		{"-0.5", money.CNY, -50},
		{"-0", money.CNY, 0},
		{"  7.00\t", money.CNY, 700},
		{"007", money.CNY, 700},
		{"999999999999999.99", money.CNY, 99999999999999999},
		{"1234", "JPY", 1234},
		{"-3", "KRW", -3},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.s, tt.c)
		if err != nil || got != money.New(tt.want, tt.c) {
			t.Errorf("Parse(%q, %s) = %v, %v; want %d", tt.s, tt.c, got, err, tt.want)
		}
	}
}

func TestParseRefusesWhatIsNotAnAmount(t *testing.T) {
	tests := []struct {
		name string
		s    string
		c    money.Currency
	}{
		{"empty", "", money.CNY},
		{"only a sign", "-", money.CNY},
		{"plus sign", "+1", money.CNY},
		{"double minus", "--1", money.CNY},
		{"trailing dot", "1.", money.CNY},
		{"leading dot", ".5", money.CNY},
		{"too many decimals", "1.234", money.CNY},
		{"decimals in JPY", "1.5", "JPY"},
		{"exponent", "1e3", money.CNY},
		{"exponent with dot", "1.0e2", money.CNY},
		{"thousands separator", "1,234.00", money.CNY},
		{"symbol", "¥12.34", money.CNY},
		{"letters", "abc", money.CNY},
		{"two dots", "1.2.3", money.CNY},
		{"inner space", "1 000", money.CNY},
		{"space after sign", "- 1", money.CNY},
		{"hex", "0x10", money.CNY},
		{"NaN", "NaN", money.CNY},
		{"fullwidth digits", "\uff11\uff12", money.CNY},
		{"too large", "1000000000000000", money.CNY},
		{"far too large", "99999999999999999999999", money.CNY},
		{"unknown currency", "12.34", "XYZ"},
		{"empty currency", "12.34", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Parse(tt.s, tt.c)
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %v, want an error", tt.s, tt.c, got)
			}
			if msg := err.Error(); msg == "" || strings.Contains(msg, "strconv") {
				t.Errorf("error %q is not a message for people", msg)
			}
		})
	}
}

// FuzzParse: Parse never panics, its errors say something, and what it accepts prints back
// (in the neutral String form and in Format without its symbol and separators) to a string
// that parses to the same amount.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.34", "-0.5", "0", "1e3", "999999999999999.99", "1,000", " 7 ", "-", ".", "0.001", "١٢"} {
		f.Add(s, "CNY")
	}
	f.Add("1234", "JPY")
	f.Add("1.5", "JPY")
	f.Add("12", "XYZ")
	f.Fuzz(func(t *testing.T, s, cur string) {
		c := money.Currency(cur)
		a, err := money.Parse(s, c)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("Parse(%q, %q): empty error", s, cur)
			}
			return
		}
		if a.Currency != c {
			t.Fatalf("Parse(%q, %q) = %v: wrong currency", s, cur, a)
		}
		neutral := strings.TrimSuffix(a.String(), " "+cur)
		if b, err := money.Parse(neutral, c); err != nil || b != a {
			t.Fatalf("Parse(%q) = %v; String %q parses to %v, %v", s, a, neutral, b, err)
		}
		human := a.Format("zh")
		human = strings.ReplaceAll(human, ",", "")
		human = strings.Replace(human, symbol(c), "", 1)
		if b, err := money.Parse(human, c); err != nil || b != a {
			t.Fatalf("Parse(%q) = %v; Format %q parses to %v, %v", s, a, a.Format("zh"), b, err)
		}
	})
}

// symbol is what Format writes before the digits of an amount of c.
func symbol(c money.Currency) string {
	return strings.TrimRight(money.New(0, c).Format("en"), "0.")
}
