// Package fonts embeds the kiosk's one font, so every screen and ticket looks
// the same on every board without relying on fonts installed on the system.
package fonts

import _ "embed"

// Sans is onetrip-sans.ttf: a TrueType subset of WenQuanYi Micro Hei (Droid
// Sans Fallback with Droid Sans Latin) covering ASCII, Latin-1, punctuation,
// CJK symbols, fullwidth forms and all of GB 2312. Apache-2.0, see LICENSE;
// subset.sh regenerates it.
//
//go:embed onetrip-sans.ttf
var Sans []byte
