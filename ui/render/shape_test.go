package render

import (
	"image"
	"image/color"
	"testing"
)

func TestFillRectClipsAndBlends(t *testing.T) {
	img := canvas(40, 30, white)
	FillRect(img, image.Rect(-10, -10, 20, 15), color.RGBA{0, 0, 0, 0x80}) // half-transparent black
	if got := img.RGBAAt(5, 5); got.R < 0x7a || got.R > 0x84 || got.A != 0xff {
		t.Errorf("50%% black over white = %v, want opaque grey about 0x7f", got)
	}
	if got := img.RGBAAt(20, 15); got != white {
		t.Errorf("pixel outside the rectangle = %v, want white", got)
	}
	FillRect(img, image.Rect(30, 20, 100, 100), red)
	if got := img.RGBAAt(39, 29); got != red {
		t.Errorf("opaque fill at the image corner = %v, want red", got)
	}
}

func TestFillRoundRectHasSmoothCornersAndSolidInside(t *testing.T) {
	img := canvas(200, 120, white)
	r := image.Rect(20, 20, 180, 100)
	FillRoundRect(img, r, 24, red)

	if got := img.RGBAAt(20, 20); got != white {
		t.Errorf("outer corner pixel = %v, want white (rounded off)", got)
	}
	for _, p := range []image.Point{{100, 60}, {20, 60}, {179, 60}, {100, 20}, {100, 99}, {30, 30}} {
		if got := img.RGBAAt(p.X, p.Y); got != red {
			t.Errorf("pixel %v = %v, want solid red", p, got)
		}
	}
	if got := img.RGBAAt(19, 60); got != white {
		t.Errorf("pixel left of the rectangle = %v, want white", got)
	}
	// Along each corner's arc some pixels are partly covered.
	corners := []image.Rectangle{
		image.Rect(20, 20, 44, 44), image.Rect(156, 20, 180, 44),
		image.Rect(20, 76, 44, 100), image.Rect(156, 76, 180, 100),
	}
	for _, c := range corners {
		partial := 0
		for y := c.Min.Y; y < c.Max.Y; y++ {
			for x := c.Min.X; x < c.Max.X; x++ {
				if g := img.RGBAAt(x, y).G; g > 0x10 && g < 0xf0 {
					partial++
				}
			}
		}
		if partial < 10 {
			t.Errorf("corner %v has %d partly covered pixels, want an anti-aliased arc", c, partial)
		}
	}
}

func TestStrokeRoundRectDrawsOnlyTheOutline(t *testing.T) {
	img := canvas(200, 120, white)
	r := image.Rect(20, 20, 180, 100)
	StrokeRoundRect(img, r, 16, 3, black)
	for _, p := range []image.Point{{100, 20}, {100, 22}, {20, 60}, {179, 60}, {100, 99}} {
		if got := img.RGBAAt(p.X, p.Y); got != black {
			t.Errorf("outline pixel %v = %v, want black", p, got)
		}
	}
	for _, p := range []image.Point{{100, 23}, {100, 60}, {23, 60}, {20, 20}, {100, 100}} {
		if got := img.RGBAAt(p.X, p.Y); got != white {
			t.Errorf("pixel %v off the outline = %v, want white", p, got)
		}
	}
	box, _ := inked(img, white)
	if box != r {
		t.Errorf("outline inked %v, want exactly %v", box, r)
	}
}

func TestShapesClipToTheImage(t *testing.T) {
	img := canvas(50, 50, white)
	FillRoundRect(img, image.Rect(-30, -30, 30, 30), 20, red)
	StrokeRoundRect(img, image.Rect(20, 20, 90, 90), 20, 4, black)
	if got := img.RGBAAt(0, 0); got != red {
		t.Errorf("clipped fill at (0,0) = %v, want red", got)
	}
	if got := img.RGBAAt(49, 22); got != black {
		t.Errorf("clipped outline at (49,22) = %v, want black", got)
	}
}
