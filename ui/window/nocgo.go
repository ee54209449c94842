//go:build !cgo

package window

import (
	"errors"
	"image"
)

// ErrNoDisplay reports that there is no display server to open a window on.
var ErrNoDisplay = errors.New("no display: set DISPLAY or run with --headless")

// ErrNoWindow reports a build without cgo, which has no GLFW: such a
// binary presents through DRM/KMS (--presenter drm) or headless.
var ErrNoWindow = errors.New("this build has no window (built without cgo): use --presenter drm or --headless")

// Options configures Open.
type Options struct {
	Title         string
	Width, Height int
	Fullscreen    bool
	HideCursor    bool
}

// Window is never opened in a build without cgo.
type Window struct{}

// Open always fails in a build without cgo.
func Open(Options) (*Window, error) { return nil, ErrNoWindow }

func (*Window) Present(*image.RGBA, []image.Rectangle) error { return ErrNoWindow }
func (*Window) Run(chan<- Input) error                       { return ErrNoWindow }
func (*Window) Close() error                                 { return nil }
