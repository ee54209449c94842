package render

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"onetrip/assets/fonts"
)

// idCardSamples are names and an address from resident ID cards with
// characters outside GB 2312 (喆 龑 昇 硚 are in CJK Unified Ideographs but
// not in GB 2312) and characters of Extension A (䶮 as in 刘䶮, 㛃 as in 王㛃, and
// others spread over the block, first and last included).
var idCardSamples = []string{
	"张一喆", "龑小明", "昇", "硚口区",
	"㐀㐁㑇㒳㓁㔾㙟㛃㝉㠭㺭䀹䁖䊷䶮䶵",
}

// lackedRunes are characters the font truly lacks: CJK Extension B (beyond
// the GB 18030 core), private use, an emoji and Extension A's Unicode 13
// additions, which no Debian CJK font has.
var lackedRunes = []rune{'\U00020000', '\U0002A6D6', '\uE000', '😀', '\u4DB6', '\u4DBF'}

// drawOne draws r alone on a white canvas at 36 px, pen at (10, 50).
func drawOne(fc *Face, r rune) *image.RGBA {
	img := canvas(70, 70, white)
	DrawText(img, fc, 10, 50, string(r), black)
	return img
}

func TestDefaultFontHasTheGB18030CoreHanzi(t *testing.T) {
	fc := face(t, 24)
	count := func(lo, hi rune) (n int, missing []rune) {
		for r := lo; r <= hi; r++ {
			if fc.Has(r) {
				n++
			} else if len(missing) < 10 {
				missing = append(missing, r)
			}
		}
		return n, missing
	}
	// Extension A as in GB 18030 (U+3400–U+4DB5) and the 20,902 ideographs
	// of GBK and GB 18030 (U+4E00–U+9FA5): every one.
	if n, missing := count(0x3400, 0x4DB5); n != 6582 {
		t.Errorf("font has %d of the 6582 characters of U+3400–U+4DB5; lacks %q…", n, missing)
	}
	if n, missing := count(0x4E00, 0x9FA5); n != 20902 {
		t.Errorf("font has %d of the 20902 characters of U+4E00–U+9FA5; lacks %q…", n, missing)
	}
	// Later additions (Unicode 4.1 on): the source fonts have only some.
	// They draw the box; this only guards against losing the ones we have.
	if n, _ := count(0x9FA6, 0x9FFF); n < 30 {
		t.Errorf("font has %d of U+9FA6–U+9FFF, want at least the 30 it had", n)
	}
}

func TestIDCardCharactersDrawRealGlyphs(t *testing.T) {
	fc := face(t, 36)
	box := drawOne(fc, '\U00020000')
	for _, s := range idCardSamples {
		for _, r := range s {
			if !fc.Has(r) {
				t.Errorf("font lacks %c (%U)", r, r)
				continue
			}
			img := drawOne(fc, r)
			if bytes.Equal(img.Pix, box.Pix) {
				t.Errorf("%c (%U) draws the missing-glyph box", r, r)
			}
			if _, n := inked(img, white); n < 40 {
				t.Errorf("%c (%U) inks %d pixels; want a drawn character", r, r, n)
			}
		}
	}
}

func TestLackedRunesAllDrawTheSameBox(t *testing.T) {
	fc := face(t, 36)
	var first *image.RGBA
	for _, r := range lackedRunes {
		if fc.Has(r) {
			t.Fatalf("font has %U; pick a rune it lacks", r)
		}
		img := drawOne(fc, r)
		if _, n := inked(img, white); n == 0 {
			t.Fatalf("%U drew nothing; want the box", r)
		}
		if first == nil {
			first = img
			continue
		}
		if !bytes.Equal(img.Pix, first.Pix) {
			t.Errorf("%U draws other pixels than %U; every missing rune should draw the one box", r, lackedRunes[0])
		}
	}
}

// xDraw draws s with x/image's Drawer on an Alpha image and returns the
// coverage as the RGBA canvas DrawText would have produced.
func xDraw(xf font.Face, s string) *image.RGBA {
	a := image.NewAlpha(image.Rect(0, 0, 70, 70))
	d := font.Drawer{Dst: a, Src: image.Opaque, Face: xf, Dot: fixed.P(10, 50)}
	d.DrawString(s)
	img := canvas(70, 70, white)
	for i, v := range a.Pix {
		p := img.Pix[4*i : 4*i+3]
		p[0], p[1], p[2] = 255-v, 255-v, 255-v
	}
	return img
}

func TestXFaceDrawsTheSameMissingBoxAsFace(t *testing.T) {
	fc := face(t, 36)
	xf := DefaultFont().XFace(36)
	for _, r := range lackedRunes {
		want := drawOne(fc, r)
		got := xDraw(xf, string(r))
		if !bytes.Equal(got.Pix, want.Pix) {
			gb, gn := inked(got, white)
			wb, wn := inked(want, white)
			t.Errorf("XFace draws %U as %d px in %v; Face draws the box, %d px in %v", r, gn, gb, wn, wb)
		}
		if adv, ok := xf.GlyphAdvance(r); ok || adv.Round() != fc.Measure(string(r)) {
			t.Errorf("XFace.GlyphAdvance(%U) = %v, %v; want !ok and the box's %d px", r, adv, ok, fc.Measure(string(r)))
		}
		if b, _, ok := xf.GlyphBounds(r); ok || b.Empty() {
			t.Errorf("XFace.GlyphBounds(%U) = %v, %v; want !ok and the box's bounds", r, b, ok)
		}
	}
	// Characters the font has draw their glyph, not the box.
	box := drawOne(fc, lackedRunes[0])
	for _, r := range "喆龑㛃䶮" {
		if img := xDraw(xf, string(r)); bytes.Equal(img.Pix, box.Pix) {
			t.Errorf("XFace draws %c (%U) as the missing box", r, r)
		}
	}
}

// BenchmarkParseDefaultFont is what render.DefaultFont costs the first time
// it is called, at start-up: parsing the embedded font. B/op is what the
// parsed font keeps in the Go heap (the font file itself is embedded in the
// binary and not copied).
func BenchmarkParseDefaultFont(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(fonts.Sans)))
	for b.Loop() {
		if _, err := ParseFont(fonts.Sans); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstScreenText is start-up plus a first line of text: parse the
// font, make a face and rasterize a 20-character line into its empty cache.
func BenchmarkFirstScreenText(b *testing.B) {
	img := canvas(900, 60, white)
	const line = "请问您带身份证了吗请将身份证放在读卡区谢谢"
	b.ReportAllocs()
	for b.Loop() {
		f, err := ParseFont(fonts.Sans)
		if err != nil {
			b.Fatal(err)
		}
		DrawText(img, f.Face(36), 10, 45, line, black)
	}
}
