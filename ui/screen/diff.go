package screen

import (
	"bytes"
	"image"
)

// tile is the granularity of change detection: small enough that pressing a
// button uploads little more than the button, big enough to compare fast.
const tile = 32

// Diff returns the rectangles where b differs from a (same bounds), merged
// per row of tiles so a typical change is a handful of rectangles.
func Diff(a, b *image.RGBA) []image.Rectangle {
	r := a.Bounds()
	var out []image.Rectangle
	for ty := r.Min.Y; ty < r.Max.Y; ty += tile {
		y1 := min(ty+tile, r.Max.Y)
		run := image.Rectangle{}
		for tx := r.Min.X; tx < r.Max.X; tx += tile {
			x1 := min(tx+tile, r.Max.X)
			t := image.Rect(tx, ty, x1, y1)
			if !same(a, b, t) {
				if run.Empty() {
					run = t
				} else {
					run.Max.X = x1
				}
				continue
			}
			if !run.Empty() {
				out = appendMerged(out, run)
				run = image.Rectangle{}
			}
		}
		if !run.Empty() {
			out = appendMerged(out, run)
		}
	}
	return out
}

// appendMerged extends the rectangle above when r continues it exactly.
func appendMerged(out []image.Rectangle, r image.Rectangle) []image.Rectangle {
	for i := len(out) - 1; i >= 0 && out[i].Max.Y >= r.Min.Y; i-- {
		if o := out[i]; o.Max.Y == r.Min.Y && o.Min.X == r.Min.X && o.Max.X == r.Max.X {
			out[i].Max.Y = r.Max.Y
			return out
		}
	}
	return append(out, r)
}

func same(a, b *image.RGBA, r image.Rectangle) bool {
	n := 4 * r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := a.PixOffset(r.Min.X, y)
		if !bytes.Equal(a.Pix[i:i+n], b.Pix[i:i+n]) {
			return false
		}
	}
	return true
}

// CopyRect copies rectangle r of src into dst (same bounds).
func CopyRect(dst, src *image.RGBA, r image.Rectangle) {
	n := 4 * r.Dx()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := dst.PixOffset(r.Min.X, y)
		copy(dst.Pix[i:i+n], src.Pix[i:i+n])
	}
}
