package main

import (
	"context"
	"fmt"
	"image"

	"onetrip/boards"
	"onetrip/firmware/kiosk"
	"onetrip/hal/drm"
	"onetrip/hal/evdev"
	"onetrip/ui/kms"
	"onetrip/ui/rotate"
)

// Where the kernel puts DRM cards and input devices.
const (
	driDir   = "/dev/dri"
	inputDir = "/dev/input"
)

// wantsDRM reports whether frames go to the display directly: asked for
// with --presenter drm, or the board's choice when the flag is not given.
func wantsDRM(f Flags, b *boards.Board) bool {
	return !f.Headless && (f.Presenter == "drm" || f.Presenter == "" && b.Display.Presenter == "drm")
}

// runDRM shows the kiosk on the display itself (no desktop) and reads the
// touchscreen from evdev, until ctx ends.
func (s *system) runDRM(ctx context.Context, f Flags) error {
	card, err := drm.Find(driDir)
	if err != nil {
		return &configError{fmt.Errorf("%w (to run in a window on a desktop: --presenter shm)", err)}
	}
	panel := s.rot.Size(logical)
	if sz := card.Size(); sz.X < panel.X || sz.Y < panel.Y {
		card.Close()
		return &configError{fmt.Errorf("display mode %v is smaller than the board %s's %dx%d panel", card.Mode(), s.board.Name, panel.X, panel.Y)}
	}
	s.log.Info("display taken", "mode", card.Mode().String(), "presenter", "drm", "touch", s.board.Display.Touch)
	s.first.set(rotate.New(kms.New(card), s.rot, logical))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	touched := make(chan struct{})
	if s.board.Display.Touch == "evdev" {
		go func() {
			defer close(touched)
			evdev.Run(ctx, s.openTouch, s.touchInput(card.Size()), s.log)
		}()
	} else {
		close(touched)
	}
	err = s.k.Run(ctx)
	cancel()
	<-touched
	if cerr := card.Close(); err == nil {
		err = cerr
	}
	return err
}

// openTouch opens the board's touch device, or the first touchscreen.
func (s *system) openTouch() (evdev.Device, error) {
	if dev := s.board.Display.TouchDevice; dev != "" {
		return evdev.Open(dev)
	}
	return evdev.Find(inputDir)
}

// touchInput turns touches into kiosk input at the logical pixel under
// the finger (see kms.TouchMap).
func (s *system) touchInput(mode image.Point) func(evdev.Touch, evdev.Info) {
	m := kms.TouchMap{Mode: mode, Rot: s.rot, Logical: logical}
	d := s.board.Display
	if len(d.TouchX) == 2 {
		m.X = &evdev.Axis{Min: int32(d.TouchX[0]), Max: int32(d.TouchX[1])}
	}
	if len(d.TouchY) == 2 {
		m.Y = &evdev.Axis{Min: int32(d.TouchY[0]), Max: int32(d.TouchY[1])}
	}
	kinds := map[evdev.TouchKind]kiosk.InputKind{evdev.Down: kiosk.PointerDown, evdev.Move: kiosk.PointerMove, evdev.Up: kiosk.PointerUp}
	return func(t evdev.Touch, info evdev.Info) {
		p := m.Point(t.X, t.Y, info)
		s.k.Input(kiosk.Input{Kind: kinds[t.Kind], X: p.X, Y: p.Y})
	}
}
