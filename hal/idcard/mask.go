package idcard

import (
	"fmt"
	"log/slog"
	"strings"
)

// MaskedName returns the card's name masked by MaskName. Cards without a
// Chinese name mask the English one.
func (c Card) MaskedName() string {
	n := c.Name
	if n == "" {
		n = c.NameEN
	}
	return MaskName(n)
}

// MaskedNumber returns the card's ID number masked by MaskNumber.
func (c Card) MaskedNumber() string { return MaskNumber(c.Number) }

// MaskName stars all but the first and last characters of a name (张*三,
// 欧**峰); a two-character name keeps only its first (张*), a one-character
// name is fully starred. Masking a masked name changes nothing.
func MaskName(n string) string {
	r := []rune(n)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// MaskNumber stars all but the first and last four characters of an ID
// number (3301**********1234); numbers of eight characters or fewer are fully
// starred. Masking a masked number changes nothing.
func MaskNumber(n string) string {
	r := []rune(n)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// String prints the card's kind and masked name and number, nothing else personal.
func (c Card) String() string {
	return fmt.Sprintf("{%v %s %s photo:%dB}", c.Kind, c.MaskedName(), c.MaskedNumber(), len(c.Photo))
}

// GoString is String in Go syntax, so %#v cannot print personal data either.
func (c Card) GoString() string {
	return fmt.Sprintf("idcard.Card{Kind:%q, Name:%q, Number:%q, Photo:[%d bytes]}", c.Kind, c.MaskedName(), c.MaskedNumber(), len(c.Photo))
}

// Format applies String (GoString for %#v) to every verb, so that no verb (%d, %x, %+v…)
// can reach the unmasked fields.
func (c Card) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// LogValue logs the card masked.
func (c Card) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", c.Kind.String()),
		slog.String("name", c.MaskedName()),
		slog.String("number", c.MaskedNumber()),
	)
}
