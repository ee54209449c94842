// Package render draws kiosk screens in software into an *image.RGBA: text,
// filled and stroked rounded rectangles, QR codes and images.
//
// The same pixels go to the window and to PNG files, so tests can check what a
// citizen sees. Every function clips to the destination's bounds (and to the
// rectangle it is given, where it takes one) and blends over the existing
// pixels. Colours are color.RGBA, which is alpha-premultiplied.
package render

import (
	"fmt"
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"onetrip/assets/fonts"
)

// Font is a parsed TrueType or OpenType font. It hands out Faces, one per
// pixel size, each with its own glyph cache. A Font is safe for concurrent use.
type Font struct {
	sfnt *sfnt.Font

	mu    sync.Mutex
	faces map[float64]*Face
}

// ParseFont parses a TrueType or OpenType font file.
func ParseFont(ttf []byte) (*Font, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("render: parsing font (%d bytes): %w", len(ttf), err)
	}
	return &Font{sfnt: f, faces: map[float64]*Face{}}, nil
}

var defaultFont = sync.OnceValue(func() *Font {
	// Read from the binary's file where it can be (see fonts.SansAt): the
	// same bytes, without keeping most of the font mapped.
	if r, err := fonts.SansAt(); err == nil {
		if f, err := opentype.ParseReaderAt(r); err == nil {
			return &Font{sfnt: f, faces: map[float64]*Face{}}
		}
	}
	f, err := ParseFont(fonts.Sans)
	if err != nil {
		panic(fmt.Sprintf("render: the embedded onetrip-sans font is corrupt: %v", err))
	}
	return f
})

// DefaultFont returns the embedded onetrip-sans font (CJK and Latin), parsed
// once. It panics only if the embedded file is corrupt.
func DefaultFont() *Font { return defaultFont() }

// Face returns the face of f at px pixels per em. Faces are cached, so every
// call with the same size returns the same Face and shares its glyph cache.
func (f *Font) Face(px float64) *Face {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fc, ok := f.faces[px]; ok {
		return fc
	}
	fc := newFace(f, px)
	f.faces[px] = fc
	return fc
}

// XFace returns a new golang.org/x/image/font.Face of f at px pixels per em,
// for packages that draw with x/image (such as ticket paper rendering). Unlike
// a Face it is not safe for concurrent use: each user should take its own.
// Runes the font lacks draw as the same hollow box a Face draws (x/image alone
// would draw the font's narrow .notdef); Glyph, GlyphBounds and GlyphAdvance
// still report !ok for them.
func (f *Font) XFace(px float64) font.Face {
	box := missingBox(px)
	return &xFace{
		Face: f.otFace(px),
		box:  box,
		mask: image.Alpha{Pix: box.mask, Stride: box.bounds.Dx(), Rect: image.Rect(0, 0, box.bounds.Dx(), box.bounds.Dy())},
	}
}

// otFace is x/image's own face of f at px pixels per em.
func (f *Font) otFace(px float64) font.Face {
	// At 72 DPI a point is a pixel. NewFace only stores its options and
	// never fails.
	xf, _ := opentype.NewFace(f.sfnt, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	return xf
}

// xFace is an x/image face that draws missingBox for the runes its font
// lacks.
type xFace struct {
	font.Face
	box  *glyph
	mask image.Alpha // box.mask
}

func (x *xFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	dr, mask, mp, adv, ok := x.Face.Glyph(dot, r)
	if ok {
		return dr, mask, mp, adv, true
	}
	o := image.Pt(dot.X.Round(), dot.Y.Round())
	return x.box.bounds.Add(o), &x.mask, image.Point{}, x.box.advance, false
}

func (x *xFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	b, adv, ok := x.Face.GlyphBounds(r)
	if ok {
		return b, adv, true
	}
	bb := x.box.bounds
	return fixed.R(bb.Min.X, bb.Min.Y, bb.Max.X, bb.Max.Y), x.box.advance, false
}

func (x *xFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	adv, ok := x.Face.GlyphAdvance(r)
	if ok {
		return adv, true
	}
	return x.box.advance, false
}
