package idcard

import (
	"errors"
	"time"
)

// Errors from Card.Check. They carry no personal data.
var (
	ErrExpired     = errors.New("idcard: card has expired")
	ErrNotYetValid = errors.New("idcard: card is not yet valid")
	ErrBadNumber   = errors.New("idcard: ID number fails its GB 11643 check digit")
)

// Check reports whether the card is valid on now's calendar date (in now's location)
// and, for resident cards and residence permits, whether its number is well formed.
// All failures are joined; test them with errors.Is.
func (c *Card) Check(now time.Time) error {
	var errs []error
	if (c.Kind == Resident || c.Kind == Permit) && !ValidNumber(c.Number) {
		errs = append(errs, ErrBadNumber)
	}
	today := now.Format("20060102") // YYYYMMDD strings order like the dates they name
	if c.ValidFrom > today {
		errs = append(errs, ErrNotYetValid)
	}
	if c.ValidTo != LongTerm && c.ValidTo < today {
		errs = append(errs, ErrExpired)
	}
	return errors.Join(errs...)
}

// weights are the GB 11643 weights of the first 17 characters.
var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum mod 11 to the check character (ISO 7064 MOD 11-2).
const checkChars = "10X98765432"

// ValidNumber reports whether n is an 18-character citizen ID number whose last
// character is its GB 11643 check character. A lowercase x is accepted.
func ValidNumber(n string) bool {
	if len(n) != 18 {
		return false
	}
	sum := 0
	for i, w := range weights {
		d := n[i]
		if d < '0' || d > '9' {
			return false
		}
		sum += int(d-'0') * w
	}
	last := n[17]
	if last == 'x' {
		last = 'X'
	}
	return checkChars[sum%11] == last
}
