package headless

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"testing"
)

var (
	red  = color.RGBA{255, 0, 0, 255}
	blue = color.RGBA{0, 0, 255, 255}
)

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func TestPresentCopiesOnlyDirtyRects(t *testing.T) {
	p := New(64, 48)
	frame := image.NewRGBA(image.Rect(0, 0, 64, 48))
	fill(frame, frame.Rect, red)
	if err := p.Present(frame, nil); err != nil {
		t.Fatal(err)
	}

	// Paint the whole frame blue but report only one rectangle as dirty.
	dirty := image.Rect(10, 10, 20, 15)
	fill(frame, frame.Rect, blue)
	if err := p.Present(frame, []image.Rectangle{dirty}); err != nil {
		t.Fatal(err)
	}
	fill(frame, frame.Rect, color.RGBA{}) // the caller reuses its frame

	got := p.Frame()
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{{10, 10, blue}, {19, 14, blue}, {20, 14, red}, {9, 10, red}, {63, 47, red}} {
		if g := got.RGBAAt(c.x, c.y); g != c.want {
			t.Errorf("pixel (%d,%d) shows %v, want %v", c.x, c.y, g, c.want)
		}
	}
	if n := p.Frames(); n != 2 {
		t.Errorf("Frames() = %d after two presents", n)
	}
}

func TestPresentOffsetFrameAndNewSize(t *testing.T) {
	p := New(64, 48)
	// A sub-image keeps its parent's coordinates; what is shown starts at 0,0.
	parent := image.NewRGBA(image.Rect(0, 0, 100, 100))
	fill(parent, image.Rect(50, 50, 60, 60), red)
	sub := parent.SubImage(image.Rect(50, 50, 82, 66)).(*image.RGBA)
	if err := p.Present(sub, []image.Rectangle{image.Rect(50, 50, 52, 52)}); err != nil {
		t.Fatal(err)
	}
	got := p.Frame()
	if got.Rect != image.Rect(0, 0, 32, 16) {
		t.Fatalf("shown frame is %v, want the new 32x16 size", got.Rect)
	}
	if g := got.RGBAAt(9, 9); g != red {
		t.Errorf("pixel (9,9) shows %v, want %v: a new size must copy the whole frame", g, red)
	}

	fill(parent, image.Rect(70, 60, 72, 62), blue)
	if err := p.Present(sub, []image.Rectangle{image.Rect(70, 60, 72, 62)}); err != nil {
		t.Fatal(err)
	}
	if g := p.Frame().RGBAAt(20, 10); g != blue {
		t.Errorf("pixel (20,10) shows %v, want the dirty rectangle's %v", g, blue)
	}
}

func TestWritePNG(t *testing.T) {
	p := New(8, 4)
	frame := image.NewRGBA(image.Rect(0, 0, 8, 4))
	fill(frame, frame.Rect, blue)
	if err := p.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b != frame.Rect {
		t.Fatalf("PNG is %v, want %v", b, frame.Rect)
	}
	if c := color.RGBAModel.Convert(img.At(7, 3)); c != blue {
		t.Errorf("PNG pixel (7,3) is %v, want %v", c, blue)
	}
}

func TestPresentRejectsEmptyFrame(t *testing.T) {
	if err := New(8, 4).Present(&image.RGBA{}, nil); err == nil {
		t.Error("presenting an empty frame succeeded")
	}
}

func BenchmarkPresentDirty(b *testing.B) {
	p := New(1280, 800)
	frame := image.NewRGBA(image.Rect(0, 0, 1280, 800))
	dirty := []image.Rectangle{image.Rect(400, 300, 800, 420)}
	b.SetBytes(400 * 120 * 4)
	for b.Loop() {
		if err := p.Present(frame, dirty); err != nil {
			b.Fatal(err)
		}
	}
}
