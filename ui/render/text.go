package render

import (
	"image"
	"image/color"

	"golang.org/x/image/math/fixed"
)

// DrawText draws s on one line with its left end at x and its baseline at
// baseline, anti-aliased, and returns the advance width in pixels (the same
// as fc.Measure(s)). A rune the font lacks is drawn as a hollow box the size
// of a CJK character, never left blank.
func DrawText(dst *image.RGBA, fc *Face, x, baseline int, s string, c color.RGBA) int {
	return drawText(dst, dst.Bounds(), fc, x, baseline, s, c)
}

// DrawTextCentered draws s on one line centred in r, horizontally and
// vertically, clipped to r.
func DrawTextCentered(dst *image.RGBA, fc *Face, r image.Rectangle, s string, c color.RGBA) {
	x := r.Min.X + (r.Dx()-fc.Measure(s))/2
	baseline := r.Min.Y + (r.Dy()-fc.ascent-fc.descent)/2 + fc.ascent
	drawText(dst, r.Intersect(dst.Bounds()), fc, x, baseline, s, c)
}

// drawText is DrawText clipped to clip, which lies within dst's bounds.
func drawText(dst *image.RGBA, clip image.Rectangle, fc *Face, x, baseline int, s string, c color.RGBA) int {
	var pen fixed.Int26_6
	for _, r := range s {
		g := fc.glyph(r)
		if c.A != 0 {
			blitGlyph(dst, clip, g, image.Pt(x+pen.Round(), baseline), c)
		}
		pen += g.advance
	}
	return pen.Round()
}

// blitGlyph blends g's mask in colour c with its origin at o.
func blitGlyph(dst *image.RGBA, clip image.Rectangle, g *glyph, o image.Point, c color.RGBA) {
	b := g.bounds.Add(o)
	vis := b.Intersect(clip)
	if vis.Empty() {
		return
	}
	w := g.bounds.Dx()
	for y := vis.Min.Y; y < vis.Max.Y; y++ {
		m := (y-b.Min.Y)*w + vis.Min.X - b.Min.X
		p := dst.PixOffset(vis.Min.X, y)
		blendMask(dst.Pix[p:p+vis.Dx()*4], g.mask[m:m+vis.Dx()], c)
	}
}
