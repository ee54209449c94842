package render

import (
	"image"
	"image/color"
	"math"
	"sync"
)

// FillRect fills r with c.
func FillRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(dst.Bounds())
	if r.Empty() || c.A == 0 {
		return
	}
	first := dst.Pix[dst.PixOffset(r.Min.X, r.Min.Y):]
	if c.A == 0xff {
		// Fill one row, then copy it: memmove beats pixel loops.
		blendSpan(first, r.Dx(), c)
		for y := r.Min.Y + 1; y < r.Max.Y; y++ {
			copy(dst.Pix[dst.PixOffset(r.Min.X, y):], first[:r.Dx()*4])
		}
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		blendSpan(dst.Pix[dst.PixOffset(r.Min.X, y):], r.Dx(), c)
	}
}

// FillRoundRect fills r with c, with corners rounded to radius pixels and
// anti-aliased. The radius is limited to half the shorter side.
func FillRoundRect(dst *image.RGBA, r image.Rectangle, radius int, c color.RGBA) {
	rr := newRoundRect(r, radius)
	clip := r.Intersect(dst.Bounds())
	if clip.Empty() || c.A == 0 {
		return
	}
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		s0, s1 := rr.solidSpan(y)
		if s0 >= s1 {
			s0, s1 = clip.Max.X, clip.Max.X
		}
		for x := clip.Min.X; x < min(s0, clip.Max.X); x++ {
			blendCoverage(dst, x, y, c, rr.coverage(x, y))
		}
		if x0, x1 := max(s0, clip.Min.X), min(s1, clip.Max.X); x0 < x1 {
			blendSpan(dst.Pix[dst.PixOffset(x0, y):], x1-x0, c)
		}
		for x := max(s1, clip.Min.X); x < clip.Max.X; x++ {
			blendCoverage(dst, x, y, c, rr.coverage(x, y))
		}
	}
}

// StrokeRoundRect draws the outline of the rounded rectangle FillRoundRect
// would fill, width pixels wide, inside r.
func StrokeRoundRect(dst *image.RGBA, r image.Rectangle, radius, width int, c color.RGBA) {
	outer := newRoundRect(r, radius)
	inner := newRoundRect(r.Inset(width), outer.radius-width)
	clip := r.Intersect(dst.Bounds())
	if clip.Empty() || c.A == 0 || width <= 0 {
		return
	}
	stroke := func(x, y int) {
		if in, out := inner.coverage(x, y), outer.coverage(x, y); out > in {
			blendCoverage(dst, x, y, c, out-in)
		}
	}
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		// Skip the inside, which the stroke does not touch.
		h0, h1 := inner.solidSpan(y)
		if h0 >= h1 {
			h0, h1 = clip.Max.X, clip.Max.X
		}
		for x := clip.Min.X; x < min(h0, clip.Max.X); x++ {
			stroke(x, y)
		}
		for x := max(h1, clip.Min.X); x < clip.Max.X; x++ {
			stroke(x, y)
		}
	}
}

// blendCoverage blends c over the pixel at (x, y) at coverage m.
func blendCoverage(dst *image.RGBA, x, y int, c color.RGBA, m uint8) {
	if m == 0 {
		return
	}
	p := dst.PixOffset(x, y)
	blendPixel(dst.Pix[p:p+4:p+4], c, uint32(m))
}

// roundRect answers, for each pixel, how much of it a rounded rectangle covers.
type roundRect struct {
	r      image.Rectangle
	radius int
	corner []uint8 // coverage of the top-left corner square, radius×radius
}

func newRoundRect(r image.Rectangle, radius int) roundRect {
	radius = max(0, min(radius, r.Dx()/2, r.Dy()/2))
	return roundRect{r: r, radius: radius, corner: cornerMask(radius)}
}

// solidSpan returns the pixels of row y that are fully covered, [x0, x1).
func (rr roundRect) solidSpan(y int) (x0, x1 int) {
	if y < rr.r.Min.Y || y >= rr.r.Max.Y {
		return 0, 0
	}
	if y < rr.r.Min.Y+rr.radius || y >= rr.r.Max.Y-rr.radius {
		return rr.r.Min.X + rr.radius, rr.r.Max.X - rr.radius
	}
	return rr.r.Min.X, rr.r.Max.X
}

// coverage returns how much of pixel (x, y) the shape covers, 0–255.
func (rr roundRect) coverage(x, y int) uint8 {
	if !(image.Point{x, y}).In(rr.r) {
		return 0
	}
	// Distance into the corner square from the outer edges, mirrored so all
	// four corners use the top-left mask.
	i := min(x-rr.r.Min.X, rr.r.Max.X-1-x)
	j := min(y-rr.r.Min.Y, rr.r.Max.Y-1-y)
	if i >= rr.radius || j >= rr.radius {
		return 0xff
	}
	return rr.corner[j*rr.radius+i]
}

// cornerMasks caches cornerMask by radius: buttons share a few radii.
var cornerMasks sync.Map // int → []uint8

// cornerMask returns the coverage of the top-left corner square of a rounded
// rectangle of the given radius, 4×4 supersampled.
func cornerMask(radius int) []uint8 {
	if m, ok := cornerMasks.Load(radius); ok {
		return m.([]uint8)
	}
	const n = 4 // samples per pixel side
	m := make([]uint8, radius*radius)
	rf := float64(radius)
	for j := range radius {
		for i := range radius {
			hits := 0
			for sj := range n {
				for si := range n {
					dx := rf - (float64(i) + (float64(si)+0.5)/n)
					dy := rf - (float64(j) + (float64(sj)+0.5)/n)
					if math.Hypot(dx, dy) <= rf {
						hits++
					}
				}
			}
			m[j*radius+i] = uint8((hits*0xff + n*n/2) / (n * n))
		}
	}
	cornerMasks.Store(radius, m)
	return m
}
