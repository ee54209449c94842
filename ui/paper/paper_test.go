package paper

import (
	"bytes"
	"image"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"

	"onetrip/hal/escpos"
	"onetrip/ui/qrscan"
	"onetrip/ui/render"
)

// face is the kiosk's own embedded CJK font, as the kiosk passes it.
func kioskFace() func(px float64) font.Face { return render.DefaultFont().XFace }

func profile(t testing.TB, name string) escpos.Profile {
	t.Helper()
	p, err := escpos.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sample() Ticket {
	return Ticket{
		HallName:    "杭州市民中心 政务服务大厅",
		Title:       "取号凭条",
		Number:      "A023",
		Matter:      "不动产登记",
		Where:       "2楼 B区 5-8号窗口",
		QueueLabel:  "前面还有 3 人\n预计等候 约 12 分钟",
		IssuedLabel: "取号时间 2026-11-25 09:41",
		Green:       true,
		GreenLabel:  "绿色通道 优先办理",
		QR:          "https://zwfw.example.gov.cn/q/330100/A023?t=8f3a",
		QRHint:      "扫码查看排队进度",
		Footer:      "请保管好您的号票，留意叫号",
	}
}

func decode(t *testing.T, job []byte, p escpos.Profile) *escpos.Document {
	t.Helper()
	doc, err := escpos.DecodeFor(p, job)
	if err != nil {
		t.Fatalf("ticket does not decode: %v", err)
	}
	return doc
}

func TestNativeTicketSaysWhereAndHowLong(t *testing.T) {
	for _, name := range []string{"80mm", "58mm"} {
		p := profile(t, name)
		tk := sample()
		job, err := Encode(tk, p, kioskFace())
		if err != nil {
			t.Fatal(err)
		}
		doc := decode(t, job, p)
		text := doc.Text()
		for _, want := range []string{tk.HallName, tk.Title, tk.Number, tk.Matter, tk.Where, tk.QueueLabel,
			tk.IssuedLabel, tk.GreenLabel, tk.QRHint, tk.Footer} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: ticket text lacks %q:\n%s", name, want, text)
			}
		}
		if qrs := doc.QRCodes(); len(qrs) != 1 || qrs[0] != tk.QR {
			t.Errorf("%s: QR codes %q, want %q", name, qrs, tk.QR)
		}
		big := min(4, p.MaxMagnify)
		for _, it := range doc.Items {
			r, ok := it.(escpos.Run)
			if !ok {
				continue
			}
			if r.Align != escpos.Centre {
				t.Errorf("%s: %q is not centred", name, r.Text)
			}
			if r.Text == tk.Number && (r.Width != big || r.Height != big || !r.Bold) {
				t.Errorf("%s: number printed %d×%d bold=%v, want %d×%d bold", name, r.Width, r.Height, r.Bold, big, big)
			}
			if strings.Contains(r.Text, tk.GreenLabel) && !r.Reverse {
				t.Errorf("%s: green channel mark is not inverse", name)
			}
		}
		_, cut := doc.Items[len(doc.Items)-1].(escpos.Cut)
		if cut != p.Cutter {
			t.Errorf("%s: ends with a cut = %v, want %v", name, cut, p.Cutter)
		}
	}
}

func TestOrdinaryTicketHasNoGreenMark(t *testing.T) {
	p := profile(t, "80mm")
	tk := sample()
	tk.Green = false
	job, err := Encode(tk, p, kioskFace())
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, job, p)
	if strings.Contains(doc.Text(), tk.GreenLabel) {
		t.Error("an ordinary ticket shows the green channel mark")
	}
	for _, it := range doc.Items {
		if r, ok := it.(escpos.Run); ok && r.Reverse {
			t.Errorf("%q printed inverse", r.Text)
		}
	}
}

