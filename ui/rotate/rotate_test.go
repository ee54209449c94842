package rotate

import (
	"image"
	"image/color"
	"testing"
)

type keep struct {
	frame *image.RGBA
	dirty []image.Rectangle
}

func (k *keep) Present(f *image.RGBA, d []image.Rectangle) error {
	k.frame, k.dirty = f, d
	return nil
}

var logical = image.Pt(1280, 800)

// A button drawn at the top-left of the upright picture appears where the
// rotated panel shows it, and a touch there comes back to the button.
func TestPictureAndTouchTurnTogether(t *testing.T) {
	button := image.Rect(40, 60, 200, 140)
	for _, deg := range []int{0, 90, 180, 270} {
		r, err := Parse(deg)
		if err != nil {
			t.Fatal(err)
		}
		frame := image.NewRGBA(image.Rectangle{Max: logical})
		red := color.RGBA{255, 0, 0, 255}
		for y := button.Min.Y; y < button.Max.Y; y++ {
			for x := button.Min.X; x < button.Max.X; x++ {
				frame.SetRGBA(x, y, red)
			}
		}
		k := &keep{}
		p := New(k, r, logical)
		if err := p.Present(frame, []image.Rectangle{button}); err != nil {
			t.Fatal(err)
		}
		if k.frame.Rect.Size() != r.Size(logical) {
			t.Fatalf("%d: panel %v", deg, k.frame.Rect)
		}
		onPanel := r.Rect(button, logical)
		if len(k.dirty) != 1 || k.dirty[0] != onPanel {
			t.Fatalf("%d: dirty %v, want %v", deg, k.dirty, onPanel)
		}
		// Every panel pixel of the rectangle is red, one outside is not.
		for y := onPanel.Min.Y; y < onPanel.Max.Y; y++ {
			for x := onPanel.Min.X; x < onPanel.Max.X; x++ {
				if k.frame.RGBAAt(x, y) != red {
					t.Fatalf("%d: panel pixel %d,%d not drawn", deg, x, y)
				}
			}
		}
		if k.frame.RGBAAt(onPanel.Max.X, onPanel.Max.Y) == red {
			t.Fatalf("%d: drew outside the button", deg)
		}
		// A finger in the middle of the button on the panel hits the button.
		mid := onPanel.Min.Add(onPanel.Size().Div(2))
		if got := r.FromPanel(mid, logical); !got.In(button) {
			t.Fatalf("%d: touch at panel %v → logical %v, outside %v", deg, mid, got, button)
		}
	}
}

func TestFromPanelUndoesToPanel(t *testing.T) {
	for _, r := range []Rotation{0, 90, 180, 270} {
		for _, p := range []image.Point{{0, 0}, {1279, 0}, {0, 799}, {1279, 799}, {640, 123}} {
			if back := r.FromPanel(r.ToPanel(p, logical), logical); back != p {
				t.Fatalf("%d: %v → %v", r, p, back)
			}
		}
	}
	if _, err := Parse(45); err == nil {
		t.Fatal("45° accepted")
	}
}
