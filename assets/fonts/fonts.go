// Package fonts embeds the kiosk's one font, so every screen and ticket looks
// the same on every board without relying on fonts installed on the system.
package fonts

import _ "embed"

// Sans is onetrip-sans.ttf: a TrueType subset of WenQuanYi Micro Hei (Droid
// Sans Fallback with Droid Sans Latin) merged with the characters it lacks
// from Droid Sans Fallback Full, in the same design. It covers ASCII,
// Latin-1, punctuation, CJK symbols, fullwidth forms, all of GB 2312 and the
// hanzi of the GB 18030 core: CJK Unified Ideographs U+4E00–U+9FA5 and
// Extension A U+3400–U+4DB5, so every name and address on a resident ID card
// draws. Apache-2.0, see LICENSE; subset.sh regenerates it.
//
//go:embed onetrip-sans.ttf
var Sans []byte
