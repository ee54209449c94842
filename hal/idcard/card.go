package idcard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// TextSize is the size of the text block a SAM returns for every card kind.
const TextSize = 256

// Kind is the card type, taken from the flag character at text offset 248.
type Kind byte

// Card kinds, by the flag character the card carries.
const (
	Resident     Kind = ' ' // 居民身份证 (no flag)
	ForeignerOld Kind = 'I' // 外国人永久居留身份证, pre-2023 chip format
	ForeignerNew Kind = 'Y' // 外国人永久居留身份证, 2023 format
	Permit       Kind = 'J' // 港澳台居民居住证
)

var kindNames = map[Kind]string{
	Resident:     "resident",
	ForeignerOld: "foreigner-old",
	ForeignerNew: "foreigner-new",
	Permit:       "permit",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%#02x)", byte(k))
}

// Card is what one read of an ID card yields. It holds personal data: keep it for one
// session only, show it through the Masked methods and Wipe it when the session ends.
type Card struct {
	Kind        Kind
	Name        string // Chinese name; may be empty on foreigner cards
	NameEN      string // English name (foreigner cards)
	Sex         string // "男", "女", "未知的性别" or "未说明的性别"
	Nation      string // "汉" etc. on resident cards; the raw 2-digit code if not in GB 3304
	Birth       string // YYYYMMDD
	Address     string
	Number      string // ID number (permanent-residence number on foreigner cards)
	Authority   string // issuing authority; a 4-character office code on 'I' cards
	ValidFrom   string // YYYYMMDD
	ValidTo     string // YYYYMMDD or "长期"
	Nationality string // foreigners' 3-letter nationality code
	CardVersion string // 'I' cards: card version
	PermitNo    string // 'J' cards: Hong Kong/Macau/Taiwan travel-permit number
	IssueCount  string // 'J' cards: 签发次数; 'Y' cards: 换证次数
	Photo       []byte // opaque wlt bytes
}

// LongTerm is the ValidTo of a card that never expires.
const LongTerm = "长期"

// Value formats of a text-block field.
type format int

const (
	free       format = iota // printable text
	sexCode                  // one digit, decoded through sexes
	nationCode               // two digits, decoded through nations
	date                     // YYYYMMDD
	dateOrLong               // YYYYMMDD or 长期
	idNumber                 // 17 digits and a digit or X
	alnum                    // ASCII letters and digits
)

// field is one slot of a text-block layout.
type field struct {
	name     string
	off      int  // byte offset in the text block
	chars    int  // UTF-16 code units
	more     bool // continues an earlier field with the same target (the 'Y' English name)
	format   format
	required bool
	at       func(*Card) *string
}

func name(c *Card) *string        { return &c.Name }
func nameEN(c *Card) *string      { return &c.NameEN }
func sex(c *Card) *string         { return &c.Sex }
func nation(c *Card) *string      { return &c.Nation }
func birth(c *Card) *string       { return &c.Birth }
func address(c *Card) *string     { return &c.Address }
func number(c *Card) *string      { return &c.Number }
func authority(c *Card) *string   { return &c.Authority }
func validFrom(c *Card) *string   { return &c.ValidFrom }
func validTo(c *Card) *string     { return &c.ValidTo }
func nationality(c *Card) *string { return &c.Nationality }
func cardVersion(c *Card) *string { return &c.CardVersion }
func permitNo(c *Card) *string    { return &c.PermitNo }
func issueCount(c *Card) *string  { return &c.IssueCount }

