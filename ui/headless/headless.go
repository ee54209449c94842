// Package headless presents frames into memory, for tests, screenshots and
// kiosks run without a display.
//
// A Presenter satisfies the presenter interface the UI holds:
//
//	interface{ Present(frame *image.RGBA, dirty []image.Rectangle) error }
package headless

import (
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"sync"
)

// Presenter keeps its own copy of the presented pixels. It is safe for
// concurrent use.
type Presenter struct {
	mu     sync.Mutex
	shown  *image.RGBA
	frames int64
}

// New returns a Presenter showing a black w×h frame.
func New(w, h int) *Presenter {
	return &Presenter{shown: image.NewRGBA(image.Rect(0, 0, w, h))}
}

// Present copies the dirty rectangles of frame (all of it when dirty is nil
// or the frame size changed); the caller may reuse frame at once.
func (p *Presenter) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	b := frame.Bounds()
	if b.Empty() {
		return errors.New("headless: present: empty frame")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown.Rect.Size() != b.Size() {
		p.shown = image.NewRGBA(image.Rectangle{Max: b.Size()})
		dirty = nil
	}
	if dirty == nil {
		dirty = []image.Rectangle{b}
	}
	for _, r := range dirty {
		r = r.Intersect(b)
		draw.Draw(p.shown, r.Sub(b.Min), frame, r.Min, draw.Src)
	}
	p.frames++
	return nil
}

// Frame returns a copy of what is shown.
func (p *Presenter) Frame() *image.RGBA {
	p.mu.Lock()
	defer p.mu.Unlock()
	img := image.NewRGBA(p.shown.Rect)
	copy(img.Pix, p.shown.Pix)
	return img
}

// WritePNG encodes what is shown as a PNG.
func (p *Presenter) WritePNG(w io.Writer) error {
	if err := png.Encode(w, p.Frame()); err != nil {
		return fmt.Errorf("headless: write PNG: %w", err)
	}
	return nil
}

// Frames returns how many frames were presented.
func (p *Presenter) Frames() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames
}
