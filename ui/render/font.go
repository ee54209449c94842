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
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

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
func (f *Font) XFace(px float64) font.Face {
	// At 72 DPI a point is a pixel. NewFace only stores its options and
	// never fails.
	xf, _ := opentype.NewFace(f.sfnt, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	return xf
}
