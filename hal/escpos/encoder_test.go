package escpos

import (
	"bytes"
	"image"
	"image/color"
	"strings"
	"testing"
	"unicode/utf8"

	"onetrip/ui/qrscan"
)

func mustProfile(t testing.TB, name string) Profile {
	t.Helper()
	p, err := LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// encodeTicket writes a small queue ticket, the way ui/paper does.
func encodeTicket(e *Encoder) error {
	e.Init()
	e.Align(Centre)
	e.Line("市民中心 政务服务大厅")
	e.Size(4, 4)
	e.Bold(true)
	e.Line("A023")
	e.Bold(false)
	e.Size(1, 1)
	e.Line("前面还有 5 人")
	e.Line("预计等候 约 12 分钟")
	if err := e.QR("https://example.com/t/A023", 6, ECMedium); err != nil {
		return err
	}
	e.Line("请保管好您的号票，留意叫号")
	e.Cut()
	return nil
}

func TestEncodeDecodeTicket(t *testing.T) {
	e := NewEncoder(mustProfile(t, "80mm"))
	if err := encodeTicket(e); err != nil {
		t.Fatal(err)
	}
	b := e.Bytes()
	if !bytes.HasPrefix(b, []byte{esc, '@', fsc, '&'}) {
		t.Errorf("job starts % X, want ESC @ FS &", b[:4])
	}
	if !bytes.HasSuffix(b, []byte{gs, 'V', 'B', 0}) {
		t.Errorf("job ends % X, want GS V 66 0", b[len(b)-4:])
	}
	doc, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := "市民中心 政务服务大厅\nA023\n前面还有 5 人\n预计等候 约 12 分钟\n请保管好您的号票，留意叫号"
	if got := doc.Text(); got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
	if got := doc.QRCodes(); len(got) != 1 || got[0] != "https://example.com/t/A023" {
		t.Errorf("QRCodes() = %q", got)
	}
	for _, it := range doc.Items {
		switch it := it.(type) {
		case Run:
			if it.Align != Centre {
				t.Errorf("run %q not centred", it.Text)
			}
			if big := it.Text == "A023"; big != (it.Width == 4 && it.Height == 4 && it.Bold) {
				t.Errorf("run %q printed %d×%d bold=%v", it.Text, it.Width, it.Height, it.Bold)
			}
		case QR:
			if it.Module != 6 || it.EC != ECMedium || it.Align != Centre {
				t.Errorf("QR = %+v", it)
			}
		}
	}
	// Chinese text after the QR must be back in Chinese mode, even on a
	// printer that powers on in single-byte mode.
	doc, err = DecodeFor(Profile{Cutter: true, MaxMagnify: 8}, b)
	if err != nil || doc.Text() != want {
		t.Errorf("on a single-byte-default printer: %q, %v", doc.Text(), err)
	}
}

func TestResetStartsAnEmptyJob(t *testing.T) {
	e := NewEncoder(mustProfile(t, "80mm"))
	_ = encodeTicket(e)
	first := bytes.Clone(e.Bytes())
	e.Reset()
	if len(e.Bytes()) != 0 {
		t.Fatalf("after Reset %d bytes remain", len(e.Bytes()))
	}
	_ = encodeTicket(e)
	if !bytes.Equal(first, e.Bytes()) {
		t.Error("the same ticket encoded after Reset differs")
	}
}

func TestTextEncodesGBKAndReplacesTheRest(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"取号凭条", []byte{0xc8, 0xa1, 0xba, 0xc5, 0xc6, 0xbe, 0xcc, 0xf5}},
		{"¥12", []byte{0xa3, 0xa4, '1', '2'}},
		{"€", []byte{'E'}},
		{"a😀b", []byte("a?b")},
		{"𠀀", []byte("?")}, // GB18030 4-byte only
		{"a\tb", []byte("a b")},
		{"a\u3000b", []byte{'a', 0xa1, 0xa1, 'b'}}, // the ideographic space is GBK as it is
		{"a\x1b@b", []byte("a?@b")},
		{"\x1dV\x00", []byte("?V?")},
		{"\x10\x04\x01\x7f", []byte("????")},
		{"\xff", []byte("?")}, // invalid UTF-8
	} {
		e := NewEncoder(mustProfile(t, "80mm"))
		e.Init()
		e.Text(tc.in)
		if got := e.Bytes()[4:]; !bytes.Equal(got, tc.want) {
			t.Errorf("Text(%q) = % X, want % X", tc.in, got, tc.want)
		}
		if w := TextWidth(tc.in); w != len(tc.want) {
			t.Errorf("TextWidth(%q) = %d, want %d", tc.in, w, len(tc.want))
		}
	}
}

// FuzzTextCannotInjectCommands: whatever a citizen or a hall file puts in a
// ticket field prints as text; only its newlines end lines.
func FuzzTextCannotInjectCommands(f *testing.F) {
	for _, s := range []string{"A001", "\x1b@", "\x1dV\x00", "¥ 人\n民", "\x1d(k\x03\x001Q0", "\x1c.\xc8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := NewEncoder(mustProfile(t, "58mm"))
		e.Init()
		e.Text(s)
		doc, err := Decode(e.Bytes())
		if err != nil {
			t.Fatalf("Text(%q) produced an undecodable job: %v", s, err)
		}
		feeds := 0
		for _, it := range doc.Items {
			switch it := it.(type) {
			case Run:
				if !utf8.ValidString(it.Text) {
					t.Fatalf("Text(%q) printed invalid text %q", s, it.Text)
				}
			case Feed:
				feeds++
			default:
				t.Fatalf("Text(%q) printed a %T", s, it)
			}
		}
		if want := strings.Count(s, "\n"); feeds != want {
			t.Fatalf("Text(%q) fed %d lines, want %d", s, feeds, want)
		}
	})
}

