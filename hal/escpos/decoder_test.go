package escpos

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// referenceTicket is the worked 129-byte ticket of the ESC/POS reference (§1.7).
func referenceTicket(t testing.TB) []byte {
	t.Helper()
	h := strings.Join([]string{
		"1B40", "1C2E", "1B7400", "1B6101", "1C26",
		"C8A1BAC5C6BECCF50A",
		"1D2133", "1B4501", "413032330A", "1B4500", "1D2100",
		"C7B0C3E6BBB9D3D02035 20C8CB0A",
		"1C2E",
		"1D286B040031413200", "1D286B0300314306", "1D286B0300314531",
		"1D286B1D00315030", hex.EncodeToString([]byte("https://example.com/t/A023")),
		"1D286B0300315130",
		"0A", "1B6100", "1D564200",
	}, "")
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeReferenceTicket(t *testing.T) {
	b := referenceTicket(t)
	if len(b) != 129 {
		t.Fatalf("reference ticket is %d bytes, want 129", len(b))
	}
	doc, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Text(), "取号凭条\nA023\n前面还有 5 人"; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
	var number Run
	var qr QR
	var cut Cut
	for _, it := range doc.Items {
		switch it := it.(type) {
		case Run:
			if it.Text == "A023" {
				number = it
			}
		case QR:
			qr = it
		case Cut:
			cut = it
		}
	}
	if number != (Run{Text: "A023", Align: Centre, Width: 4, Height: 4, Bold: true}) {
		t.Errorf("number run = %+v, want centred bold 4×4", number)
	}
	if qr != (QR{Data: "https://example.com/t/A023", Module: 6, EC: ECMedium, Align: Centre}) {
		t.Errorf("QR = %+v", qr)
	}
	if _, last := doc.Items[len(doc.Items)-1].(Cut); !last || !cut.Partial {
		t.Errorf("last item %+v, want a partial cut", doc.Items[len(doc.Items)-1])
	}
}

func TestDecodeNamesOffsetAndCommand(t *testing.T) {
	ref := referenceTicket(t)
	for _, tc := range []struct {
		name   string
		job    []byte
		offset int
		cmd    string
	}{
		{"lone ESC", []byte("ab\x1b"), 2, "ESC"},
		{"unknown ESC", []byte("ab\x1b\x99"), 2, "ESC 0x99"},
		{"unknown control", []byte("abc\x07"), 3, "0x07"},
		{"ESC a without n", []byte("\x1ba"), 0, "ESC a"},
		{"GS V truncated", []byte("x\n\x1dVB"), 2, "GS V"},
		{"GS ( k cut short", ref[:len(ref)-40], 79, "GS ( k"},
		{"QR printed before stored", []byte("\x1d(k\x03\x001Q0"), 0, "GS ( k"},
		{"raster data cut short", []byte("\x1dv0\x00\x02\x00\x03\x00\xff\xff"), 0, "GS v 0"},
		{"GBK lead byte alone", []byte("\x1b@\xc8"), 2, "GBK character"},
		{"GBK lead before LF", []byte("\x1b@\xc8\n"), 2, "GBK character"},
		{"size out of range", []byte("\x1d!\x99"), 0, "GS !"},
	} {
		_, err := Decode(tc.job)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: Decode error = %v, want a *DecodeError", tc.name, err)
			continue
		}
		if de.Offset != tc.offset || de.Command != tc.cmd {
			t.Errorf("%s: error at %d %q, want at %d %q (%v)", tc.name, de.Offset, de.Command, tc.offset, tc.cmd, err)
		}
	}
}

func TestDecodeFollowsChineseMode(t *testing.T) {
	gbkRen := []byte{0xc8, 0xcb} // 人
	doc, err := Decode(append([]byte("\x1c."), gbkRen...))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Text(); got == "人" || len([]rune(got)) != 2 {
		t.Errorf("GBK bytes outside Chinese mode read as %q, want two single-byte characters", got)
	}
	notChinese := Profile{Cutter: true, MaxMagnify: 8}
	doc, err = DecodeFor(notChinese, gbkRen)
	if err != nil || doc.Text() == "人" {
		t.Errorf("printer powered on in single-byte mode read %q, %v", doc.Text(), err)
	}
	doc, _ = DecodeFor(notChinese, append([]byte("\x1b@\x1c&"), gbkRen...))
	if got := doc.Text(); got != "人" {
		t.Errorf("after FS & read %q, want 人", got)
	}
}

func TestDecodeForProfileLimits(t *testing.T) {
	p58, _ := LoadProfile("58mm")
	doc, err := DecodeFor(p58, []byte("\x1d!\x77A\n\x1dVB\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if r := doc.Items[0].(Run); r.Width != 4 || r.Height != 4 {
		t.Errorf("8×8 on a 4× printer printed %d×%d, want 4×4", r.Width, r.Height)
	}
	for _, it := range doc.Items {
		if _, ok := it.(Cut); ok {
			t.Error("a printer without cutter cut the paper")
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(referenceTicket(f))
	f.Add([]byte("\x1dv0\x00\x01\x00\x02\x00\x80\x01\x1dv0\x03\x01\x00\x01\x00\xff"))
	f.Add([]byte("\x1b@\x1c&\xc8\xcb\x10\x04\x01\x1d(D\x05\x00\x14\x01\x00\x02\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := Decode(b)
		var de *DecodeError
		if err != nil && (!errors.As(err, &de) || de.Offset < 0 || de.Offset >= len(b)) {
			t.Fatalf("Decode error %v does not name an offset inside the job", err)
		}
	})
}
