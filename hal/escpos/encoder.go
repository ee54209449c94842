package escpos

import (
	"fmt"
	"image"
	"image/color"

	"github.com/skip2/go-qrcode"
)

// maxBandRows is the tallest GS v 0 command sent: cheap clones overrun on more.
const maxBandRows = 256

// maxQRData is the most a GS ( k store command may carry (Epson limit).
const maxQRData = 7089

// Encoder builds the bytes of one print job for one printer profile. It
// tracks the printer's modes so that every command lands where the printer
// honours it (alignment, images and cuts only at line start).
type Encoder struct {
	p         Profile
	buf       []byte
	chinese   bool // FS & in effect
	lineStart bool // the printer's line buffer is empty
	scratch   [8]byte
}

// NewEncoder returns an empty job for printer profile p.
func NewEncoder(p Profile) *Encoder {
	return &Encoder{p: p, buf: make([]byte, 0, 512), lineStart: true}
}

// Bytes returns the job so far. It aliases the encoder's buffer until Reset.
func (e *Encoder) Bytes() []byte { return e.buf }

// Reset empties the job, keeping the buffer for the next one.
func (e *Encoder) Reset() {
	e.buf = e.buf[:0]
	e.chinese = false
	e.lineStart = true
}

// Init resets the printer (ESC @) and then sets Chinese mode explicitly
// (FS &), because ESC @ restores a model-dependent power-on mode.
func (e *Encoder) Init() {
	e.buf = append(e.buf, esc, '@', fsc, '&')
	e.chinese = true
	e.lineStart = true
}

// Align sets the justification of the following lines (ESC a n).
func (e *Encoder) Align(a Alignment) {
	e.startLine()
	e.buf = append(e.buf, esc, 'a', byte(min(a, Right)))
}

// Size sets character magnification (GS ! n), each clamped to 1…MaxMagnify.
func (e *Encoder) Size(w, h int) {
	w = min(max(w, 1), e.p.MaxMagnify)
	h = min(max(h, 1), e.p.MaxMagnify)
	e.buf = append(e.buf, gs, '!', byte((w-1)<<4|(h-1)))
}

// Bold turns emphasised (double-strike) printing on or off (ESC E n).
func (e *Encoder) Bold(on bool) { e.buf = append(e.buf, esc, 'E', b2i(on)) }

// Reverse turns white-on-black printing on or off (GS B n).
func (e *Encoder) Reverse(on bool) { e.buf = append(e.buf, gs, 'B', b2i(on)) }

// Text prints s without ending the line. Characters GBK cannot carry are
// replaced (¥ by ￥, the rest by ?), control characters other than \n too, so
// text can never be read as a command.
func (e *Encoder) Text(s string) {
	for _, r := range s {
		if r == '\n' {
			e.buf = append(e.buf, lf)
			e.lineStart = true
			continue
		}
		if r >= 0x80 && !e.chinese {
			e.buf = append(e.buf, fsc, '&')
			e.chinese = true
		}
		e.buf = appendRune(e.buf, r, &e.scratch)
		e.lineStart = false
	}
}

// Line prints s and ends the line.
func (e *Encoder) Line(s string) {
	e.Text(s)
	e.buf = append(e.buf, lf)
	e.lineStart = true
}

// Feed prints the line buffer and feeds n lines (ESC d n, n ≤ 255).
func (e *Encoder) Feed(n int) {
	e.buf = append(e.buf, esc, 'd', byte(min(max(n, 0), 255)))
	e.lineStart = true
}

