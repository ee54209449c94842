// Package screentest compares rendered screens with reviewed golden PNGs,
// for every terminal's screen tests.
package screentest

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Golden compares img with testdata/golden/NAME.png of the calling
// package; with update it rewrites that file instead (look at the new
// picture before committing it). On a difference it writes the picture it
// got and a diff, red where pixels differ, to the temporary directory.
func Golden(t testing.TB, name string, img *image.RGBA, update bool) {
	t.Helper()
	file := filepath.Join("testdata", "golden", name+".png")
	if update {
		WritePNG(t, file, img)
		return
	}
	want := ReadPNG(t, file)
	if diff, n := Compare(want, img); n > MaxPixels {
		wd, _ := os.Getwd()
		out := filepath.Join(os.TempDir(), "onetrip-golden", filepath.Base(wd)+"-"+name)
		WritePNG(t, out+"-got.png", img)
		WritePNG(t, out+"-diff.png", diff)
		t.Errorf("%s differs in %d pixels (by more than %d levels; at most %d may); see %s-got.png and %s-diff.png",
			file, n, Tolerance, MaxPixels, out, out)
	}
}

// The goldens are drawn by the same code as the screens, so they match
// exactly where they were made; the slack is for another machine's float
// arithmetic (fused multiply-add on ARM) moving an antialiased edge by a
// level or two. It is kept well below what a real change makes: one digit
// changed at 20 px ("A001" → "A007", "C003" → "C008") alters 50–100
// pixels by more than Tolerance, a label of a few glyphs several hundred.
const (
	// Tolerance is how many levels (of 255) a channel may be off and the
	// pixel still count as equal.
	Tolerance = 16
	// MaxPixels is how many pixels of a screen, whatever its size, may be
	// off by more than Tolerance.
	MaxPixels = 16
)

// Compare counts pixels differing by more than Tolerance in any channel and
// paints them red.
func Compare(want image.Image, got *image.RGBA) (*image.RGBA, int) {
	diff := image.NewRGBA(got.Bounds())
	if want.Bounds() != got.Bounds() {
		return diff, len(got.Pix) / 4
	}
	n := 0
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			r, g, b, _ := want.At(x, y).RGBA()
			c := got.RGBAAt(x, y)
			if max(absDiff(r>>8, c.R), absDiff(g>>8, c.G), absDiff(b>>8, c.B)) > Tolerance {
				n++
				diff.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
			} else {
				diff.SetRGBA(x, y, color.RGBA{c.R / 3, c.G / 3, c.B / 3, 255})
			}
		}
	}
	return diff, n
}

func absDiff(a uint32, b uint8) uint32 {
	if a > uint32(b) {
		return a - uint32(b)
	}
	return uint32(b) - a
}

// ReadPNG reads a PNG file or fails the test, saying how to create it.
func ReadPNG(t testing.TB, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("%v (run the package's tests with -update to create it)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return img
}

// WritePNG writes img to file, creating its directory.
func WritePNG(t testing.TB, file string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
