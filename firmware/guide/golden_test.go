package guide

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"onetrip/ui/screen"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

// TestGoldenScreens compares every tab on a busy morning, in both languages,
// with the reviewed PNGs in testdata/golden; run with -update after a
// deliberate change and look at the new pictures before committing them.
func TestGoldenScreens(t *testing.T) {
	p := screen.NewPainter()
	for _, lang := range []string{"zh-CN", "en"} {
		d := newDesk(t, lang)
		d.busyMorning()
		d.tap("help:h2")
		for _, tab := range tabs {
			d.tap("tab:" + tab)
			if tab == tabMaterials {
				d.tap("matter:residence-permit")
			}
			img := image.NewRGBA(screen.Size)
			p.Draw(img, d.build(), "")
			name := tab + "-" + lang
			file := filepath.Join("testdata", "golden", name+".png")
			if *update {
				writePNG(t, file, img)
				continue
			}
			want := readPNG(t, file)
			if diff, n := compare(want, img); n > len(img.Pix)/4/200 {
				out := filepath.Join(os.TempDir(), "onetrip-golden", "guide-"+name)
				writePNG(t, out+"-got.png", img)
				writePNG(t, out+"-diff.png", diff)
				t.Errorf("%s differs in %d pixels; see %s-got.png and %s-diff.png", file, n, out, out)
			}
		}
	}
}

// compare counts pixels differing by more than a small tolerance (font
// rasterisers and blending may differ by a few levels) and paints them red.
func compare(want image.Image, got *image.RGBA) (*image.RGBA, int) {
	diff := image.NewRGBA(got.Bounds())
	if want.Bounds() != got.Bounds() {
		return diff, len(got.Pix) / 4
	}
	n := 0
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			r1, g1, b1, _ := want.At(x, y).RGBA()
			c := got.RGBAAt(x, y)
			d := max(absDiff(r1>>8, c.R), absDiff(g1>>8, c.G), absDiff(b1>>8, c.B))
			if d > 40 {
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

func readPNG(t *testing.T, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("%v (run go test ./firmware/guide -update to create it)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return img
}

func writePNG(t *testing.T, file string, img image.Image) {
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
