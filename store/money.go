package store

import (
	"fmt"
	"math"
	"regexp"
)

// Money is an amount in the currency's minor unit (paise, cents) with its
// ISO 4217 code. Money is never a float: sums and products are exact.
type Money struct {
	// Amount in minor units, e.g. 24900 for ₹249.00.
	Amount int64 `json:"amount" example:"24900"`
	// Currency is the ISO 4217 code, e.g. "INR".
	Currency string `json:"currency" example:"INR"`
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether code looks like an ISO 4217 currency code.
func ValidCurrency(code string) bool { return currencyPattern.MatchString(code) }

// String formats m as "249.00 INR", assuming two minor digits.
func (m Money) String() string {
	sign := ""
	a := m.Amount
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, a/100, a%100, m.Currency)
}

// Add returns m+o. It fails on a currency mismatch or an overflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, Errorf(EUNPROCESSABLE, "currency_mismatch", "cannot add %s to %s", o.Currency, m.Currency)
	}
	if (o.Amount > 0 && m.Amount > math.MaxInt64-o.Amount) || (o.Amount < 0 && m.Amount < math.MinInt64-o.Amount) {
		return Money{}, Errorf(EUNPROCESSABLE, "amount_overflow", "amount overflows")
	}
	return Money{Amount: m.Amount + o.Amount, Currency: m.Currency}, nil
}

// Times returns m multiplied by n. It fails on an overflow.
func (m Money) Times(n int64) (Money, error) {
	if n != 0 && (m.Amount > math.MaxInt64/abs(n) || m.Amount < math.MinInt64/abs(n)) {
		return Money{}, Errorf(EUNPROCESSABLE, "amount_overflow", "amount overflows")
	}
	return Money{Amount: m.Amount * n, Currency: m.Currency}, nil
}

// Scale returns m multiplied by basisPoints/10000, rounded half away from
// zero: 12345 at 15000 basis points (×1.5) is 18518. Surge multipliers and
// percentages are basis points so that no float touches money.
func (m Money) Scale(basisPoints int64) Money {
	p := m.Amount * basisPoints
	q, r := p/10000, p%10000
	if r >= 5000 {
		q++
	} else if r <= -5000 {
		q--
	}
	return Money{Amount: q, Currency: m.Currency}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
