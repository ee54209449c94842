package kms

import (
	"image"
	"image/color"
	"testing"

	"onetrip/hal/drm/drmtest"
)

// benchPresent measures a frame presented with dirty rectangle r: convert
// into the back buffer and queue the flip (the twin's vblank comes at once,
// so what is measured is the presenter's own time).
func benchPresent(b *testing.B, r image.Rectangle) {
	s := drmtest.New(1280, 800)
	s.Auto = true
	p := New(s)
	frame := newFrame(1280, 800)
	p.Present(frame, nil)
	b.ResetTimer()
	for i := range b.N {
		frame.SetRGBA(r.Min.X, r.Min.Y, color.RGBA{uint8(i), 0, 0, 255})
		if err := p.Present(frame, []image.Rectangle{r}); err != nil {
			b.Fatal(err)
		}
	}
}

// A pressed button repaints the button (240×88 on the kiosk's screens).
func BenchmarkPresentButton(b *testing.B) { benchPresent(b, image.Rect(520, 600, 760, 688)) }

// A new screen repaints everything.
func BenchmarkPresentScreen(b *testing.B) { benchPresent(b, image.Rect(0, 0, 1280, 800)) }