// layouts are the text-block layouts of GA 467 and its foreigner/permit variants.
var layouts = map[Kind][]field{
	Resident: {
		{"name", 0, 15, false, free, true, name},
		{"sex", 30, 1, false, sexCode, true, sex},
		{"nation", 32, 2, false, nationCode, true, nation},
		{"birth date", 36, 8, false, date, true, birth},
		{"address", 52, 35, false, free, false, address},
		{"ID number", 122, 18, false, idNumber, true, number},
		{"issuing authority", 158, 15, false, free, false, authority},
		{"valid-from date", 188, 8, false, date, true, validFrom},
		{"valid-to date", 204, 8, false, dateOrLong, true, validTo},
	},
	Permit: {
		{"name", 0, 15, false, free, true, name},
		{"sex", 30, 1, false, sexCode, true, sex},
		{"birth date", 36, 8, false, date, true, birth},
		{"address", 52, 35, false, free, false, address},
		{"ID number", 122, 18, false, idNumber, true, number},
		{"issuing authority", 158, 15, false, free, false, authority},
		{"valid-from date", 188, 8, false, date, true, validFrom},
		{"valid-to date", 204, 8, false, dateOrLong, true, validTo},
		{"travel-permit number", 220, 9, false, alnum, false, permitNo},
		{"issue count", 238, 2, false, alnum, false, issueCount},
	},
	ForeignerOld: {
		{"English name", 0, 60, false, free, true, nameEN},
		{"sex", 120, 1, false, sexCode, true, sex},
		{"residence number", 122, 15, false, alnum, true, number},
		{"nationality", 152, 3, false, alnum, true, nationality},
		{"Chinese name", 158, 15, false, free, false, name},
		{"valid-from date", 188, 8, false, date, true, validFrom},
		{"valid-to date", 204, 8, false, dateOrLong, true, validTo},
		{"birth date", 220, 8, false, date, true, birth},
		{"card version", 236, 2, false, alnum, false, cardVersion},
		{"authority code", 240, 4, false, alnum, false, authority},
	},
	ForeignerNew: {
		{"Chinese name", 0, 15, false, free, false, name},
		{"sex", 30, 1, false, sexCode, true, sex},
		{"renewal count", 32, 2, false, alnum, false, issueCount},
		{"birth date", 36, 8, false, date, true, birth},
		{"English name", 52, 35, false, free, true, nameEN},
		{"residence number", 122, 18, false, idNumber, true, number},
		{"valid-from date", 188, 8, false, date, true, validFrom},
		{"valid-to date", 204, 8, false, dateOrLong, true, validTo},
		{"English name", 220, 11, true, free, true, nameEN},
		{"nationality", 242, 3, false, alnum, true, nationality},
	},
}

// kindOffset is where the card-type flag sits in the text block.
const kindOffset = 248

// ErrMalformed is wrapped by every error Parse returns.
var ErrMalformed = errors.New("idcard: malformed card text")

// FieldError says which field of the text block is wrong and why. It never holds the
// field's content.
type FieldError struct {
	Field   string
	Offset  int // byte offset in the text block
	Problem string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("idcard: text offset %d (%s): %s", e.Offset, e.Field, e.Problem)
}

func (e *FieldError) Unwrap() error { return ErrMalformed }

// Parse decodes the 256-byte UTF-16LE text block of any card kind. photo is copied into
// the card as opaque wlt bytes.
func Parse(text, photo []byte) (*Card, error) {
	if len(text) != TextSize {
		return nil, &FieldError{"text block", 0, fmt.Sprintf("%d bytes, want %d", len(text), TextSize)}
	}
	c := &Card{Kind: kindOf(text)}
	raw := make(map[*string]string)
	fields := layouts[c.Kind]
	for _, f := range fields {
		raw[f.at(c)] += decodeField(text, f)
	}
	for i, f := range fields {
		if continued(c, fields, i) {
			continue // checked with its continuation
		}
		v := strings.TrimRight(raw[f.at(c)], " \x00")
		v, err := check(f, v)
		if err != nil {
			c.Wipe()
			return nil, err
		}
		*f.at(c) = v
	}
	c.Photo = append([]byte(nil), photo...)
	return c, nil
}

// continued reports whether a later field continues fields[i].
func continued(c *Card, fields []field, i int) bool {
	for _, f := range fields[i+1:] {
		if f.more && f.at(c) == fields[i].at(c) {
			return true
		}
	}
	return false
}