// QR prints data as a QR code of moduleDots dots per module, at the current
// alignment: natively (GS ( k, model 2) when the profile allows, otherwise as
// a raster image.
func (e *Encoder) QR(data string, moduleDots int, ec ECLevel) error {
	if len(data) == 0 || len(data) > maxQRData {
		return fmt.Errorf("escpos: QR data of %d bytes, want 1–%d", len(data), maxQRData)
	}
	moduleDots = min(max(moduleDots, 1), 16)
	ec = min(ec, ECHigh)
	if !e.p.NativeQR {
		return e.rasterQR(data, moduleDots, ec)
	}
	e.startLine()
	if e.chinese { // some printers print an empty QR in Chinese mode
		e.buf = append(e.buf, fsc, '.')
		e.chinese = false
	}
	e.buf = append(e.buf,
		gs, '(', 'k', 4, 0, '1', 'A', '2', 0,
		gs, '(', 'k', 3, 0, '1', 'C', byte(moduleDots),
		gs, '(', 'k', 3, 0, '1', 'E', '0'+byte(ec))
	n := len(data) + 3
	e.buf = append(e.buf, gs, '(', 'k', byte(n), byte(n>>8), '1', 'P', '0')
	e.buf = append(e.buf, data...)
	e.buf = append(e.buf, gs, '(', 'k', 3, 0, '1', 'Q', '0')
	return nil
}

// rasterQR draws the symbol with whole-dot modules and a 4-module quiet zone.
func (e *Encoder) rasterQR(data string, moduleDots int, ec ECLevel) error {
	q, err := qrcode.New(data, qrcode.RecoveryLevel(ec))
	if err != nil {
		return fmt.Errorf("escpos: QR %q: %w", data, err)
	}
	bits := q.Bitmap()
	side := len(bits) * moduleDots
	if side > e.p.Dots {
		return fmt.Errorf("escpos: QR of %d dots is wider than the %d-dot paper", side, e.p.Dots)
	}
	img := image.NewGray(image.Rect(0, 0, side, side))
	for y := range side {
		row := bits[y/moduleDots]
		for x := range side {
			if !row[x/moduleDots] {
				img.Pix[y*img.Stride+x] = 0xff
			}
		}
	}
	return e.Raster(img)
}

// Raster prints img as black and white dots (dark below mid-grey, transparent
// is white) with GS v 0 in bands of at most 256 rows.
func (e *Encoder) Raster(img image.Image) error {
	b := img.Bounds()
	if b.Dx() > e.p.Dots {
		return fmt.Errorf("escpos: image %d dots wide on %d-dot paper", b.Dx(), e.p.Dots)
	}
	if b.Empty() {
		return nil
	}
	e.startLine()
	rowBytes := (b.Dx() + 7) / 8
	for y0 := b.Min.Y; y0 < b.Max.Y; y0 += maxBandRows {
		rows := min(maxBandRows, b.Max.Y-y0)
		e.buf = append(e.buf, gs, 'v', '0', 0, byte(rowBytes), byte(rowBytes>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			e.buf = appendBits(e.buf, img, b, y, rowBytes)
		}
	}
	return nil
}

// appendBits packs one image row MSB-first, 1 = black, padded with white.
func appendBits(dst []byte, img image.Image, b image.Rectangle, y, rowBytes int) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, rowBytes)...)
	row := dst[start:]
	if g, ok := img.(*image.Gray); ok {
		pix := g.Pix[g.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			if pix[x] < 0x80 {
				row[x>>3] |= 0x80 >> (x & 7)
			}
		}
		return dst
	}
	for x := range b.Dx() {
		r, gg, bb, a := img.At(b.Min.X+x, y).RGBA()
		// Composite over white paper, then threshold the luminance.
		lum := color.GrayModel.Convert(color.RGBA64{
			R: uint16(r + 0xffff - a), G: uint16(gg + 0xffff - a), B: uint16(bb + 0xffff - a), A: 0xffff,
		}).(color.Gray).Y
		if lum < 0x80 {
			row[x>>3] |= 0x80 >> (x & 7)
		}
	}
	return dst
}

// Cut ends the ticket: feeds it clear of the print head and, with a cutter,
// feeds to the blade and cuts partially (GS V 66 0); without one it only feeds
// so the ticket can be torn off.
func (e *Encoder) Cut() {
	e.startLine()
	if e.p.Cutter {
		e.Feed(3)
		e.buf = append(e.buf, gs, 'V', 'B', 0)
		return
	}
	e.Feed(5)
}

// startLine ends a started line so the next command is at line start.
func (e *Encoder) startLine() {
	if !e.lineStart {
		e.buf = append(e.buf, lf)
		e.lineStart = true
	}
}

func b2i(on bool) byte {
	if on {
		return 1
	}
	return 0
}
