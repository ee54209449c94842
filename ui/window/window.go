//go:build cgo

// Package window shows rendered frames in a GLFW window and reports touches
// and keys.
//
// A Window satisfies the presenter interface the UI holds:
//
//	interface{ Present(frame *image.RGBA, dirty []image.Rectangle) error }
//
// Only the dirty rectangles are uploaded to one OpenGL texture, which is
// drawn as a single quad, letterboxed when the window's aspect ratio differs
// from the frame's. GLFW must run on the process's main OS thread, so the
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
	"image/draw"
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// ErrNoDisplay reports that there is no display server to open a window on.
var ErrNoDisplay = errors.New("no display: set DISPLAY or run with --headless")

// ErrClosed reports use of a window whose Run loop has returned.
var ErrClosed = errors.New("window: closed")

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
}

// Stats counts the work done by the draw loop.
type Stats struct {
	Frames         int64 // frames drawn with new pixels
	UploadedPixels int64 // pixels copied into the texture
}

// Window is a GLFW window presenting frames. Present, Close, Snapshot and
// Stats may be called from any goroutine; Open and Run only from the main
// OS thread.
type Window struct {
	glw *glfw.Window

	mu      sync.Mutex
	frame   *image.RGBA       // the window's own copy of the presented pixels
	dirty   []image.Rectangle // parts of frame not yet uploaded
	calls   []func()          // work queued for the main loop
	closing bool              // Close was called
	done    bool              // Run has returned and GLFW is terminated

	exited           chan struct{} // closed when Run returns
	frames, uploaded atomic.Int64

	// Owned by the main loop.
	tex   image.Point     // size of the texture, i.e. of the frame on screen
	view  image.Rectangle // where the frame is drawn in the framebuffer
	stale bool            // the framebuffer needs redrawing
}

// Open creates the window with a GL 2.1 context and shows a black frame.
// It must be called on the main OS thread. Without a display server it
// returns an error wrapping ErrNoDisplay.
func Open(opts Options) (*Window, error) {
	if opts.Width <= 0 || opts.Height <= 0 {
		return nil, fmt.Errorf("window: invalid frame size %dx%d", opts.Width, opts.Height)
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
	glw.MakeContextCurrent()
	glfw.SwapInterval(1)
	if opts.HideCursor {
		glw.SetInputMode(glfw.CursorMode, glfw.CursorHidden)
	}
	glSetup()
	frame := image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height))
	return &Window{
		glw:    glw,
		frame:  frame,
		dirty:  []image.Rectangle{frame.Rect},
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
	glfw.WindowHint(glfw.ContextVersionMajor, 2)
	glfw.WindowHint(glfw.ContextVersionMinor, 1)
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
		return nil, fmt.Errorf("create %dx%d GL 2.1 window: %w", width, height, err)
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
	if w.frame.Rect.Size() != b.Size() {
		w.frame = image.NewRGBA(image.Rectangle{Max: b.Size()})
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
		dst := r.Sub(b.Min)
		draw.Draw(w.frame, dst, frame, r.Min, draw.Src)
		w.dirty = append(w.dirty, dst)
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
// when the window is closed by the user or by Close, after sending Closed
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
	for !w.glw.ShouldClose() && !w.isClosing() {
		w.step()
		glfw.WaitEvents()
	}
	q.push(Input{Kind: Closed})

	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.glw.Destroy()
	glfw.Terminate()
	close(w.exited)
	return nil
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

func (w *Window) toFrame(x, y float64) image.Point {
	ww, wh := w.glw.GetSize()
	fw, fh := w.glw.GetFramebufferSize()
	return toFrame(x, y, image.Pt(ww, wh), image.Pt(fw, fh), w.view, w.tex)
}

func (w *Window) isClosing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closing
}

// step uploads what was presented since the last step, redraws if needed,
// then runs queued calls, which therefore see every frame presented before
// they were queued.
func (w *Window) step() {
	w.mu.Lock()
	uploaded := w.upload()
	calls := w.calls
	w.calls = nil
	w.mu.Unlock()

	if uploaded || w.stale {
		fw, fh := w.glw.GetFramebufferSize()
		fb := image.Pt(fw, fh)
		w.view = letterbox(fb, w.tex)
		glRender(fb, w.view)
		w.glw.SwapBuffers()
		w.stale = false
	}
	if uploaded {
		w.frames.Add(1)
	}
	for _, f := range calls {
		f()
	}
}

// upload copies the dirty rectangles into the texture, reallocating it
// first if the frame size changed. w.mu must be held.
func (w *Window) upload() bool {
	if size := w.frame.Rect.Size(); size != w.tex {
		glAllocTexture(size)
		w.tex = size
		w.dirty = append(w.dirty[:0], w.frame.Rect)
	}
	for _, r := range w.dirty {
		glUpload(w.frame, r)
		w.uploaded.Add(int64(r.Dx() * r.Dy()))
	}
	uploaded := len(w.dirty) > 0
	w.dirty = w.dirty[:0]
	return uploaded
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
// letterbox bars, read back from GL.
func (w *Window) Snapshot() (*image.RGBA, error) {
	var img *image.RGBA
	err := w.do(func() {
		fw, fh := w.glw.GetFramebufferSize()
		img = glSnapshot(image.Pt(fw, fh), w.view)
	})
	if err != nil {
		return nil, fmt.Errorf("window: snapshot: %w", err)
	}
	return img, nil
}

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
