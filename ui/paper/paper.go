// Package paper lays out the queue ticket a kiosk prints: what to show, in
// which order and size, wrapped to the paper, as ESC/POS for one printer
// profile. The ticket carries no personal data.
package paper

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"

	"onetrip/hal/escpos"
)

// Ticket is the text of one queue ticket, already localized.
type Ticket struct {
	HallName    string // in the ticket's language
	Title       string // e.g. "取号凭条" / "Queue ticket"
	Number      string // "A001"
	Matter      string
	Where       string // floor and window area, e.g. "2楼 B区 5-8号窗口"
	QueueLabel  string // what is known of the queue, a line each: "前面还有 3 人\n预计等候 约 12 分钟", or "请留意叫号"
	IssuedLabel string // e.g. "取号时间 2026-11-25 09:41"
	// ReprintLabel marks a ticket printed again after a failure, with the
	// original issue time, e.g. "补打（原取号时间 09:41）"; empty the first time.
	ReprintLabel string
	Green        bool
	GreenLabel   string // e.g. "绿色通道 优先办理"
	QR           string // URL to follow the queue on the phone
	QRHint       string // "扫码查看排队进度"
	Footer       string // "请保管好您的号票，留意叫号"
}

// numberMagnify is the largest size the ticket number is printed at.
const numberMagnify = 4

// qrShare is the part of the paper width the QR symbol should take.
const qrShare = 0.4

// Encode returns the print job for t on a printer with profile p: device text
// and a native QR code, or for full-raster profiles one image drawn with face.
func Encode(t Ticket, p escpos.Profile, face func(px float64) font.Face) ([]byte, error) {
	return Print(p, face, "ticket "+t.Number, func(e *escpos.Encoder, p escpos.Profile) error { return layout(e, t, p) })
}

// Print returns the job for one piece of paper whose body is written by
// body: device text on a native profile; on a full-raster profile the body
// is laid out for an ideal printer, rendered with face and sent as raster
// bands, so it looks the same. what names the paper in errors.
func Print(p escpos.Profile, face func(px float64) font.Face, what string, body func(*escpos.Encoder, escpos.Profile) error) ([]byte, error) {
	if !p.Raster {
		e := escpos.NewEncoder(p)
		e.Init()
		if err := body(e, p); err != nil {
			return nil, err
		}
		e.Cut()
		return e.Bytes(), nil
	}
	ideal := p
	ideal.Raster, ideal.NativeQR, ideal.Cutter = false, true, false
	e := escpos.NewEncoder(ideal)
	e.Init()
	if err := body(e, ideal); err != nil {
		return nil, err
	}
	doc, err := escpos.DecodeFor(ideal, e.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: layout: %w", what, err)
	}
	out := escpos.NewEncoder(p)
	out.Init()
	if err := out.Raster(escpos.RenderPaper(doc, ideal, face)); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out.Cut()
	return out.Bytes(), nil
}

// Slip is a note that is not a ticket, already localized: a title, lines
// of text and a footer.
type Slip struct {
	HallName string
	Title    string
	Lines    []string // a line each; long lines wrap
	Footer   string
}

// EncodeSlip returns the print job of s.
func EncodeSlip(s Slip, p escpos.Profile, face func(px float64) font.Face) ([]byte, error) {
	return Print(p, face, "slip "+s.Title, func(e *escpos.Encoder, p escpos.Profile) error {
		e.Align(escpos.Centre)
		lines(e, p, 1, s.HallName)
		e.Bold(true)
		lines(e, p, 1, s.Title)
		e.Bold(false)
		e.Feed(1)
		e.Align(escpos.Left)
		lines(e, p, 1, s.Lines...)
		e.Feed(1)
		e.Align(escpos.Centre)
		lines(e, p, 1, s.Footer)
		e.Feed(3)
		return nil
	})
}

// layout writes the ticket body, centred, top to bottom.
func layout(e *escpos.Encoder, t Ticket, p escpos.Profile) error {
	e.Align(escpos.Centre)
	lines(e, p, 1, t.HallName)
	e.Bold(true)
	lines(e, p, 1, t.Title)
	e.Bold(false)
	e.Feed(1)

	big := min(numberMagnify, p.MaxMagnify)
	e.Size(big, big)
	e.Bold(true)
	lines(e, p, big, t.Number)
	e.Size(1, 1)
	lines(e, p, 1, t.Matter)
	e.Bold(false)
	e.Feed(1)

	lines(e, p, 1, t.Where, t.QueueLabel, t.IssuedLabel)
	if t.ReprintLabel != "" {
		e.Bold(true)
		lines(e, p, 1, t.ReprintLabel)
		e.Bold(false)
	}
	if t.Green {
		e.Size(1, 2)
		e.Bold(true)
		e.Reverse(true)
		lines(e, p, 1, " "+t.GreenLabel+" ")
		e.Reverse(false)
		e.Bold(false)
		e.Size(1, 1)
	}
	if t.QR != "" {
		e.Feed(1)
		if err := e.QR(t.QR, moduleDots(len(t.QR), p.Dots), escpos.ECMedium); err != nil {
			return fmt.Errorf("ticket %s: queue QR: %w", t.Number, err)
		}
		lines(e, p, 1, t.QRHint)
	}
	e.Feed(1)
	lines(e, p, 1, t.Footer)
	return nil
}

// lines prints each non-empty text, wrapped to the columns left at
// magnification mag: at the last space that fits, else between characters.
func lines(e *escpos.Encoder, p escpos.Profile, mag int, texts ...string) {
	cols := max(p.Columns/mag, 1)
	for _, s := range texts {
		for para := range strings.SplitSeq(s, "\n") {
			wrap(e, para, cols)
		}
	}
}

// noLineStart is punctuation a Chinese line must not start with.
const noLineStart = "，。、；：？！）】》」』”’,.;:?!)"

func wrap(e *escpos.Encoder, s string, cols int) {
	for len(s) > 0 {
		width, end, space := 0, len(s), -1
		for i, r := range s {
			w := escpos.RuneWidth(r)
			if width+w > cols && i > 0 {
				end = i
				break
			}
			if r == ' ' && i > 0 {
				space = i
			}
			width += w
		}
		if end == len(s) {
			e.Line(s)
			return
		}
		switch next, _ := utf8.DecodeRuneInString(s[end:]); {
		case next == ' ':
		case space > 0:
			end = space
		case strings.ContainsRune(noLineStart, next):
			_, size := utf8.DecodeLastRuneInString(s[:end])
			end = max(end-size, size) // carry the last character down with it
		}
		e.Line(s[:end])
		s = strings.TrimLeft(s[end:], " ")
	}
}

// byteCapacityM is how many bytes a QR symbol of version i+1 holds at error
// correction M in byte mode (ISO/IEC 18004 table 7).
var byteCapacityM = [...]int{
	14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
	251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
}

// moduleDots chooses the module size that makes an n-byte QR code about
// qrShare of the paper width, quiet zone left free.
func moduleDots(n, dots int) int {
	version := len(byteCapacityM)
	for v, c := range byteCapacityM {
		if n <= c {
			version = v + 1
			break
		}
	}
	modules := 17 + 4*version
	m := int(math.Round(qrShare * float64(dots) / float64(modules)))
	return min(max(m, 1), dots/(modules+8), 16)
}
