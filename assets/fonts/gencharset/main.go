// Command gencharset prints the code points kept in onetrip-sans, one "U+XXXX"
// a line, in the form pyftsubset's --unicodes-file reads.
//
// The set is every character the kiosk may show or print: ASCII, Latin-1,
// general punctuation, CJK symbols, fullwidth forms, all 7445 characters of
// GB 2312, the whole of CJK Unified Ideographs and Extension A (the hanzi of
// the GB 18030 core, so any name or address on a resident ID card draws) and
// a few symbols used on screens and tickets. Code points the source font has
// no glyph for are skipped by the subsetter.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// blocks are the Unicode ranges kept whole, inclusive.
var blocks = []struct{ lo, hi rune }{
	{0x0020, 0x007E}, // ASCII printable
	{0x00A0, 0x00FF}, // Latin-1 supplement
	{0x2000, 0x206F}, // general punctuation
	{0x3000, 0x303F}, // CJK symbols and punctuation
	{0x3400, 0x4DBF}, // CJK Unified Ideographs Extension A
	{0x4E00, 0x9FFF}, // CJK Unified Ideographs
	{0xFF00, 0xFFEF}, // halfwidth and fullwidth forms
}

// extras are single characters the screens and tickets use outside the blocks.
const extras = "〇·—…①②③④⑤×÷→←↑↓√✓©®™°±€￥"

func main() {
	set := map[rune]bool{}
	for _, b := range blocks {
		for r := b.lo; r <= b.hi; r++ {
			set[r] = true
		}
	}
	for _, r := range extras {
		set[r] = true
	}
	gb, err := gb2312()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencharset:", err)
		os.Exit(1)
	}
	for _, r := range gb {
		set[r] = true
	}

	runes := make([]rune, 0, len(set))
	for r := range set {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	w := bufio.NewWriter(os.Stdout)
	for _, r := range runes {
		fmt.Fprintf(w, "U+%04X\n", r)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gencharset:", err)
		os.Exit(1)
	}
}

// gb2312Cells lists the assigned cells of GB 2312-80 as blocks of rows and
// columns, inclusive. The other cells of rows 0xA1–0xF7 are empty in GB 2312;
// GBK fills some of them (small Roman numerals, vertical forms, extra pinyin),
// which the kiosk does not need.
var gb2312Cells = []struct{ firstRow, lastRow, firstCol, lastCol byte }{
	{0xA1, 0xA1, 0xA1, 0xFE}, // punctuation and symbols
	{0xA2, 0xA2, 0xB1, 0xE2}, // ⒈–⒛, ⑴–⒇, ①–⑩
	{0xA2, 0xA2, 0xE5, 0xEE}, // ㈠–㈩
	{0xA2, 0xA2, 0xF1, 0xFC}, // Ⅰ–Ⅻ
	{0xA3, 0xA3, 0xA1, 0xFE}, // fullwidth ASCII
	{0xA4, 0xA4, 0xA1, 0xF3}, // hiragana
	{0xA5, 0xA5, 0xA1, 0xF6}, // katakana
	{0xA6, 0xA6, 0xA1, 0xB8}, // Greek capitals
	{0xA6, 0xA6, 0xC1, 0xD8}, // Greek small letters
	{0xA7, 0xA7, 0xA1, 0xC1}, // Cyrillic capitals
	{0xA7, 0xA7, 0xD1, 0xF1}, // Cyrillic small letters
	{0xA8, 0xA8, 0xA1, 0xBA}, // pinyin vowels with tones
	{0xA8, 0xA8, 0xC5, 0xE9}, // bopomofo
	{0xA9, 0xA9, 0xA4, 0xEF}, // box drawing
	{0xB0, 0xD6, 0xA1, 0xFE}, // level 1 hanzi
	{0xD7, 0xD7, 0xA1, 0xF9}, // level 1 hanzi, last row
	{0xD8, 0xF7, 0xA1, 0xFE}, // level 2 hanzi
}

// gb2312 decodes every assigned GB 2312 cell and returns its characters.
func gb2312() ([]rune, error) {
	dec := simplifiedchinese.GBK.NewDecoder()
	var out []rune
	for _, c := range gb2312Cells {
		for row := int(c.firstRow); row <= int(c.lastRow); row++ {
			for col := int(c.firstCol); col <= int(c.lastCol); col++ {
				b, err := dec.Bytes([]byte{byte(row), byte(col)})
				r, _ := utf8.DecodeRune(b)
				if err != nil || r == utf8.RuneError {
					return nil, fmt.Errorf("GB 2312 cell %02X%02X does not decode", row, col)
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}
