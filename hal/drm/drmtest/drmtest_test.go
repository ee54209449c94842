package drmtest

import (
	"errors"
	"syscall"
	"testing"
)

// The twin refuses what the kernel refuses and notices what a citizen
// would see: a second flip before the vblank is EBUSY, and drawing into
// the buffer on screen is tearing.
func TestTwinFailsLikeTheCard(t *testing.T) {
	s := New(8, 8)
	if err := s.Flip(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Flip(0); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("second flip before vblank: %v, want EBUSY", err)
	}
	s.Vblank()
	if s.Flips() != 1 || s.Torn() {
		t.Fatalf("flips %d torn %v", s.Flips(), s.Torn())
	}
	pix, _ := s.Buffer(1) // on screen now
	pix[0] = 0xff
	if !s.Torn() {
		t.Fatal("drawing into the shown buffer went unnoticed")
	}
}
