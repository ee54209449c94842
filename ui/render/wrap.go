package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/math/fixed"
)

// Wrap breaks s into lines no wider than maxWidth pixels when drawn with fc.
// Chinese text may break between any two characters, Latin text at spaces;
// a newline always breaks. Closing punctuation (，。、；：！？）」 …) stays
// with the character before it and opening punctuation with the one after,
// so no line starts with a comma (when the line holds at least three
// characters). Only spaces at a break or at the end of a paragraph are
// dropped; every other character is kept. A word wider than maxWidth is split
// between characters, and a character wider than maxWidth gets a line of its
// own. Wrap always returns at least one line.
func (fc *Face) Wrap(s string, maxWidth int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = fc.wrapParagraph(lines, para, fixed.I(maxWidth))
	}
	return lines
}

// piece is a run of text that no line break may split, with the spaces
// before it.
type piece struct{ space, text string }

// wrapParagraph appends the lines of para, which has no newline, to lines.
func (fc *Face) wrapParagraph(lines []string, para string, max fixed.Int26_6) []string {
	var (
		line  []byte
		width fixed.Int26_6
	)
	flush := func(keep int) { // ends the line at byte keep, carrying the rest over
		lines = append(lines, string(line[:keep]))
		line = append(line[:0], line[keep:]...)
		width = fc.advance(string(line))
	}
	for _, p := range pieces(para) {
		sw, tw := fc.advance(p.space), fc.advance(p.text)
		switch {
		case width+sw+tw <= max:
			line = append(line, p.space...)
			width += sw
		case len(line) > 0:
			flush(len(line)) // break at the spaces, dropping them
		}
		if width+tw <= max {
			line = append(line, p.text...)
			width += tw
			continue
		}
		// Wider than a whole line: split between characters.
		for _, r := range p.text {
			rw := fc.glyph(r).advance
			if width+rw > max && len(line) > 0 {
				k := splitBefore(line, r)
				if fc.advance(string(line[k:]))+rw > max {
					k = len(line) // too wide to keep together anyway
				}
				flush(k)
			}
			line = utf8.AppendRune(line, r)
			width += rw
		}
	}
	flush(len(line))
	return lines
}

// splitBefore returns where to end a full line so that r, which does not
// fit, starts the next: at the end unless that would put closing punctuation
// first on the next line or leave opening punctuation last on this one; then
// as late as the punctuation allows, if anywhere.
func splitBefore(line []byte, r rune) int {
	first := r
	for k := len(line); k > 0; {
		last, n := utf8.DecodeLastRune(line[:k])
		if mayBreak(last, first) {
			return k
		}
		k -= n
		first = last
	}
	return len(line)
}

// pieces splits a paragraph into unbreakable pieces: a Chinese character or a
// Latin word, with the punctuation that must stay next to it.
func pieces(para string) []piece {
	var (
		out   []piece
		start int  // start of the current piece's spaces
		text  = -1 // start of the current piece's text, or -1 in spaces
		prev  rune
	)
	for i, r := range para {
		switch {
		case r == ' ' || r == '\t' || r == '\u3000':
			if text >= 0 {
				out = append(out, piece{para[start:text], para[text:i]})
				start, text = i, -1
			}
		case text < 0:
			text = i
		case canBreak(prev, r):
			out = append(out, piece{para[start:text], para[text:i]})
			start, text = i, i
		}
		prev = r
	}
	if text >= 0 {
		out = append(out, piece{para[start:text], para[text:]})
	}
	return out // without trailing spaces
}

// canBreak reports whether a line may break between a and b, two runes with
// no space between them.
func canBreak(a, b rune) bool {
	return mayBreak(a, b) && (isWide(a) || isWide(b))
}

// mayBreak reports whether punctuation allows a line break between a and b.
func mayBreak(a, b rune) bool {
	return !strings.ContainsRune(closing, b) && !strings.ContainsRune(opening, a)
}

// closing punctuation must not start a line; opening punctuation must not
// end one.
const (
	closing = "，。、；：！？）」』》〉】〕〗”’…・,.;:!?)]}%％"
	opening = "（「『《〈【〔〖“‘([{"
)

// isWide reports whether r is a character of Chinese, Japanese or Korean
// text, between any two of which lines may break.
func isWide(r rune) bool {
	return r >= 0x2E80 && r <= 0x303F || // radicals, CJK symbols and punctuation
		r >= 0xFF00 && r <= 0xFFEF || // fullwidth forms
		r > utf8.RuneSelf && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}
