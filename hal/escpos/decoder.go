package escpos

import (
	"fmt"
	"image"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Document is what a printer makes of a job: the items in paper order.
type Document struct {
	Items []Item
}

// Item is one of Run, Feed, QR, Raster or Cut.
type Item interface{ item() }

// Run is text printed in one style on the current line.
type Run struct {
	Text          string
	Align         Alignment
	Width, Height int // magnification, 1–8
	Bold, Reverse bool
}

// Feed prints the line buffer, then advances Lines lines of Pitch dots.
type Feed struct {
	Lines int
	Pitch int // dots per line
}

// QR is a native QR code symbol.
type QR struct {
	Data   string
	Module int // dots per module
	EC     ECLevel
	Align  Alignment
}

// Raster is a bit image, its GS v 0 bands joined; black is 0, white 255.
type Raster struct {
	Image *image.Gray
	Align Alignment
}

// Cut is a paper cut.
type Cut struct {
	Partial bool
	Feed    int // dots fed before cutting (GS V function B)
}

func (Run) item()    {}
func (Feed) item()   {}
func (QR) item()     {}
func (Raster) item() {}
func (Cut) item()    {}

// Text returns the printed text, one line per printed line that holds text.
func (d *Document) Text() string {
	var out, line strings.Builder
	flush := func() {
		if line.Len() > 0 {
			if out.Len() > 0 {
				out.WriteByte('\n')
			}
			out.WriteString(line.String())
			line.Reset()
		}
	}
	for _, it := range d.Items {
		if r, ok := it.(Run); ok {
			line.WriteString(r.Text)
			continue
		}
		flush()
	}
	flush()
	return out.String()
}

// QRCodes returns the payloads of the native QR codes, in order.
func (d *Document) QRCodes() []string {
	var qs []string
	for _, it := range d.Items {
		if q, ok := it.(QR); ok {
			qs = append(qs, q.Data)
		}
	}
	return qs
}

// Images returns the raster images, in order.
func (d *Document) Images() []*image.Gray {
	var imgs []*image.Gray
	for _, it := range d.Items {
		if r, ok := it.(Raster); ok {
			imgs = append(imgs, r.Image)
		}
	}
	return imgs
}

// DecodeError reports a command a printer could not have made sense of.
type DecodeError struct {
	Offset  int    // byte offset of the command in the job
	Command string // e.g. "GS ( k"
	Reason  string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("escpos: offset %d: %s: %s", e.Offset, e.Command, e.Reason)
}

// defaultPitch is the power-on line spacing (ESC 2), in dots.
const defaultPitch = 30

// Decode reads a job the way a Chinese-default printer with a cutter and
// 8× magnification reads it.
func Decode(b []byte) (*Document, error) {
	return DecodeFor(Profile{ChineseDefault: true, Cutter: true, MaxMagnify: 8}, b)
}

// DecodeFor reads a job the way a printer with profile p reads it: its
// power-on Chinese mode, its magnification limit, and no cut without a cutter.
func DecodeFor(p Profile, b []byte) (*Document, error) {
	d := decoder{p: p, b: b}
	d.reset()
	if err := d.run(); err != nil {
		return nil, err
	}
	return &d.doc, nil
}

type decoder struct {
	p   Profile
	b   []byte
	i   int
	doc Document

	align         Alignment
	w, h          int
	bold, reverse bool
	chinese       bool
	pitch         int
	qrModule      int
	qrEC          ECLevel
	qrData        []byte
	qrStored      bool
}

func (d *decoder) reset() {
	d.align, d.w, d.h, d.bold, d.reverse = Left, 1, 1, false, false
	d.chinese = d.p.ChineseDefault
	d.pitch = defaultPitch
	d.qrModule, d.qrEC, d.qrStored = 3, ECLow, false
}

func (d *decoder) fail(at int, cmd, format string, args ...any) error {
	return &DecodeError{Offset: at, Command: cmd, Reason: fmt.Sprintf(format, args...)}
}

// need returns the n bytes after the command prefix at, or a truncation error.
func (d *decoder) need(at, prefix, n int, cmd string) ([]byte, error) {
	if at+prefix+n > len(d.b) {
		return nil, d.fail(at, cmd, "truncated: needs %d bytes, job ends after %d", prefix+n, len(d.b)-at)
	}
	d.i = at + prefix + n
	return d.b[at+prefix : at+prefix+n], nil
}

func (d *decoder) run() error {
	for d.i < len(d.b) {
		at, c := d.i, d.b[d.i]
		var err error
		switch {
		case c >= 0x20:
			err = d.text(at)
		case c == lf:
			d.i++
			d.add(Feed{Lines: 1, Pitch: d.pitch})
		case c == 0x00 || c == '\r': // NUL is a no-op; CR is ignored with auto-LF off
			d.i++
		case c == esc:
			err = d.escape(at)
		case c == gs:
			err = d.group(at)
		case c == fsc:
			err = d.chineseCmd(at)
		case c == dle:
			err = d.realtime(at)
		default:
			err = d.fail(at, fmt.Sprintf("0x%02X", c), "unknown control byte")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) add(it Item) { d.doc.Items = append(d.doc.Items, it) }

// text reads printable bytes up to the next control byte as one run.
func (d *decoder) text(at int) error {
	j := at
	for j < len(d.b) && d.b[j] >= 0x20 {
		if d.chinese && d.b[j] >= 0x80 {
			if d.b[j] == 0x80 || d.b[j] == 0xff {
				return d.fail(j, fmt.Sprintf("0x%02X", d.b[j]), "not a GBK lead byte")
			}
			if j+1 >= len(d.b) || d.b[j+1] < 0x40 || d.b[j+1] == 0x7f || d.b[j+1] == 0xff {
				return d.fail(j, "GBK character", "lead byte 0x%02X without a trail byte", d.b[j])
			}
			j++
		}
		j++
	}
	d.i = j
	var s string
	if d.chinese {
		u, err := simplifiedchinese.GBK.NewDecoder().Bytes(d.b[at:j])
		if err != nil {
			return d.fail(at, "GBK text", "%v", err)
		}
		s = string(u)
	} else {
		var sb strings.Builder
		for _, c := range d.b[at:j] {
			sb.WriteRune(charmap.CodePage437.DecodeByte(c))
		}
		s = sb.String()
	}
	d.add(Run{Text: s, Align: d.align, Width: d.w, Height: d.h, Bold: d.bold, Reverse: d.reverse})
	return nil
}

func (d *decoder) escape(at int) error {
	if at+1 >= len(d.b) {
		return d.fail(at, "ESC", "truncated")
	}
	op := d.b[at+1]
	cmd := "ESC " + cmdName(op)
	switch op {
	case '@':
		d.i = at + 2
		d.reset()
		return nil
	case '2':
		d.i = at + 2
		d.pitch = defaultPitch
		return nil
	}
	arg, err := d.need(at, 2, 1, cmd)
	if err != nil {
		return err
	}
	n := arg[0]
	switch op {
	case 'a':
		if n&0x0f > 2 {
			return d.fail(at, cmd, "justification %d", n)
		}
		d.align = Alignment(n & 0x0f)
	case 'E':
		d.bold = n&1 == 1
	case '!': // print mode: bit3 emphasised, bit4 double height, bit5 double width
		d.bold = n&0x08 != 0
		d.w, d.h = 1+int(n>>5&1), 1+int(n>>4&1)
	case '-', 't', 'R', 'M':
		// underline, code table, international set, font: no effect on what is checked
	case 'd':
		d.add(Feed{Lines: int(n), Pitch: d.pitch})
	case 'J':
		d.add(Feed{Lines: 1, Pitch: int(n)})
	case '3':
		d.pitch = int(n)
	default:
		return d.fail(at, cmd, "unknown command")
	}
	return nil
}

func (d *decoder) group(at int) error {
	if at+1 >= len(d.b) {
		return d.fail(at, "GS", "truncated")
	}
	op := d.b[at+1]
	cmd := "GS " + cmdName(op)
	switch op {
	case '(':
		return d.extended(at)
	case 'v':
		return d.raster(at)
	case 'V':
		arg, err := d.need(at, 2, 1, cmd)
		if err != nil {
			return err
		}
		m, feed := arg[0], 0
		switch m {
		case 0, 1, '0', '1':
		case 'A', 'B':
			n, err := d.need(at, 3, 1, cmd)
			if err != nil {
				return err
			}
			feed = int(n[0])
		default:
			return d.fail(at, cmd, "unknown cut mode %d", m)
		}
		if !d.p.Cutter {
			d.add(Feed{Lines: 1, Pitch: feed})
			return nil
		}
		d.add(Cut{Partial: m&1 == 1 || m == 'B', Feed: feed})
		return nil
	}
	arg, err := d.need(at, 2, 1, cmd)
	if err != nil {
		return err
	}
	n := arg[0]
	switch op {
	case '!':
		w, h := int(n>>4)+1, int(n&0x0f)+1
		if w > 8 || h > 8 {
			return d.fail(at, cmd, "size 0x%02X out of range", n)
		}
		d.w, d.h = min(w, d.p.MaxMagnify), min(h, d.p.MaxMagnify)
	case 'B':
		d.reverse = n&1 == 1
	case 'a', 'r', 'h', 'w', 'H', 'f':
		// status back, status request, barcode settings: no mark on paper
	default:
		return d.fail(at, cmd, "unknown command")
	}
	return nil
}

// extended reads GS ( k (2-D codes) and GS ( D (real-time command switches).
func (d *decoder) extended(at int) error {
	hdr, err := d.need(at, 2, 3, "GS (")
	if err != nil {
		return err
	}
	cmd := "GS ( " + cmdName(hdr[0])
	p, err := d.need(at, 5, int(hdr[1])|int(hdr[2])<<8, cmd)
	if err != nil {
		return err
	}
	switch {
	case hdr[0] == 'D':
		return nil
	case hdr[0] != 'k':
		return d.fail(at, cmd, "unknown command")
	case len(p) < 3:
		return d.fail(at, cmd, "parameter block of %d bytes", len(p))
	case p[0] != '1':
		return d.fail(at, cmd, "symbology cn=%d, only QR (49) is known", p[0])
	}
	switch fn := p[1]; fn {
	case 'A': // model
		if p[2] != '1' && p[2] != '2' {
			return d.fail(at, cmd, "QR model %d", p[2])
		}
	case 'C':
		if p[2] < 1 || p[2] > 16 {
			return d.fail(at, cmd, "QR module size %d, want 1–16", p[2])
		}
		d.qrModule = int(p[2])
	case 'E':
		if p[2] < '0' || p[2] > '3' {
			return d.fail(at, cmd, "QR error correction %d", p[2])
		}
		d.qrEC = ECLevel(p[2] - '0')
	case 'P': // fn 180: store
		if p[2] != '0' || len(p) < 4 {
			return d.fail(at, cmd, "malformed QR store")
		}
		d.qrData = append(d.qrData[:0], p[3:]...)
		d.qrStored = true
	case 'Q': // fn 181: print
		if !d.qrStored {
			return d.fail(at, cmd, "QR print with no stored data")
		}
		d.add(QR{Data: string(d.qrData), Module: d.qrModule, EC: d.qrEC, Align: d.align})
	case 'R': // size information: a reply, nothing printed
	default:
		return d.fail(at, cmd, "unknown QR function %d", fn)
	}
	return nil
}

// raster reads one GS v 0 band, joining it to the previous band when that is
// the item just before and has the same width and alignment.
func (d *decoder) raster(at int) error {
	hdr, err := d.need(at, 2, 6, "GS v")
	if err != nil {
		return err
	}
	if hdr[0] != '0' {
		return d.fail(at, "GS v "+cmdName(hdr[0]), "unknown command")
	}
	m := hdr[1]
	if m > 3 && (m < '0' || m > '3') {
		return d.fail(at, "GS v 0", "mode %d", m)
	}
	sx, sy := 1+int(m&1), 1+int(m>>1&1)
	rowBytes, rows := int(hdr[2])|int(hdr[3])<<8, int(hdr[4])|int(hdr[5])<<8
	data, err := d.need(at, 8, rowBytes*rows, "GS v 0")
	if err != nil {
		return err
	}
	band := image.NewGray(image.Rect(0, 0, rowBytes*8*sx, rows*sy))
	for y := range band.Rect.Dy() {
		for x := range band.Rect.Dx() {
			bx, by := x/sx, y/sy
			if data[by*rowBytes+bx/8]&(0x80>>(bx%8)) == 0 {
				band.Pix[y*band.Stride+x] = 0xff
			}
		}
	}
	if n := len(d.doc.Items); n > 0 {
		if prev, ok := d.doc.Items[n-1].(Raster); ok && prev.Align == d.align && prev.Image.Rect.Dx() == band.Rect.Dx() {
			joined := image.NewGray(image.Rect(0, 0, band.Rect.Dx(), prev.Image.Rect.Dy()+band.Rect.Dy()))
			copy(joined.Pix, prev.Image.Pix)
			copy(joined.Pix[len(prev.Image.Pix):], band.Pix)
			d.doc.Items[n-1] = Raster{Image: joined, Align: d.align}
			return nil
		}
	}
	d.add(Raster{Image: band, Align: d.align})
	return nil
}

func (d *decoder) chineseCmd(at int) error {
	if at+1 >= len(d.b) {
		return d.fail(at, "FS", "truncated")
	}
	op := d.b[at+1]
	cmd := "FS " + cmdName(op)
	switch op {
	case '&':
		d.i = at + 2
		d.chinese = true
		return nil
	case '.':
		d.i = at + 2
		d.chinese = false
		return nil
	case '!', '-', 'W', 'C':
		_, err := d.need(at, 2, 1, cmd)
		return err
	case 'S':
		_, err := d.need(at, 2, 2, cmd)
		return err
	}
	return d.fail(at, cmd, "unknown command")
}

// realtime reads DLE EOT / DLE ENQ, which ask or recover but print nothing.
func (d *decoder) realtime(at int) error {
	if at+1 >= len(d.b) {
		return d.fail(at, "DLE", "truncated")
	}
	op := d.b[at+1]
	cmd := "DLE " + cmdName(op)
	if op != 0x04 && op != 0x05 {
		return d.fail(at, cmd, "unknown command")
	}
	n, err := d.need(at, 2, 1, cmd)
	if err != nil {
		return err
	}
	if n[0] < 1 || n[0] > 4 {
		return d.fail(at, cmd, "n = %d, want 1–4", n[0])
	}
	return nil
}

// cmdName spells a command byte the way manuals do: "@", "EOT", "0x99".
func cmdName(c byte) string {
	switch {
	case c == 0x04:
		return "EOT"
	case c == 0x05:
		return "ENQ"
	case c > 0x20 && c < 0x7f:
		return string(rune(c))
	}
	return fmt.Sprintf("0x%02X", c)
}
