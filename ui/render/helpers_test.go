package render

import (
	"image"
	"image/color"
	"testing"
)

var (
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	black = color.RGBA{0, 0, 0, 0xff}
	red   = color.RGBA{0xff, 0, 0, 0xff}
)

// canvas returns a w×h image filled with bg.
func canvas(w, h int, bg color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	FillRect(img, img.Bounds(), bg)
	return img
}

// inked returns the bounding box of the pixels of img that differ from bg,
// and how many there are.
func inked(img *image.RGBA, bg color.RGBA) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) != bg {
				box = box.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return box, n
}

// face returns the default font at px pixels.
func face(t testing.TB, px float64) *Face {
	t.Helper()
	return DefaultFont().Face(px)
}
