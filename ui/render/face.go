package render

import (
	"image"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Face is a Font at one pixel size. It rasterizes each rune once and keeps
// the anti-aliased mask, so drawing text is copying and blending bytes.
// A Face is safe for concurrent use.
type Face struct {
	px      float64
	ascent  int
	descent int
	height  int

	mu     sync.Mutex
	sfnt   *sfnt.Font
	buf    sfnt.Buffer
	x      font.Face // rasterizes glyphs on a cache miss
	glyphs map[rune]*glyph
}

// glyph is one rune's cached rendering.
type glyph struct {
	mask    []uint8         // coverage, 0–255, bounds.Dx() bytes a row
	bounds  image.Rectangle // relative to the pen on the baseline
	advance fixed.Int26_6
}

func newFace(f *Font, px float64) *Face {
	x := f.otFace(px)
	m := x.Metrics()
	return &Face{
		px:      px,
		ascent:  m.Ascent.Ceil(),
		descent: m.Descent.Ceil(),
		height:  m.Height.Ceil(),
		sfnt:    f.sfnt,
		x:       x,
		glyphs:  map[rune]*glyph{},
	}
}

// Has reports whether the font has a glyph for r. Runes it lacks are drawn as
// a hollow box.
func (fc *Face) Has(r rune) bool {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	i, err := fc.sfnt.GlyphIndex(&fc.buf, r)
	return err == nil && i != 0
}

// Measure returns the advance width of s in pixels: how far DrawText moves
// the pen when it draws s.
func (fc *Face) Measure(s string) int { return fc.advance(s).Round() }

// Ascent returns how far the tallest glyphs reach above the baseline, in pixels.
func (fc *Face) Ascent() int { return fc.ascent }

// Descent returns how far the lowest glyphs reach below the baseline, in pixels.
func (fc *Face) Descent() int { return fc.descent }

// Height returns the line height in pixels: the distance between the
// baselines of two consecutive lines.
func (fc *Face) Height() int { return fc.height }

// advance returns the unrounded advance of s, so that the widths of pieces of
// a string add up to the width of the whole.
func (fc *Face) advance(s string) fixed.Int26_6 {
	var w fixed.Int26_6
	for _, r := range s {
		w += fc.glyph(r).advance
	}
	return w
}

// glyph returns the cached rendering of r, rasterizing it on first use.
func (fc *Face) glyph(r rune) *glyph {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if g, ok := fc.glyphs[r]; ok {
		return g
	}
	g := fc.rasterize(r)
	fc.glyphs[r] = g
	return g
}

// rasterize renders r with its origin at (0, 0), or a replacement box if the
// font lacks r. fc.mu must be held.
func (fc *Face) rasterize(r rune) *glyph {
	dr, mask, mp, adv, ok := fc.x.Glyph(fixed.Point26_6{}, r)
	if !ok {
		// The font lacks r (glyph 0): x/image still hands back .notdef, a
		// narrow Latin box; draw the CJK-sized one instead.
		return missingBox(fc.px)
	}
	g := &glyph{mask: make([]uint8, dr.Dx()*dr.Dy()), bounds: dr, advance: adv}
	// The mask is reused by the next Glyph call: copy it.
	a := mask.(*image.Alpha)
	for y := 0; y < dr.Dy(); y++ {
		src := a.Pix[a.PixOffset(mp.X, mp.Y+y):]
		copy(g.mask[y*dr.Dx():(y+1)*dr.Dx()], src[:dr.Dx()])
	}
	return g
}

// missingBox is the replacement for a rune the font lacks at px pixels per
// em: a hollow box the size of a CJK character, so missing text is noticed
// rather than silently blank. Screens (Face) and paper (XFace) draw the same
// box.
func missingBox(px float64) *glyph {
	em := px
	b := image.Rect(
		int(math.Round(0.1*em)), -int(math.Round(0.82*em)),
		int(math.Round(0.9*em)), int(math.Round(0.1*em)),
	)
	t := max(1, int(math.Round(em/16))) // stroke width
	w, h := b.Dx(), b.Dy()
	g := &glyph{mask: make([]uint8, w*h), bounds: b, advance: fixed.I(int(math.Round(em)))}
	for y := range h {
		for x := range w {
			if x < t || x >= w-t || y < t || y >= h-t {
				g.mask[y*w+x] = 0xff
			}
		}
	}
	return g
}
