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

// The presenters Options.Presenter names.
const (
	PresenterSHM = "shm"
	PresenterGL  = "gl"
)

// Presenters lists the presenters, the default first.
var Presenters = []string{PresenterSHM, PresenterGL}

// Options configures Open.
type Options struct {
	Title         string
	Width, Height int
	Fullscreen    bool
	HideCursor    bool
	Presenter     string
	NoSHM         bool
}

// ErrClosed reports use of a window whose Run loop has returned.
var ErrClosed = errors.New("window: closed")

// Stats counts the work done by the draw loop.
type Stats struct {
	Frames         int64
	UploadedPixels int64
}

// Window is never opened in a build without cgo.
type Window struct{}

// Open always fails in a build without cgo.
func Open(Options) (*Window, error) { return nil, ErrNoWindow }

func (*Window) Present(*image.RGBA, []image.Rectangle) error { return ErrNoWindow }
func (*Window) Run(chan<- Input) error                       { return ErrNoWindow }
func (*Window) Close() error                                 { return nil }
func (*Window) Presenter() string                            { return "" }
func (*Window) Snapshot() (*image.RGBA, error)               { return nil, ErrNoWindow }
func (*Window) Stats() Stats                                 { return Stats{} }
