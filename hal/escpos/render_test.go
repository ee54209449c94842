package escpos

import (
	"image"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// goFace is an ASCII face for tests; the kiosk passes its CJK font.
func goFace(t testing.TB) func(px float64) font.Face {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	return func(px float64) font.Face {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			t.Fatal(err)
		}
		return face
	}
}

func render(t *testing.T, profile string, build func(e *Encoder)) *image.Gray {
	t.Helper()
	p := mustProfile(t, profile)
	e := NewEncoder(p)
	e.Init()
	build(e)
	doc, err := Decode(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return RenderPaper(doc, p, goFace(t))
}

// ink returns the bounding box of black dots in r, and their count.
func ink(img *image.Gray, r image.Rectangle) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.Pix[y*img.Stride+x] == 0 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return box, n
}

func TestRenderPaperIsBlackOnWhiteAtProfileWidth(t *testing.T) {
	img := render(t, "58mm", func(e *Encoder) {
		e.Line("HELLO")
		_ = e.QR("https://example.com/t/A023", 4, ECMedium)
		e.Cut()
	})
	if img.Rect.Dx() != 384 {
		t.Errorf("paper %d dots wide, want 384", img.Rect.Dx())
	}
	for _, v := range img.Pix {
		if v != 0 && v != 0xff {
			t.Fatalf("pixel value %d: thermal paper is black or white", v)
		}
	}
	if got := scanQR(t, img); got != "https://example.com/t/A023" {
		t.Errorf("scanned %q from the paper", got)
	}
}

func TestRenderPaperGrowsWithContent(t *testing.T) {
	short := render(t, "80mm", func(e *Encoder) { e.Line("A") })
	long := render(t, "80mm", func(e *Encoder) {
		for range 40 {
			e.Line("A")
		}
	})
	if long.Rect.Dy() < short.Rect.Dy()+39*24 {
		t.Errorf("40 lines gave %d dots of paper, one line %d", long.Rect.Dy(), short.Rect.Dy())
	}
}

func TestRenderPaperAlignsAndMagnifies(t *testing.T) {
	img := render(t, "80mm", func(e *Encoder) {
		e.Align(Centre)
		e.Line("WWW")
		e.Size(2, 2)
		e.Line("WWW")
		e.Size(1, 1)
		e.Align(Right)
		e.Line("WWW")
	})
	small, _ := ink(img, image.Rect(0, 0, 576, 24))
	big, _ := ink(img, image.Rect(0, 30, 576, 30+48))
	right, _ := ink(img, image.Rect(0, 30+48, 576, 30+48+24))
	if c := (small.Min.X + small.Max.X) / 2; c < 280 || c > 296 {
		t.Errorf("centred text spans %v, centre %d, want about 288", small, c)
	}
	if small.Dx() > 36 || small.Dy() > 24 {
		t.Errorf("three font A characters take %v, want within 36×24 cells", small)
	}
	if big.Dx() < 2*small.Dx()-4 || big.Dy() < 2*small.Dy()-4 {
		t.Errorf("2×2 text %v is not twice %v", big, small)
	}
	if right.Max.X < 570 {
		t.Errorf("right-aligned text ends at %d, want at the 576-dot edge", right.Max.X)
	}
}

func TestRenderPaperBoldAndReverse(t *testing.T) {
	img := render(t, "80mm", func(e *Encoder) {
		e.Line("MMMM")
		e.Bold(true)
		e.Line("MMMM")
		e.Bold(false)
		e.Reverse(true)
		e.Line("MMMM")
	})
	_, plain := ink(img, image.Rect(0, 0, 576, 30))
	_, bold := ink(img, image.Rect(0, 30, 576, 60))
	_, rev := ink(img, image.Rect(0, 60, 48, 84))
	if bold <= plain {
		t.Errorf("bold line has %d dots of ink, plain %d", bold, plain)
	}
	if rev < 48*24/2 {
		t.Errorf("reverse cells are %d of %d dots black, want mostly black", rev, 48*24)
	}
}

func TestRenderPaperWrapsAtTheEdge(t *testing.T) {
	img := render(t, "58mm", func(e *Encoder) {
		e.Line("0123456789012345678901234567890123456789") // 40 columns on a 32-column printer
	})
	_, second := ink(img, image.Rect(0, 30, 384, 60))
	if second == 0 {
		t.Error("text beyond the paper edge was lost instead of wrapped")
	}
}
