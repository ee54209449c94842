//go:build cgo

// Package window shows rendered frames in a GLFW window and reports touches
// and keys.
//
// A Window satisfies the presenter interface the UI holds:
//
//	interface{ Present(frame *image.RGBA, dirty []image.Rectangle) error }
//
// Two presenters put the dirty rectangles on the screen, letterboxed when
// the window's aspect ratio differs from the frame's:
//
//   - shm (the default) converts them to the X visual's pixels in a shared
//     memory segment and sends XShmPutImage (core PutImage where the server
//     refuses MIT-SHM); the window has no GL context, so Mesa is never loaded.
//   - gl uploads them to one OpenGL texture drawn as a single quad.
//
// GLFW must run on the process's main OS thread, so the
// program locks it in an init function:
//
//	func init() { runtime.LockOSThread() }
//
// then calls Open and Run from main, and presents from other goroutines.
// One Window may be open at a time.
package window

import (
	"errors"
	"fmt"
	"image"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-gl/glfw/v3.3/glfw"
	"github.com/jezek/xgb/xproto"
)

// ErrNoDisplay reports that there is no display server to open a window on.
var ErrNoDisplay = errors.New("no display: set DISPLAY or run with --headless")

// ErrClosed reports use of a window whose Run loop has returned.
var ErrClosed = errors.New("window: closed")

// The presenters Options.Presenter names.
const (
	PresenterSHM = "shm"
	PresenterGL  = "gl"
)

// Presenters lists the presenters, the default first.
var Presenters = []string{PresenterSHM, PresenterGL}

// maxDirty bounds the rectangles queued between two drawn frames; beyond it
// they are merged into their bounding rectangle.
const maxDirty = 32

// Options configures Open.
type Options struct {
	Title string
	// Width and Height are the frame size, and the window size unless
	// Fullscreen. Frames of another size may be presented later.
	Width, Height int
	// Fullscreen covers the primary monitor in its current video mode.
	Fullscreen bool
	// HideCursor hides the pointer over the window, as touch kiosks want.
	HideCursor bool
	// Presenter is PresenterSHM or PresenterGL; "" is PresenterSHM.
	Presenter string
	// NoSHM makes the shm presenter send core PutImage requests, as it does
	// by itself when the X server refuses shared memory.
	NoSHM bool
}

// Stats counts the work done by the draw loop.
type Stats struct {
	Frames         int64 // frames drawn with new pixels
	UploadedPixels int64 // frame pixels sent towards the screen
}

// drawer keeps the window's own copy of the frame and puts it on the
// screen. The window's lock is held for keep and load; all but keep are
// called by the main loop.
type drawer interface {
	// keep copies rectangle r of frame into the kept frame, at
	// r.Sub(frame.Rect.Min), first resizing the kept frame to frame's size.
	keep(frame *image.RGBA, r image.Rectangle)
	// load readies the kept frame's dirty rectangles for a framebuffer of
	// size fb showing the frame in view. resized says fb or the frame size
	// changed since the last load; dirty then covers the frame.
	load(dirty []image.Rectangle, fb image.Point, view image.Rectangle, resized bool)
	// show puts what was loaded on the screen and returns once it is
	// there; all redraws the whole framebuffer, bars included.
	show(all bool) error
	// snapshot returns what the screen shows of the framebuffer.
	snapshot() (*image.RGBA, error)
	// name says which presenter this is and how it reaches the screen.
	name() string
	close()
}

// Window is a GLFW window presenting frames. Present, Close, Snapshot and
// Stats may be called from any goroutine; Open and Run only from the main
// OS thread.
type Window struct {
	glw *glfw.Window
	d   drawer

	mu      sync.Mutex
	size    image.Point       // size of the presented frame
	dirty   []image.Rectangle // parts of the kept frame not yet shown
	calls   []func()          // work queued for the main loop
	closing bool              // Close was called
	done    bool              // Run has returned and GLFW is terminated

	exited           chan struct{} // closed when Run returns
	frames, uploaded atomic.Int64

	// Owned by the main loop.
	shown image.Point     // size of the frame on screen
	fb    image.Point     // size of the framebuffer it is shown in
	view  image.Rectangle // where the frame is drawn in the framebuffer
	stale bool            // the framebuffer needs redrawing
	err   error           // the drawer failed; Run returns it
}

