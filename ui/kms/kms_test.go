package kms

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"

	"onetrip/hal/drm/drmtest"
)

// sameAs reports the first pixel of want's bounds where got differs.
func sameAs(got, want *image.RGBA) (image.Point, bool) {
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if got.RGBAAt(x, y) != want.RGBAAt(x, y) {
				return image.Pt(x, y), false
			}
		}
	}
	return image.Point{}, true
}

// newFrame is an opaque black frame, as the kiosk's are opaque.
func newFrame(w, h int) *image.RGBA {
	f := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(f, f.Rect, color.RGBA{0, 0, 0, 255})
	return f
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// Random sessions change random rectangles and present only those, as the
// kiosk's painter does: after every vblank the screen shows exactly the
// frame, and no buffer was ever drawn into while on screen.
func TestScreenShowsEveryFrameWithoutTearing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := drmtest.New(320, 240)
	p := New(s)
	frame := newFrame(320, 240)
	for i := range 200 {
		var dirty []image.Rectangle
		for range 1 + rng.IntN(3) {
			x, y := rng.IntN(320), rng.IntN(240)
			r := image.Rect(x, y, x+1+rng.IntN(80), y+1+rng.IntN(60)).Intersect(frame.Rect)
			fill(frame, r, color.RGBA{uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 255})
			dirty = append(dirty, r)
		}
		if i == 0 {
			dirty = nil // the first frame is a full paint
		}
		if err := p.Present(frame, dirty); err != nil {
			t.Fatal(err)
		}
		s.Vblank()
		if at, ok := sameAs(s.Shown(), frame); !ok {
			t.Fatalf("frame %d: the screen differs from the frame at %v", i, at)
		}
	}
	if s.Torn() {
		t.Fatal("a buffer was drawn into while it was on screen")
	}
	if s.Flips() != 200 {
		t.Fatalf("%d flips for 200 frames", s.Flips())
	}
}

// A frame presented before the last flip happened waits for it (the buffer
// it draws into is still on screen until then) instead of tearing.
func TestPresentWaitsForTheFlipBeforeDrawing(t *testing.T) {
	s := drmtest.New(64, 64)
	p := New(s)
	frame := newFrame(64, 64)
	fill(frame, frame.Rect, color.RGBA{200, 0, 0, 255})
	if err := p.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	fill(frame, image.Rect(0, 0, 10, 10), color.RGBA{0, 200, 0, 255})
	done := make(chan error)
	go func() { done <- p.Present(frame, []image.Rectangle{image.Rect(0, 0, 10, 10)}) }()
	s.Vblank() // the first flip; the second Present may go on
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Vblank()
	if at, ok := sameAs(s.Shown(), frame); !ok || s.Torn() {
		t.Fatalf("shown differs at %v (%v), torn %v", at, !ok, s.Torn())
	}
}

// A flip the card refuses loses nothing: the next frame shows what the
// refused one would have.
func TestRefusedFlipIsMadeUpByTheNextFrame(t *testing.T) {
	s := drmtest.New(64, 64)
	p := New(s)
	frame := newFrame(64, 64)
	p.Present(frame, nil)
	s.Vblank()
	fill(frame, image.Rect(0, 0, 32, 32), color.RGBA{0, 0, 250, 255})
	s.FailNextFlip(syscall.ENODEV)
	err := p.Present(frame, []image.Rectangle{image.Rect(0, 0, 32, 32)})
	if !errors.Is(err, syscall.ENODEV) {
		t.Fatalf("refused flip: %v", err)
	}
	fill(frame, image.Rect(40, 40, 48, 48), color.RGBA{250, 250, 0, 255})
	if err := p.Present(frame, []image.Rectangle{image.Rect(40, 40, 48, 48)}); err != nil {
		t.Fatal(err)
	}
	s.Vblank()
	if at, ok := sameAs(s.Shown(), frame); !ok {
		t.Fatalf("after a refused flip the screen differs at %v", at)
	}
	// And the other buffer, shown next, lacks nothing either.
	fill(frame, image.Rect(60, 0, 64, 4), color.RGBA{0, 250, 0, 255})
	if err := p.Present(frame, []image.Rectangle{image.Rect(60, 0, 64, 4)}); err != nil {
		t.Fatal(err)
	}
	s.Vblank()
	if at, ok := sameAs(s.Shown(), frame); !ok {
		t.Fatalf("two frames after a refused flip the screen differs at %v", at)
	}
}

// A mode bigger than the frame shows the frame at its top-left and black
// beyond; a frame bigger than the mode is refused with both sizes named.
func TestFrameAndModeSizes(t *testing.T) {
	s := drmtest.New(100, 80)
	p := New(s)
	frame := newFrame(60, 40)
	fill(frame, frame.Rect, color.RGBA{255, 255, 255, 255})
	if err := p.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	s.Vblank()
	shown := s.Shown()
	if shown.RGBAAt(59, 39) != (color.RGBA{255, 255, 255, 255}) || shown.RGBAAt(60, 40) != (color.RGBA{0, 0, 0, 255}) {
		t.Fatalf("corner %v, beyond %v", shown.RGBAAt(59, 39), shown.RGBAAt(60, 40))
	}
	err := p.Present(newFrame(101, 80), nil)
	if err == nil || !strings.Contains(err.Error(), "101x80 frame does not fit the 100x80 display mode") {
		t.Fatalf("too big a frame: %v", err)
	}
}
