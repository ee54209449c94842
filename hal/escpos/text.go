package escpos

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// substitutes maps runes GBK cannot carry (or that Chinese printers misprint)
// to what the citizen should see instead.
var substitutes = map[rune]rune{
	'¥':      '￥', // GB18030 4-byte on the wire: prints as "0 6"
	'€':      'E', // CP936 single byte 0x80: undefined on GBK printers
	'\t':     ' ',
	'\u00a0': ' ',
}

// replacement stands for anything else that cannot be printed.
const replacement = '?'

var gbk transform.Transformer = simplifiedchinese.GBK.NewEncoder().Transformer

// appendRune appends the bytes that print r in Chinese mode. Everything below
// 0x20 (and DEL) is replaced, so user text can never start a command.
func appendRune(dst []byte, r rune, scratch *[8]byte) []byte {
	if s, ok := substitutes[r]; ok {
		r = s
	}
	if r >= 0x20 && r < 0x7f {
		return append(dst, byte(r))
	}
	if r < utf8.RuneSelf {
		return append(dst, replacement)
	}
	n := utf8.EncodeRune(scratch[:4], r)
	gbk.Reset()
	m, _, err := gbk.Transform(scratch[4:], scratch[:n], true)
	if err != nil || m != 2 {
		return append(dst, replacement)
	}
	return append(dst, scratch[4], scratch[5])
}

// RuneWidth is the number of half-width columns r takes once printed: 2 for
// GBK double-byte characters, 1 for ASCII and for the replacement mark.
func RuneWidth(r rune) int {
	if r >= 0x20 && r < 0x7f {
		return 1
	}
	scratch := scratchPool.Get().(*[8]byte)
	defer scratchPool.Put(scratch)
	return len(appendRune(scratch[6:6], r, scratch))
}

var scratchPool = sync.Pool{New: func() any { return new([8]byte) }}

// TextWidth is the number of half-width columns s takes once printed.
func TextWidth(s string) int {
	n := 0
	for _, r := range s {
		n += RuneWidth(r)
	}
	return n
}
