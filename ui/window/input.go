package window

import (
	"image"
	"math"
	"sync"
)

// InputKind says what an Input reports.
type InputKind int

const (
	PointerDown InputKind = iota // a touch or left mouse button went down
	PointerUp                    // the touch or left mouse button was released
	PointerMove                  // the pointer moved
	Key                          // a key was pressed
	Closed                       // the window closed; no input follows
)

// Input is a pointer or key event from the window.
type Input struct {
	Kind InputKind
	X, Y int    // pointer position in frame pixels, top-left origin
	Key  string // "A"…"Z", "0"…"9", "F1"…"F25", "Escape", "Enter", "Space", …
}

// inputQueue hands inputs to the caller's channel from its own goroutine so
// that a slow reader never stalls the GL loop. While the reader is behind,
// consecutive pointer moves collapse into the latest; other inputs are kept.
type inputQueue struct {
	mu      sync.Mutex
	pending []Input
	wake    chan struct{}
}

func newInputQueue(out chan<- Input) *inputQueue {
	q := &inputQueue{wake: make(chan struct{}, 1)}
	go q.forward(out)
	return q
}

func (q *inputQueue) push(in Input) {
	q.mu.Lock()
	if n := len(q.pending); in.Kind == PointerMove && n > 0 && q.pending[n-1].Kind == PointerMove {
		q.pending[n-1] = in
	} else {
		q.pending = append(q.pending, in)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// forward delivers queued inputs in order and returns after delivering Closed.
func (q *inputQueue) forward(out chan<- Input) {
	for range q.wake {
		q.mu.Lock()
		batch := q.pending
		q.pending = nil
		q.mu.Unlock()
		for _, in := range batch {
			out <- in
			if in.Kind == Closed {
				return
			}
		}
	}
}

// letterbox returns the largest rectangle with frame's aspect ratio centred
// in a framebuffer of size fb.
func letterbox(fb, frame image.Point) image.Rectangle {
	if fb.X*frame.Y > fb.Y*frame.X { // framebuffer is wider: bars left and right
		w := frame.X * fb.Y / frame.Y
		x := (fb.X - w) / 2
		return image.Rect(x, 0, x+w, fb.Y)
	}
	h := frame.Y * fb.X / frame.X
	y := (fb.Y - h) / 2
	return image.Rect(0, y, fb.X, y+h)
}

// toFrame maps a cursor position in window coordinates (win wide and high,
// backed by a framebuffer of size fb showing the frame in view) to frame
// pixels, clamped to the frame so touches on the bars land on its edge.
func toFrame(x, y float64, win, fb image.Point, view image.Rectangle, frame image.Point) image.Point {
	if win.X == 0 || win.Y == 0 || view.Empty() {
		return image.Point{}
	}
	fx := x * float64(fb.X) / float64(win.X)
	fy := y * float64(fb.Y) / float64(win.Y)
	px := (fx - float64(view.Min.X)) * float64(frame.X) / float64(view.Dx())
	py := (fy - float64(view.Min.Y)) * float64(frame.Y) / float64(view.Dy())
	return image.Pt(clamp(px, frame.X-1), clamp(py, frame.Y-1))
}

func clamp(v float64, max int) int {
	return int(math.Max(0, math.Min(math.Floor(v), float64(max))))
}
