package escpos

import (
	"bytes"
	"image"
	"testing"

	uirender "onetrip/ui/render"
)

// kioskFace is the face the kiosk and the simulated printers draw paper with:
// the embedded onetrip-sans font.
var kioskFace = uirender.DefaultFont().XFace

// cellPix returns a copy of the dots of r.
func cellPix(img *image.Gray, r image.Rectangle) []byte {
	var out []byte
	for y := r.Min.Y; y < r.Max.Y; y++ {
		out = append(out, img.Pix[y*img.Stride+r.Min.X:y*img.Stride+r.Max.X]...)
	}
	return out
}

func TestRenderPaperDrawsIDCardCharactersWithTheKioskFont(t *testing.T) {
	// 喆 龑 昇 硚 are outside GB 2312 but in GBK, so the printer can be sent
	// them. ⅰ and ︵ are GBK too but the font lacks them: they print the
	// missing-glyph box.
	const names, lacked = "张一喆龑小明昇硚口区", "ⅰ︵"
	p := mustProfile(t, "80mm")
	e := NewEncoder(p)
	e.Init()
	e.Line(names + lacked)
	doc, err := Decode(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	img := RenderPaper(doc, p, kioskFace)
	cell := func(i int) image.Rectangle { return image.Rect(2*CellDots*i, 0, 2*CellDots*(i+1), cellHeight) }

	n := len([]rune(names))
	for i, r := range []rune(lacked) {
		if w := RuneWidth(r); w != 2 {
			t.Fatalf("%c (%U) takes %d columns; the test wants a GBK double-byte character", r, r, w)
		}
		if uirender.DefaultFont().Face(24).Has(r) {
			t.Fatalf("the font has %c (%U); pick one it lacks", r, r)
		}
		box, dots := ink(img, cell(n+i))
		if dots == 0 {
			t.Fatalf("%c (%U) printed nothing; want the missing-glyph box", r, r)
		}
		if mid := box.Min.Add(box.Max).Div(2); img.GrayAt(mid.X, mid.Y).Y != 0xff {
			t.Errorf("%c (%U) printed a filled shape; want a hollow box", r, r)
		}
	}
	boxPix := cellPix(img, cell(n))
	if !bytes.Equal(cellPix(img, cell(n+1)), boxPix) {
		t.Error("two characters the font lacks print different dots; want the one box")
	}
	for i, r := range []rune(names) {
		px := cellPix(img, cell(i))
		if _, dots := ink(img, cell(i)); dots < 30 {
			t.Errorf("%c (%U) printed %d dots; want the character", r, r, dots)
		}
		if bytes.Equal(px, boxPix) {
			t.Errorf("%c (%U) printed the missing-glyph box", r, r)
		}
	}
}
