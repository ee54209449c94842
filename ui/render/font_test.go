package render

import (
	"encoding/binary"
	"image"
	"image/color"
	"os"
	"testing"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/simplifiedchinese"

	"onetrip/assets/fonts"
)

// gb2312Cells are the assigned cells of GB 2312-80, rows and columns
// inclusive: 682 symbols and 6763 hanzi.
var gb2312Cells = []struct{ firstRow, lastRow, firstCol, lastCol byte }{
	{0xA1, 0xA1, 0xA1, 0xFE},
	{0xA2, 0xA2, 0xB1, 0xE2}, {0xA2, 0xA2, 0xE5, 0xEE}, {0xA2, 0xA2, 0xF1, 0xFC},
	{0xA3, 0xA3, 0xA1, 0xFE},
	{0xA4, 0xA4, 0xA1, 0xF3},
	{0xA5, 0xA5, 0xA1, 0xF6},
	{0xA6, 0xA6, 0xA1, 0xB8}, {0xA6, 0xA6, 0xC1, 0xD8},
	{0xA7, 0xA7, 0xA1, 0xC1}, {0xA7, 0xA7, 0xD1, 0xF1},
	{0xA8, 0xA8, 0xA1, 0xBA}, {0xA8, 0xA8, 0xC5, 0xE9},
	{0xA9, 0xA9, 0xA4, 0xEF},
	{0xB0, 0xD6, 0xA1, 0xFE}, {0xD7, 0xD7, 0xA1, 0xF9},
	{0xD8, 0xF7, 0xA1, 0xFE},
}

func TestDefaultFontHasAllOfGB2312(t *testing.T) {
	fc := face(t, 24)
	dec := simplifiedchinese.GBK.NewDecoder()
	n := 0
	for _, c := range gb2312Cells {
		for row := int(c.firstRow); row <= int(c.lastRow); row++ {
			for col := int(c.firstCol); col <= int(c.lastCol); col++ {
				b, err := dec.Bytes([]byte{byte(row), byte(col)})
				r, _ := utf8.DecodeRune(b)
				if err != nil || r == utf8.RuneError {
					t.Fatalf("GB 2312 cell %02X%02X does not decode: %v", row, col, err)
				}
				n++
				if !fc.Has(r) {
					t.Errorf("font lacks %c (%U, GB 2312 %02X%02X)", r, r, row, col)
				}
			}
		}
	}
	if n != 7445 {
		t.Errorf("checked %d GB 2312 characters, want 7445", n)
	}
}

func TestDefaultFontHasKioskSymbolsAndLatin(t *testing.T) {
	fc := face(t, 24)
	const kiosk = "〇·—…①②③④⑤×÷→←↑↓√✓©®™°±€￥，。、；：！？（）「」《》　"
	for _, r := range kiosk {
		if !fc.Has(r) {
			t.Errorf("font lacks %c (%U)", r, r)
		}
	}
	for r := rune(0x21); r < 0x7f; r++ {
		if !fc.Has(r) {
			t.Errorf("font lacks ASCII %q", r)
		}
	}
	for r := rune(0xa1); r <= 0xff; r++ {
		if !fc.Has(r) {
			t.Errorf("font lacks Latin-1 %c (%U)", r, r)
		}
	}
}

func TestMissingRuneDrawsABoxLikeACJKCharacter(t *testing.T) {
	fc := face(t, 36)
	ref := canvas(100, 80, white)
	refAdv := DrawText(ref, fc, 10, 50, "中", black)
	refBox, _ := inked(ref, white)

	for _, r := range []rune{'𠀀', '😀', '\uE000'} {
		if fc.Has(r) {
			t.Fatalf("font has %U; pick a rune it lacks", r)
		}
		img := canvas(100, 80, white)
		adv := DrawText(img, fc, 10, 50, string(r), black)
		box, n := inked(img, white)
		if n == 0 {
			t.Fatalf("%U drew nothing; want a visible box", r)
		}
		if adv != refAdv {
			t.Errorf("%U advances %d px, want a CJK cell of %d px", r, adv, refAdv)
		}
		if !near(box.Dx(), refBox.Dx(), 0.25) || !near(box.Dy(), refBox.Dy(), 0.25) {
			t.Errorf("%U box is %v, want about the size of 中 %v", r, box.Size(), refBox.Size())
		}
		// Hollow: the middle of the box is not inked.
		mid := box.Min.Add(box.Max).Div(2)
		if img.RGBAAt(mid.X, mid.Y) != white {
			t.Errorf("%U box is filled at its centre %v; want a hollow box", r, mid)
		}
	}
}

// near reports whether got is within frac of want.
func near(got, want int, frac float64) bool {
	d := float64(got - want)
	return d <= frac*float64(want) && -d <= frac*float64(want)
}

func TestParseFontRejectsGarbage(t *testing.T) {
	if _, err := ParseFont([]byte("not a font")); err == nil {
		t.Error("ParseFont accepted garbage")
	}
}

func TestXFaceDrawsChineseWithXImage(t *testing.T) {
	img := image.NewAlpha(image.Rect(0, 0, 120, 40))
	d := font.Drawer{Dst: img, Src: image.Opaque, Face: DefaultFont().XFace(24), Dot: fixed.P(4, 30)}
	d.DrawString("号票")
	inkedPx := 0
	for _, a := range img.Pix {
		if a != 0 {
			inkedPx++
		}
	}
	if inkedPx < 50 {
		t.Errorf("x/image face inked %d pixels for 号票; want the glyphs drawn", inkedPx)
	}
	if got, want := d.Dot.X.Round()-4, face(t, 24).Measure("号票"); got != want {
		t.Errorf("x/image face advanced %d px, Face.Measure says %d", got, want)
	}
}

// Drawing with the default font reads its outlines from the binary's file,
// so glyphs from all over the font leave almost none of it mapped.
func TestDefaultFontStaysUnmapped(t *testing.T) {
	f := DefaultFont()
	dst := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for r := rune(0x4E00); r < 0x9FA5; r += 97 { // 215 glyphs spread over the font
		DrawText(dst, f.Face(30), 0, 40, string(r), color.RGBA{0, 0, 0, 0xff})
	}
	if mapped, all := fontPagesMapped(t); mapped > all/20 {
		t.Errorf("%d of the font's %d pages are mapped after drawing 215 glyphs", mapped, all)
	}
}

// fontPagesMapped counts the embedded font's pages mapped into the process
// (/proc/self/pagemap's present bit), and all its pages.
func fontPagesMapped(t *testing.T) (mapped, all int) {
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(fonts.Sans)))
	entry := make([]byte, 8)
	for p := start &^ (page - 1); p < start+uintptr(len(fonts.Sans)); p += page {
		if _, err := pm.ReadAt(entry, int64(p/page*8)); err != nil {
			t.Fatal(err)
		}
		all++
		if binary.LittleEndian.Uint64(entry)>>63 == 1 {
			mapped++
		}
	}
	return mapped, all
}