func TestQRTakesAboutFortyPercentOfThePaper(t *testing.T) {
	for _, name := range []string{"80mm", "58mm"} {
		p := profile(t, name)
		tk := sample()
		job, _ := Encode(tk, p, kioskFace())
		var module int
		for _, it := range decode(t, job, p).Items {
			if q, ok := it.(escpos.QR); ok {
				module = q.Module
			}
		}
		q, err := qrcode.New(tk.QR, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		modules := 17 + 4*q.VersionNumber
		if share := float64(modules*module) / float64(p.Dots); share < 0.33 || share > 0.47 {
			t.Errorf("%s: QR %d modules × %d dots is %.0f%% of the paper, want about 40%%", name, modules, module, 100*share)
		}
	}
}

func TestByteCapacityTableMatchesAnEncoder(t *testing.T) {
	for v, capacity := range byteCapacityM {
		for _, n := range []int{capacity, capacity + 1} {
			q, err := qrcode.New(strings.Repeat("a", n), qrcode.Medium)
			if err != nil {
				t.Fatal(err)
			}
			want := v + 1
			if n > capacity {
				want = v + 2
			}
			if q.VersionNumber != want {
				t.Errorf("%d bytes at M: encoder chose version %d, table says %d", n, q.VersionNumber, want)
			}
		}
	}
}

func TestLongMatterWrapsOn58mmWithoutLosingCharacters(t *testing.T) {
	p := profile(t, "58mm")
	for _, matter := range []string{
		"外国人来华工作许可证延期变更注销，及补办申请（含港澳台居民就业登记）",
		"Application for the renewal of a residence permit for Hong Kong, Macao and Taiwan residents",
	} {
		tk := sample()
		tk.Matter = matter
		job, err := Encode(tk, p, kioskFace())
		if err != nil {
			t.Fatal(err)
		}
		text := decode(t, job, p).Text()
		for _, line := range strings.Split(text, "\n") {
			if w := escpos.TextWidth(line); w > p.Columns {
				t.Errorf("line %q is %d columns on %d-column paper", line, w, p.Columns)
			}
		}
		if strings.Contains(text, matter) {
			t.Errorf("a %d-column matter was not wrapped", escpos.TextWidth(matter))
		}
		squeeze := strings.NewReplacer("\n", "", " ", "")
		if !strings.Contains(squeeze.Replace(text), squeeze.Replace(matter)) {
			t.Errorf("wrapped matter lost characters:\n%s", text)
		}
		for _, line := range strings.Split(text, "\n") {
			if r, _ := utf8.DecodeRuneInString(line); strings.ContainsRune(noLineStart, r) {
				t.Errorf("line %q starts with closing punctuation", line)
			}
		}
		if !strings.Contains(matter, " ") {
			continue
		}
		joined := " " + strings.ReplaceAll(text, "\n", " ") + " "
		for _, word := range strings.Fields(matter) {
			if !strings.Contains(joined, " "+word+" ") {
				t.Errorf("word %q was split across lines:\n%s", word, text)
			}
		}
	}
}

func TestTextCannotInjectCommands(t *testing.T) {
	p := profile(t, "80mm")
	tk := sample()
	tk.Matter = "营业执照\x1b@办理\x1dV\x00变更"
	job, err := Encode(tk, p, kioskFace())
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(job, []byte{0x1b, '@'}); n != 1 {
		t.Errorf("job holds %d ESC @, want only the one that starts it", n)
	}
	doc := decode(t, job, p)
	cuts := 0
	for _, it := range doc.Items {
		if _, ok := it.(escpos.Cut); ok {
			cuts++
		}
	}
	if cuts != 1 {
		t.Errorf("ticket cut %d times, want once at the end", cuts)
	}
	if !strings.Contains(doc.Text(), "营业执照?@办理?V?变更") {
		t.Errorf("matter printed as\n%s", doc.Text())
	}
}

func TestYenPrintsAsFullwidthYen(t *testing.T) {
	p := profile(t, "80mm")
	tk := sample()
	tk.Footer = "工本费 ¥10"
	job, err := Encode(tk, p, kioskFace())
	if err != nil {
		t.Fatal(err)
	}
	if text := decode(t, job, p).Text(); !strings.Contains(text, "工本费 ￥10") || strings.Contains(text, "¥") {
		t.Errorf("footer printed as\n%s", text)
	}
}

func TestRasterTicketScans(t *testing.T) {
	for _, name := range []string{"80mm-raster", "58mm-raster"} {
		p := profile(t, name)
		tk := sample()
		job, err := Encode(tk, p, kioskFace())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(job, []byte{0x1d, '(', 'k'}) {
			t.Errorf("%s: sent GS ( k to a printer without native QR", name)
		}
		doc := decode(t, job, p)
		if doc.Text() != "" || len(doc.QRCodes()) != 0 {
			t.Errorf("%s: device text %q / QR %q on a raster printer", name, doc.Text(), doc.QRCodes())
		}
		imgs := doc.Images()
		if len(imgs) != 1 || imgs[0].Rect.Dx() != p.Dots {
			t.Fatalf("%s: %d images, want one ticket %d dots wide", name, len(imgs), p.Dots)
		}
		if got := scanQR(t, imgs[0]); got != tk.QR {
			t.Errorf("%s: scanned %q, want %q", name, got, tk.QR)
		}
		_, cut := doc.Items[len(doc.Items)-1].(escpos.Cut)
		if cut != p.Cutter {
			t.Errorf("%s: ends with a cut = %v, want %v", name, cut, p.Cutter)
		}
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

func BenchmarkEncodeNative(b *testing.B) {
	p, face, tk := profile(b, "80mm"), kioskFace(), sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(tk, p, face); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRaster(b *testing.B) {
	p, face, tk := profile(b, "80mm-raster"), kioskFace(), sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(tk, p, face); err != nil {
			b.Fatal(err)
		}
	}
}