// kindOf reads the card-type flag; anything but I, Y or J is a resident card.
func kindOf(text []byte) Kind {
	if text[kindOffset+1] == 0 {
		switch k := Kind(text[kindOffset]); k {
		case ForeignerOld, ForeignerNew, Permit:
			return k
		}
	}
	return Resident
}

// decodeField returns the field's text, untrimmed.
func decodeField(text []byte, f field) string {
	units := make([]uint16, f.chars)
	for i := range units {
		units[i] = uint16(text[f.off+2*i]) | uint16(text[f.off+2*i+1])<<8
	}
	return string(utf16.Decode(units))
}

// check validates a trimmed field value against its format and decodes codes.
func check(f field, v string) (string, error) {
	bad := func(problem string) error { return &FieldError{f.name, f.off, problem} }
	for _, r := range v {
		if r == unicode.ReplacementChar || unicode.IsControl(r) {
			return "", bad("not printable UTF-16LE text")
		}
	}
	if v == "" {
		if f.required {
			return "", bad("empty")
		}
		return "", nil
	}
	switch f.format {
	case sexCode:
		if s, ok := lookup(sexes, v); ok {
			return s, nil
		}
		return "", bad("not a GB/T 2261.1 sex code")
	case nationCode:
		if !digits(v, 2) {
			return "", bad("not a 2-digit nation code")
		}
		if s, ok := lookup(nations, v); ok {
			return s, nil
		}
		return v, nil
	case dateOrLong:
		if v == LongTerm {
			return v, nil
		}
		fallthrough
	case date:
		if _, err := time.Parse("20060102", v); err != nil || !digits(v, 8) {
			return "", bad("not a YYYYMMDD date")
		}
	case idNumber:
		if len(v) != 18 || !digits(v[:17], 17) || !strings.ContainsAny(v[17:], "0123456789X") {
			return "", bad("not 17 digits and a check character")
		}
	case alnum:
		for _, r := range v {
			if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return "", bad("not ASCII letters and digits")
			}
		}
	}
	return v, nil
}

// digits reports whether s is exactly n ASCII digits.
func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil && !strings.ContainsAny(s, "+-")
}

// Encode lays out c as a 256-byte text block, the inverse of Parse. Sex and Nation may
// be names ("男", "汉") or codes ("1", "01"). Encode checks only that every value fits;
// Parse judges the result.
func Encode(c *Card) ([]byte, error) {
	fields, ok := layouts[c.Kind]
	if !ok {
		return nil, fmt.Errorf("idcard: encode: unknown card kind %v", c.Kind)
	}
	text := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		text[i] = ' '
	}
	if c.Kind != Resident {
		text[kindOffset] = byte(c.Kind)
	}
	rest := make(map[*string][]uint16) // what a field left for its continuation
	for i, f := range fields {
		units := rest[f.at(c)]
		if !f.more {
			v, err := encodeValue(f, *f.at(c))
			if err != nil {
				return nil, err
			}
			units = utf16.Encode([]rune(v))
		}
		n := min(len(units), f.chars)
		rest[f.at(c)] = units[n:]
		if n < len(units) && !continued(c, fields, i) {
			return nil, fmt.Errorf("idcard: encode: %s is %d UTF-16 units too long for its field", f.name, len(units)-n)
		}
		for j, u := range units[:n] {
			text[f.off+2*j], text[f.off+2*j+1] = byte(u), byte(u>>8)
		}
	}
	return text, nil
}

// encodeValue turns sex and nation names into their codes.
func encodeValue(f field, v string) (string, error) {
	table := sexes
	switch f.format {
	case nationCode:
		table = nations
	case sexCode:
	default:
		return v, nil
	}
	if v == "" || (f.format == nationCode && digits(v, 2)) {
		return v, nil
	}
	if code, ok := codeFor(table, v); ok {
		return code, nil
	}
	return "", fmt.Errorf("idcard: encode: %s is neither a known name nor a code", f.name)
}

// Wipe zeroes every field and the photo bytes, so the card's data does not outlive the
// session in memory the card owned.
func (c *Card) Wipe() {
	clear(c.Photo)
	*c = Card{}
}