func TestSizeIsClampedToTheProfile(t *testing.T) {
	e := NewEncoder(mustProfile(t, "58mm"))
	e.Size(8, 0)
	if got := e.Bytes(); !bytes.Equal(got, []byte{gs, '!', 0x30}) {
		t.Errorf("Size(8, 0) on 58mm = % X, want GS ! 0x30 (4×1)", got)
	}
}

func TestLineStartCommandsEndTheLineFirst(t *testing.T) {
	e := NewEncoder(mustProfile(t, "80mm"))
	e.Text("left")
	e.Align(Right)
	e.Text("right")
	e.Cut()
	doc, err := Decode(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Text(); got != "left\nright" {
		t.Errorf("Text() = %q, want two lines", got)
	}
	if r := doc.Items[2].(Run); r.Align != Right {
		t.Errorf("second line %+v, want right aligned", r)
	}
}

func TestCutNeedsACutter(t *testing.T) {
	for name, wantCut := range map[string]bool{"80mm": true, "58mm": false} {
		e := NewEncoder(mustProfile(t, name))
		e.Line("x")
		e.Cut()
		if hasCut := bytes.Contains(e.Bytes(), []byte{gs, 'V'}); hasCut != wantCut {
			t.Errorf("%s: job % X has GS V = %v, want %v", name, e.Bytes(), hasCut, wantCut)
		}
		doc, _ := Decode(e.Bytes())
		fed := 0
		for _, it := range doc.Items {
			if f, ok := it.(Feed); ok {
				fed += f.Lines
			}
		}
		if fed < 3 {
			t.Errorf("%s: fed %d lines before cutting or tearing, want the ticket clear of the head", name, fed)
		}
	}
}

func checkerboard(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x/3+y/2)%2 == 0 {
				img.SetGray(x, y, color.Gray{0x20})
			} else {
				img.SetGray(x, y, color.Gray{0xe0})
			}
		}
	}
	return img
}

func TestRasterBandsAndRoundTrip(t *testing.T) {
	img := checkerboard(13, 600)
	e := NewEncoder(mustProfile(t, "80mm"))
	if err := e.Raster(img); err != nil {
		t.Fatal(err)
	}
	b := e.Bytes()
	if n := bytes.Count(b, []byte{gs, 'v', '0', 0}); n != 3 {
		t.Errorf("600 rows went out in %d GS v 0 bands, want 3 of ≤ 256", n)
	}
	if !bytes.HasPrefix(b, []byte{gs, 'v', '0', 0, 2, 0, 0, 1}) {
		t.Errorf("first band header % X, want 2 bytes × 256 rows", b[:8])
	}
	doc, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	imgs := doc.Images()
	if len(imgs) != 1 || imgs[0].Rect.Dx() != 16 || imgs[0].Rect.Dy() != 600 {
		t.Fatalf("decoded %d images, first %v; want one 16×600", len(imgs), imgs[0].Rect)
	}
	for y := range 600 {
		for x := range 16 {
			want := uint8(0xff)
			if x < 13 && img.GrayAt(x, y).Y < 0x80 {
				want = 0
			}
			if got := imgs[0].GrayAt(x, y).Y; got != want {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, got, want)
			}
		}
	}
	if err := e.Raster(image.NewGray(image.Rect(0, 0, 577, 1))); err == nil {
		t.Error("an image wider than the paper was accepted")
	}
}

func TestRasterTreatsTransparencyAsPaper(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 1))
	img.Set(0, 0, color.NRGBA{A: 0xff})          // black
	img.Set(1, 0, color.NRGBA{A: 0})             // transparent black: paper
	img.Set(2, 0, color.NRGBA{R: 0xff, A: 0xff}) // red: dark enough? luminance 76
	e := NewEncoder(mustProfile(t, "80mm"))
	_ = e.Raster(img)
	if got := e.Bytes()[8]; got != 0xa0 {
		t.Errorf("row bits = %08b, want 10100000", got)
	}
}

func TestQRWithoutNativeSupportPrintsAScannableImage(t *testing.T) {
	const url = "https://hall.example.cn/q/A023?h=330100"
	e := NewEncoder(mustProfile(t, "58mm-raster"))
	e.Init()
	if err := e.QR(url, 4, ECMedium); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(e.Bytes(), []byte{gs, '(', 'k'}) {
		t.Error("sent GS ( k to a printer without native QR")
	}
	doc, err := Decode(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.QRCodes()) != 0 || len(doc.Images()) != 1 {
		t.Fatalf("decoded %d native QR and %d images, want one image", len(doc.QRCodes()), len(doc.Images()))
	}
	if got := scanQR(t, doc.Images()[0]); got != url {
		t.Errorf("scanned %q, want %q", got, url)
	}
	if err := e.QR(strings.Repeat("x", 2000), 4, ECHigh); err == nil {
		t.Error("a QR wider than the paper was accepted")
	}
}

func scanQR(t *testing.T, img image.Image) string {
	t.Helper()
	text, err := qrscan.Read(img)
	if err != nil {
		t.Fatalf("no QR code readable: %v", err)
	}
	return text
}

func BenchmarkEncodeTicket(b *testing.B) {
	e := NewEncoder(mustProfile(b, "80mm"))
	b.ReportAllocs()
	for b.Loop() {
		e.Reset()
		if err := encodeTicket(e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(e.Bytes())), "bytes/ticket")
}
