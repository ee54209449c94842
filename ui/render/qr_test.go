package render

import (
	"image"
	"image/color"
	"testing"

	"onetrip/ui/qrscan"
)

func TestDrawQRDecodesToThePayload(t *testing.T) {
	blue := color.RGBA{0x20, 0x40, 0xa0, 0xff}
	for _, payload := range []string{
		"https://zwfw.example.gov.cn/m/matter/330100-001?ticket=A012",
		"号票 A012 · 不动产登记",
		"x",
	} {
		img := canvas(480, 400, blue)
		r := image.Rect(40, 30, 440, 370)
		sym, err := DrawQR(img, r, payload)
		if err != nil {
			t.Fatalf("DrawQR(%q): %v", payload, err)
		}
		if !sym.In(r) {
			t.Errorf("symbol %v outside %v", sym, r)
		}
		if c, want := sym.Min.Add(sym.Max).Div(2), r.Min.Add(r.Max).Div(2); abs(c.X-want.X) > 1 || abs(c.Y-want.Y) > 1 {
			t.Errorf("symbol centred at %v, want %v", c, want)
		}
		if got := decodeQR(t, img); got != payload {
			t.Errorf("decoded %q, want %q", got, payload)
		}
		checkCrispWithQuietZone(t, img, sym)
	}
}

// decodeQR reads the QR code in img as a phone would.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	text, err := qrscan.Read(img)
	if err != nil {
		t.Fatalf("no QR code readable: %v", err)
	}
	return text
}

// checkCrispWithQuietZone checks that sym has only pure black and white
// pixels and at least 4 modules of white around the code.
func checkCrispWithQuietZone(t *testing.T, img *image.RGBA, sym image.Rectangle) {
	t.Helper()
	dark := image.Rectangle{}
	for y := sym.Min.Y; y < sym.Max.Y; y++ {
		for x := sym.Min.X; x < sym.Max.X; x++ {
			switch img.RGBAAt(x, y) {
			case black:
				dark = dark.Union(image.Rect(x, y, x+1, y+1))
			case white:
			default:
				t.Fatalf("pixel (%d,%d) is %v; want only pure black and white", x, y, img.RGBAAt(x, y))
			}
		}
	}
	// The top-left finder pattern starts with a 7-module black run.
	run := 0
	for x := dark.Min.X; img.RGBAAt(x, dark.Min.Y) == black; x++ {
		run++
	}
	module := run / 7
	if module < 1 || run%7 != 0 {
		t.Fatalf("finder pattern run is %d px, want a whole number of modules ×7", run)
	}
	margins := []int{dark.Min.X - sym.Min.X, dark.Min.Y - sym.Min.Y, sym.Max.X - dark.Max.X, sym.Max.Y - dark.Max.Y}
	for _, m := range margins {
		if m < 4*module {
			t.Errorf("quiet zone margins %v px, want >= 4 modules of %d px", margins, module)
			break
		}
	}
}

func TestDrawQRRefusesATooSmallArea(t *testing.T) {
	img := canvas(100, 100, white)
	if _, err := DrawQR(img, image.Rect(0, 0, 20, 20), "https://example.gov.cn/matter/1"); err == nil {
		t.Error("DrawQR fitted a QR code with quiet zone into 20×20 px")
	}
	if _, n := inked(img, white); n != 0 {
		t.Errorf("a refused QR code still drew %d pixels", n)
	}
}
