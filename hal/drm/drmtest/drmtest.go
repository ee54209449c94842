// Package drmtest is the DRM screen's twin: two buffers in memory and a
// scan-out that behaves like the kernel's. A flip takes effect at the next
// Vblank; asking for a second flip before the first happened fails with
// EBUSY, as the kernel's page flip does; and drawing into the buffer being
// scanned out is caught as tearing.
package drmtest

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"sync"
	"syscall"
)

// Screen is a simulated display of a given size.
type Screen struct {
	// Auto makes WaitFlip bring the vblank itself, a display as fast as its
	// caller, and skips the tearing check, which copies whole buffers
	// (benchmarks); otherwise the test calls Vblank. Set before use.
	Auto bool

	mu      sync.Mutex
	size    image.Point
	stride  int
	bufs    [2][]byte
	front   int    // buffer being scanned out
	want    int    // buffer a pending flip shows, -1 if none
	shown   []byte // the front buffer's contents when it went on screen
	flips   int
	torn    bool
	failErr error
	vblank  chan struct{}
}

// New returns a w×h screen showing buffer 0, black. Rows are padded as a
// real card pads them, so strides are not assumed to be 4×width.
func New(w, h int) *Screen {
	stride := (w*4 + 63) &^ 63
	s := &Screen{size: image.Pt(w, h), stride: stride, want: -1, vblank: make(chan struct{}, 1)}
	for i := range s.bufs {
		s.bufs[i] = make([]byte, stride*h)
	}
	s.shown = slices.Clone(s.bufs[0])
	return s
}

// Size is the mode's size.
func (s *Screen) Size() image.Point { return s.size }

// Buffer returns buffer i and its stride.
func (s *Screen) Buffer(i int) ([]byte, int) { return s.bufs[i], s.stride }

// FailNextFlip makes the next Flip fail with err (a card that went away).
func (s *Screen) FailNextFlip(err error) {
	s.mu.Lock()
	s.failErr = err
	s.mu.Unlock()
}

// Flip queues buffer i to be shown at the next vblank.
func (s *Screen) Flip(i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failErr; err != nil {
		s.failErr = nil
		return fmt.Errorf("drmtest: page flip: %w", err)
	}
	if s.want >= 0 {
		return fmt.Errorf("drmtest: page flip: %w", syscall.EBUSY)
	}
	if !s.Auto {
		s.checkTearing()
	}
	s.want = i
	return nil
}

// Vblank is the display's vertical blank: a queued flip happens now.
// Tests call it; Auto calls it on every WaitFlip.
func (s *Screen) Vblank() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkTearing()
	if s.want < 0 {
		return
	}
	s.front, s.want = s.want, -1
	s.shown = slices.Clone(s.bufs[s.front])
	s.flips++
	select {
	case s.vblank <- struct{}{}:
	default:
	}
}

// checkTearing notes whether the front buffer changed while on screen.
func (s *Screen) checkTearing() {
	if !slices.Equal(s.shown, s.bufs[s.front]) {
		s.torn = true
	}
}

// WaitFlip waits for the vblank that carries out the pending flip. With no
// flip pending it returns at once.
func (s *Screen) WaitFlip() error {
	if s.Auto {
		s.mu.Lock()
		if s.want >= 0 {
			s.front, s.want = s.want, -1
			s.flips++
		}
		s.mu.Unlock()
		return nil
	}
	for {
		s.mu.Lock()
		pending := s.want >= 0
		s.mu.Unlock()
		if !pending {
			return nil
		}
		<-s.vblank
	}
}

// Close does nothing; the twin holds no kernel state.
func (s *Screen) Close() error { return nil }

// Flips counts the flips that happened.
func (s *Screen) Flips() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flips
}

// Torn reports whether a buffer was drawn into while it was on screen.
func (s *Screen) Torn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkTearing()
	return s.torn
}

// Shown is the picture on the screen, as the citizen sees it.
func (s *Screen) Shown() *image.RGBA {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := image.NewRGBA(image.Rectangle{Max: s.size})
	for y := range s.size.Y {
		for x := range s.size.X {
			p := s.shown[y*s.stride+4*x:]
			img.SetRGBA(x, y, color.RGBA{p[2], p[1], p[0], 255})
		}
	}
	return img
}
