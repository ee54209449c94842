package kms

import (
	"image"
	"image/color"
	"testing"

	"onetrip/hal/drm/drmtest"
	"onetrip/hal/evdev"
	"onetrip/ui/rotate"
)

// For every rotation, a touch where the panel shows a logical pixel lands
// on that pixel: the touch is turned back exactly as the picture was
// turned. The touchscreen reports 0-4095 on both axes.
func TestTouchLandsWhereThePictureShowsIt(t *testing.T) {
	logical := image.Pt(160, 100)
	info := evdev.Info{X: evdev.Axis{Min: 0, Max: 4095}, Y: evdev.Axis{Min: 0, Max: 4095}}
	marks := []image.Point{{10, 20}, {150, 5}, {0, 99}, {159, 0}, {80, 50}}
	for _, rot := range []rotate.Rotation{0, 90, 180, 270} {
		panel := rot.Size(logical)
		s := drmtest.New(panel.X, panel.Y)
		p := rotate.New(New(s), rot, logical)
		for _, mark := range marks {
			frame := newFrame(logical.X, logical.Y)
			frame.SetRGBA(mark.X, mark.Y, color.RGBA{255, 255, 255, 255})
			if err := p.Present(frame, nil); err != nil {
				t.Fatal(err)
			}
			s.Vblank()
			at, ok := white(s.Shown())
			if !ok {
				t.Fatalf("rotation %d: mark %v not on the screen", rot, mark)
			}
			// The device units at the centre of that panel pixel.
			x := int32((at.X*4095 + (panel.X-1)/2) / (panel.X - 1))
			y := int32((at.Y*4095 + (panel.Y-1)/2) / (panel.Y - 1))
			got := TouchMap{Mode: panel, Rot: rot, Logical: logical}.Point(x, y, info)
			if got != mark {
				t.Errorf("rotation %d: the mark %v shows at panel %v; a touch there lands on %v", rot, mark, at, got)
			}
		}
	}
}

func white(img *image.RGBA) (image.Point, bool) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y).R == 255 {
				return image.Pt(x, y), true
			}
		}
	}
	return image.Point{}, false
}

// The board's calibration wins over the device's range: a panel whose
// touch layer is mounted mirrored left to right says so with its X edges
// reversed, and touches are mirrored back.
func TestCalibrationMirrorsAnAxis(t *testing.T) {
	info := evdev.Info{X: evdev.Axis{Min: 0, Max: 1000}, Y: evdev.Axis{Min: 0, Max: 1000}}
	m := TouchMap{X: &evdev.Axis{Min: 1000, Max: 0}, Mode: image.Pt(101, 101), Logical: image.Pt(101, 101)}
	if got := m.Point(0, 0, info); got != image.Pt(100, 0) {
		t.Errorf("touch at device (0,0) lands on %v, want the right edge (100,0)", got)
	}
	if got := m.Point(250, 1000, info); got != image.Pt(75, 100) {
		t.Errorf("touch at device (250,1000) lands on %v, want (75,100)", got)
	}
	// Beyond the picture (a mode bigger than the panel) clamps to its edge.
	m = TouchMap{Mode: image.Pt(200, 200), Logical: image.Pt(101, 101)}
	if got := m.Point(1000, 1000, info); got != image.Pt(100, 100) {
		t.Errorf("touch beyond the picture lands on %v, want its corner", got)
	}
}