// Open creates the window for its presenter (the gl one with a GL 2.1
// context) and shows a black frame. It must be called on the main OS
// thread. Without a display server it returns an error wrapping
// ErrNoDisplay.
func Open(opts Options) (*Window, error) {
	if opts.Width <= 0 || opts.Height <= 0 {
		return nil, fmt.Errorf("window: invalid frame size %dx%d", opts.Width, opts.Height)
	}
	if opts.Presenter == "" {
		opts.Presenter = PresenterSHM
	}
	if !slices.Contains(Presenters, opts.Presenter) {
		return nil, fmt.Errorf("window: unknown presenter %q (want one of %s)", opts.Presenter, strings.Join(Presenters, ", "))
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	if !glfwReady() {
		return nil, fmt.Errorf("%w: GLFW could not open display %q", ErrNoDisplay, os.Getenv("DISPLAY"))
	}
	glw, err := create(opts)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("window: %w", err)
	}
	if opts.HideCursor {
		glw.SetInputMode(glfw.CursorMode, glfw.CursorHidden)
	}
	size := image.Pt(opts.Width, opts.Height)
	var d drawer
	if opts.Presenter == PresenterGL {
		d = newGLDrawer(glw, size)
	} else if d, err = newXDrawer(xproto.Window(glw.GetX11Window()), size, !opts.NoSHM); err != nil {
		glw.Destroy()
		glfw.Terminate()
		return nil, fmt.Errorf("window: %w", err)
	}
	return &Window{
		glw:    glw,
		d:      d,
		size:   size,
		dirty:  []image.Rectangle{{Max: size}},
		exited: make(chan struct{}),
		stale:  true,
	}, nil
}

// glfwReady reports whether glfw.Init reached a display server. go-gl's Init
// logs platform errors instead of returning them, and any later GLFW call
// panics when the library is not initialized.
func glfwReady() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	glfw.GetTime()
	return true
}

func create(opts Options) (*glfw.Window, error) {
	glfw.DefaultWindowHints()
	what := "GL 2.1"
	if opts.Presenter == PresenterGL {
		glfw.WindowHint(glfw.ContextVersionMajor, 2)
		glfw.WindowHint(glfw.ContextVersionMinor, 1)
	} else {
		// No context: GLFW then never loads a GL driver.
		glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
		what = "X11 (no GL)"
	}
	width, height := opts.Width, opts.Height
	var monitor *glfw.Monitor
	if opts.Fullscreen {
		if monitor = glfw.GetPrimaryMonitor(); monitor == nil {
			return nil, errors.New("fullscreen: no monitor found")
		}
		mode := monitor.GetVideoMode()
		width, height = mode.Width, mode.Height
		glfw.WindowHint(glfw.RefreshRate, mode.RefreshRate)
	}
	glw, err := glfw.CreateWindow(width, height, opts.Title, monitor, nil)
	if err == nil && glw == nil {
		err = errors.New("GLFW platform error (logged above)")
	}
	if err != nil {
		return nil, fmt.Errorf("create %dx%d %s window: %w", width, height, what, err)
	}
	return glw, nil
}

// Present copies the dirty rectangles of frame (all of it when dirty is nil
// or the frame size changed) and queues them for drawing. It returns without
// waiting for the draw; the caller may reuse frame at once.
func (w *Window) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	b := frame.Bounds()
	if b.Empty() {
		return errors.New("window: present: empty frame")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return ErrClosed
	}
	if w.size != b.Size() {
		w.size = b.Size()
		w.dirty = nil
		dirty = nil
	}
	if dirty == nil {
		dirty = []image.Rectangle{b}
	}
	for _, r := range dirty {
		if r = r.Intersect(b); r.Empty() {
			continue
		}
		w.d.keep(frame, r)
		w.dirty = append(w.dirty, r.Sub(b.Min))
	}
	if len(w.dirty) > maxDirty {
		union := image.Rectangle{}
		for _, r := range w.dirty {
			union = union.Union(r)
		}
		w.dirty = append(w.dirty[:0], union)
	}
	glfw.PostEmptyEvent()
	return nil
}

// Run is the main loop: it waits for window events without polling, sends
// pointer and key input to inputs, and draws presented frames. It returns
// when the window is closed by the user or by Close, or with the error when
// a frame cannot be drawn (the X server refused it), after sending Closed
// and releasing the window. It must be called on the main OS thread.
// Inputs are queued, never blocking the loop; the caller should read them
// until Closed.
func (w *Window) Run(inputs chan<- Input) error {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return ErrClosed
	}
	w.mu.Unlock()

	q := newInputQueue(inputs)
	w.listen(q)
	for !w.glw.ShouldClose() && !w.isClosing() && w.err == nil {
		w.step()
		if w.err == nil {
			glfw.WaitEvents()
		}
	}
	q.push(Input{Kind: Closed})

	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.d.close()
	w.glw.Destroy()
	glfw.Terminate()
	close(w.exited)
	return w.err
}

