// Package rotate turns the kiosk's picture and its touches together, for
// panels mounted rotated. Screens are always laid out upright (e.g. 1280×800);
// the panel sees them turned clockwise by the board's rotation, and a touch on
// the panel is turned back before hit-testing. Doing both in one place is
// what keeps a rotated kiosk's buttons under the citizen's finger.
package rotate

import (
	"fmt"
	"image"
)

// Rotation is a clockwise turn in degrees: 0, 90, 180 or 270.
type Rotation int

// Parse checks a rotation from a board file or a flag.
func Parse(deg int) (Rotation, error) {
	switch deg {
	case 0, 90, 180, 270:
		return Rotation(deg), nil
	}
	return 0, fmt.Errorf("rotation %d: must be 0, 90, 180 or 270", deg)
}

// Size is the panel size showing a logical picture of size s.
func (r Rotation) Size(s image.Point) image.Point {
	if r == 90 || r == 270 {
		return image.Pt(s.Y, s.X)
	}
	return s
}

// ToPanel maps a logical pixel (its top-left corner) to the panel pixel that
// shows it; s is the logical size.
func (r Rotation) ToPanel(p, s image.Point) image.Point {
	switch r {
	case 90:
		return image.Pt(s.Y-1-p.Y, p.X)
	case 180:
		return image.Pt(s.X-1-p.X, s.Y-1-p.Y)
	case 270:
		return image.Pt(p.Y, s.X-1-p.X)
	}
	return p
}

// FromPanel maps a panel pixel (a touch) back to the logical pixel.
func (r Rotation) FromPanel(q, s image.Point) image.Point {
	switch r {
	case 90:
		return image.Pt(q.Y, s.Y-1-q.X)
	case 180:
		return image.Pt(s.X-1-q.X, s.Y-1-q.Y)
	case 270:
		return image.Pt(s.X-1-q.Y, q.X)
	}
	return q
}

// Rect maps a logical rectangle to the panel rectangle covering it.
func (r Rotation) Rect(rect image.Rectangle, s image.Point) image.Rectangle {
	if rect.Empty() {
		return image.Rectangle{}
	}
	c := image.Rectangle{r.ToPanel(rect.Min, s), r.ToPanel(rect.Max.Sub(image.Pt(1, 1)), s)}.Canon()
	c.Max = c.Max.Add(image.Pt(1, 1))
	return c
}

// Presenter is what shows frames (the GLFW window or the headless one).
type Presenter interface {
	Present(frame *image.RGBA, dirty []image.Rectangle) error
}

// Turned shows upright frames on a rotated panel: it turns only the dirty
// rectangles into its own panel-sized frame and presents those.
type Turned struct {
	r     Rotation
	inner Presenter
	panel *image.RGBA
}

// New wraps inner, which shows a panel of r.Size(logical) pixels.
func New(inner Presenter, r Rotation, logical image.Point) Presenter {
	if r == 0 {
		return inner
	}
	return &Turned{r: r, inner: inner, panel: image.NewRGBA(image.Rectangle{Max: r.Size(logical)})}
}

// Present turns the dirty parts of frame and presents them.
func (t *Turned) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	s := frame.Rect.Size()
	if dirty == nil {
		dirty = []image.Rectangle{frame.Rect}
	}
	out := make([]image.Rectangle, 0, len(dirty))
	for _, d := range dirty {
		d = d.Intersect(frame.Rect)
		for y := d.Min.Y; y < d.Max.Y; y++ {
			src := frame.Pix[frame.PixOffset(d.Min.X, y):]
			for x := 0; x < d.Dx(); x++ {
				q := t.r.ToPanel(image.Pt(d.Min.X+x, y), s)
				o := t.panel.PixOffset(q.X, q.Y)
				copy(t.panel.Pix[o:o+4], src[4*x:4*x+4])
			}
		}
		out = append(out, t.r.Rect(d, s))
	}
	return t.inner.Present(t.panel, out)
}
