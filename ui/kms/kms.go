// Package kms presents the kiosk's frames on a DRM screen (hal/drm) with
// no desktop: only the dirty rectangles are converted to XRGB8888, into
// the buffer not on screen, which is then flipped on at the next vblank.
//
// Each buffer keeps its own damage: when a buffer comes back as the back
// buffer it also gets what the other buffer got since it was last drawn,
// so both buffers always end up equal to the frame. Present returns once
// the flip is queued; the next Present waits for that flip before drawing
// into the buffer it replaced, so a frame never tears.
package kms

import (
	"fmt"
	"image"
	"unsafe"

	"onetrip/hal/drm"
)

// maxRects is how many damage rectangles a buffer keeps before they are
// merged into their bounding box.
const maxRects = 32

// Presenter shows frames on a drm.Screen. It is not safe for concurrent
// use (the kiosk presents from one goroutine).
type Presenter struct {
	s      drm.Screen
	front  int                  // the buffer on screen (or queued to be)
	damage [2][]image.Rectangle // what each buffer lacks of the last frame
	size   image.Point
}

// New presents on s, which shows buffer 0 (black) now. Frames are drawn at
// the screen's top-left; a bigger mode shows black beyond them.
func New(s drm.Screen) *Presenter {
	return &Presenter{s: s, size: s.Size()}
}

// Present converts the dirty parts of frame (all of it when dirty is nil)
// and flips them on screen at the next vblank.
func (p *Presenter) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	b := frame.Bounds()
	if b.Dx() > p.size.X || b.Dy() > p.size.Y {
		return fmt.Errorf("kms: a %dx%d frame does not fit the %dx%d display mode", b.Dx(), b.Dy(), p.size.X, p.size.Y)
	}
	if dirty == nil {
		dirty = []image.Rectangle{b}
	}
	back := 1 - p.front
	// The back buffer was on screen until the last flip happened.
	if err := p.s.WaitFlip(); err != nil {
		return err
	}
	for _, r := range dirty {
		if r = r.Intersect(b); !r.Empty() {
			p.damage[back] = add(p.damage[back], r)
		}
	}
	if len(p.damage[back]) == 0 {
		return nil
	}
	pix, stride := p.s.Buffer(back)
	for _, r := range p.damage[back] {
		convert(pix, stride, frame, r)
	}
	// The buffer on screen lacks this frame's changes, flipped or not.
	for _, r := range dirty {
		if r = r.Intersect(b); !r.Empty() {
			p.damage[p.front] = add(p.damage[p.front], r)
		}
	}
	if err := p.s.Flip(back); err != nil {
		return err // the back buffer keeps its damage: the next frame draws it again
	}
	p.damage[back] = p.damage[back][:0]
	p.front = back
	return nil
}

// add appends r unless a rectangle already there covers it, merging all
// into their bounding box when there are too many.
func add(rs []image.Rectangle, r image.Rectangle) []image.Rectangle {
	for _, q := range rs {
		if r.In(q) {
			return rs
		}
	}
	rs = append(rs, r)
	if len(rs) > maxRects {
		return []image.Rectangle{bounds(rs)}
	}
	return rs
}

func bounds(rs []image.Rectangle) image.Rectangle {
	var u image.Rectangle
	for _, r := range rs {
		u = u.Union(r)
	}
	return u
}

// convert writes r of frame into an XRGB8888 buffer (bytes B, G, R, X),
// frame pixels placed relative to the frame's own origin. Pixels are moved
// as 32-bit words, R and B swapped: both buffers hold whole, aligned
// pixels, and this is the presenter's one loop over every pixel.
func convert(pix []byte, stride int, frame *image.RGBA, r image.Rectangle) {
	o := frame.Rect.Min
	n := r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := words(frame.Pix[frame.PixOffset(r.Min.X, y):][:4*n])
		dst := words(pix[(y-o.Y)*stride+4*(r.Min.X-o.X):][:4*n])[:len(src)]
		for i, v := range src { // v is R | G<<8 | B<<16 | A<<24
			dst[i] = 0xff000000 | v&0xff00 | v&0xff<<16 | v>>16&0xff
		}
	}
}

// words views whole pixels as 32-bit words in the machine's byte order,
// which is little-endian on every board onetrip runs on.
func words(b []byte) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}