// listen routes window events to q and marks the framebuffer stale when it
// must be redrawn.
func (w *Window) listen(q *inputQueue) {
	pointer := func(kind InputKind) {
		x, y := w.glw.GetCursorPos()
		p := w.toFrame(x, y)
		q.push(Input{Kind: kind, X: p.X, Y: p.Y})
	}
	w.glw.SetMouseButtonCallback(func(_ *glfw.Window, b glfw.MouseButton, a glfw.Action, _ glfw.ModifierKey) {
		if b != glfw.MouseButtonLeft { // touchscreens emulate the left button
			return
		}
		switch a {
		case glfw.Press:
			pointer(PointerDown)
		case glfw.Release:
			pointer(PointerUp)
		}
	})
	w.glw.SetCursorPosCallback(func(*glfw.Window, float64, float64) { pointer(PointerMove) })
	w.glw.SetKeyCallback(func(_ *glfw.Window, k glfw.Key, _ int, a glfw.Action, _ glfw.ModifierKey) {
		if name := keyName(k); a == glfw.Press && name != "" {
			q.push(Input{Kind: Key, Key: name})
		}
	})
	w.glw.SetFramebufferSizeCallback(func(*glfw.Window, int, int) { w.stale = true })
	w.glw.SetRefreshCallback(func(*glfw.Window) { w.stale = true })
}

func framebufferSize(glw *glfw.Window) image.Point {
	fw, fh := glw.GetFramebufferSize()
	return image.Pt(fw, fh)
}

func (w *Window) toFrame(x, y float64) image.Point {
	ww, wh := w.glw.GetSize()
	fw, fh := w.glw.GetFramebufferSize()
	return toFrame(x, y, image.Pt(ww, wh), image.Pt(fw, fh), w.view, w.shown)
}

func (w *Window) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// step shows what was presented since the last step, redraws if needed,
// then runs queued calls, which therefore see every frame presented before
// they were queued.
func (w *Window) step() {
	fb := framebufferSize(w.glw)

	w.mu.Lock()
	resized := w.size != w.shown || fb != w.fb
	if resized {
		w.shown, w.fb = w.size, fb
		w.view = letterbox(fb, w.size)
		w.dirty = append(w.dirty[:0], image.Rectangle{Max: w.size})
		w.stale = true
	}
	w.d.load(w.dirty, fb, w.view, resized)
	for _, r := range w.dirty {
		w.uploaded.Add(int64(r.Dx() * r.Dy()))
	}
	uploaded := len(w.dirty) > 0
	w.dirty = w.dirty[:0]
	calls := w.calls
	w.calls = nil
	w.mu.Unlock()

	if uploaded || w.stale {
		if err := w.d.show(w.stale); err != nil {
			w.err = fmt.Errorf("window: %s: %w", w.d.name(), err)
		}
		w.stale = false
	}
	if uploaded {
		w.frames.Add(1)
	}
	for _, f := range calls {
		f()
	}
}

// Close makes Run return. It does not wait; Run releases the window.
func (w *Window) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.closing = true
		glfw.PostEmptyEvent()
	}
	return nil
}

// Snapshot returns what the window shows at framebuffer size, including any
// letterbox bars: read back from GL, or from the X server for shm.
func (w *Window) Snapshot() (*image.RGBA, error) {
	var img *image.RGBA
	var serr error
	err := w.do(func() { img, serr = w.d.snapshot() })
	if err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("window: snapshot: %w", err)
	}
	return img, nil
}

// Presenter names the presenter and, for shm, how frames reach the X
// server, e.g. "shm (MIT-SHM)" or "shm (core PutImage: …)". Call it where
// Open and Run are called, not while Run runs.
func (w *Window) Presenter() string { return w.d.name() }

// do runs f on the main loop after the frames presented so far are drawn,
// and waits for it.
func (w *Window) do(f func()) error {
	ran := make(chan struct{})
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return ErrClosed
	}
	w.calls = append(w.calls, func() { f(); close(ran) })
	glfw.PostEmptyEvent()
	w.mu.Unlock()
	select {
	case <-ran:
		return nil
	case <-w.exited:
		return ErrClosed
	}
}

// Stats returns how many frames were drawn and pixels uploaded so far.
func (w *Window) Stats() Stats {
	return Stats{Frames: w.frames.Load(), UploadedPixels: w.uploaded.Load()}
}
