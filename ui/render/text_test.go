package render

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

func TestDrawTextInksWithinItsBox(t *testing.T) {
	fc := face(t, 36)
	for _, s := range []string{"您好，欢迎来到政务服务中心", "Hello, 3楼 A区 12号窗口", "¥￥①√"} {
		img := canvas(900, 120, white)
		x, baseline := 20, 70
		adv := DrawText(img, fc, x, baseline, s, black)
		if want := fc.Measure(s); adv != want {
			t.Errorf("DrawText(%q) advanced %d px, Measure says %d", s, adv, want)
		}
		box, n := inked(img, white)
		if n == 0 {
			t.Fatalf("DrawText(%q) inked nothing", s)
		}
		// Glyphs may overhang their advance by a pixel or two.
		want := image.Rect(x-2, baseline-fc.Ascent(), x+adv+3, baseline+fc.Descent())
		if !box.In(want) {
			t.Errorf("DrawText(%q) inked %v, outside its box %v", s, box, want)
		}
		if box.Dx() < adv*8/10 {
			t.Errorf("DrawText(%q) inked %d px across, want most of its %d px advance", s, box.Dx(), adv)
		}
	}
}

func TestDrawTextIsAntiAliasedAndBlends(t *testing.T) {
	fc := face(t, 36)
	img := canvas(300, 80, white)
	DrawText(img, fc, 10, 55, "请取号", black)
	partial := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if v := img.Pix[i]; v > 0x20 && v < 0xe0 {
			partial++
		}
	}
	if partial == 0 {
		t.Error("text has no partly covered pixels; want anti-aliased edges")
	}

	// Half-transparent black over white greys, never blacks, the strokes.
	img = canvas(300, 80, white)
	DrawText(img, fc, 10, 55, "请取号", color.RGBA{0, 0, 0, 0x80})
	darkest := uint8(0xff)
	for i := 0; i < len(img.Pix); i += 4 {
		darkest = min(darkest, img.Pix[i])
	}
	if darkest < 0x7a || darkest > 0x84 {
		t.Errorf("darkest pixel of 50%% black text over white is %#x, want about 0x7f", darkest)
	}
}

func TestDrawTextClipsToTheImage(t *testing.T) {
	fc := face(t, 48)
	img := canvas(60, 40, white)
	// Mostly outside every edge: must not panic, and draws the part inside.
	DrawText(img, fc, -30, 20, "中文字", black)
	DrawText(img, fc, 40, 70, "中文字", black)
	if _, n := inked(img, white); n == 0 {
		t.Error("text overlapping the image drew nothing inside it")
	}
}

func TestDrawTextCenteredCentresAndClips(t *testing.T) {
	fc := face(t, 40)
	img := canvas(400, 200, white)
	r := image.Rect(50, 40, 350, 160)
	DrawTextCentered(img, fc, r, "取号", black)
	box, _ := inked(img, white)
	c, want := box.Min.Add(box.Max).Div(2), r.Min.Add(r.Max).Div(2)
	if d := c.Sub(want); abs(d.X) > 2 || abs(d.Y) > 4 {
		t.Errorf("text centred at %v, want %v (inked %v)", c, want, box)
	}

	img = canvas(400, 200, white)
	small := image.Rect(100, 90, 160, 110) // narrower and lower than the text
	DrawTextCentered(img, fc, small, "请您取号后等候叫号", black)
	box, n := inked(img, white)
	if n == 0 || !box.In(small) {
		t.Errorf("centred text inked %v (%d px), want only inside %v", box, n, small)
	}
}

func abs(x int) int { return max(x, -x) }

func TestFacesAreSafeForConcurrentUse(t *testing.T) {
	const s = "您好，欢迎 Welcome 请取号"
	const n = 4
	imgs := make([]*image.RGBA, n)
	done := make(chan bool)
	for i := range n {
		go func() {
			// A size no other test uses: the goroutines race to make the
			// face and fill its glyph cache.
			imgs[i] = canvas(500, 60, white)
			DrawText(imgs[i], DefaultFont().Face(31), 5, 40, s, black)
			done <- true
		}()
	}
	for range n {
		<-done
	}
	want := canvas(500, 60, white)
	DrawText(want, DefaultFont().Face(31), 5, 40, s, black)
	for i, img := range imgs {
		if !bytes.Equal(img.Pix, want.Pix) {
			t.Errorf("goroutine %d drew different pixels", i)
		}
	}
}
