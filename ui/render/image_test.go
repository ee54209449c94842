package render

import (
	"image"
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
