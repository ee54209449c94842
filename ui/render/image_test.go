package render

import (
	"image"
	"image/color"
	"runtime"
	"testing"
)

func TestDrawImageFitsKeepingAspect(t *testing.T) {
	src := canvas(200, 100, red) // 2:1
	img := canvas(160, 160, white)
	r := image.Rect(30, 30, 130, 130)
	DrawImage(img, r, src)
	box, _ := inked(img, white)
	if want := image.Rect(30, 55, 130, 105); box != want {
		t.Errorf("2:1 image in a 100×100 square covers %v, want %v", box, want)
	}
	if got := img.RGBAAt(80, 80); got != red {
		t.Errorf("centre pixel = %v, want red", got)
	}
}

// A frame's 4 MB of pixels are not on the Go heap, and they hold pixels.
func TestNewFrameIsOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f := NewFrame(image.Rect(0, 0, 1280, 800))
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1<<20 {
		t.Errorf("a frame grew the heap by %d bytes", grew)
	}
	FillRect(f, f.Bounds(), color.RGBA{1, 2, 3, 255})
	if got := f.RGBAAt(1279, 799); got != (color.RGBA{1, 2, 3, 255}) || len(f.Pix) != 1280*800*4 {
		t.Errorf("frame pixel %v, %d bytes", got, len(f.Pix))
	}
	runtime.KeepAlive(f)
}
