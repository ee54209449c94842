package escpos

import (
	"image"
	"image/draw"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// cellHeight is the height of font A and of Chinese characters, in dots.
const cellHeight = 24

// RenderPaper draws what the paper shows after printing doc on a printer with
// profile p: p.Dots wide, as tall as the content, black ink on white. Text is
// drawn into the printer's fixed cells (12×24 half-width, 24×24 double-byte,
// times magnification) with face(px), which should cover Chinese.
func RenderPaper(doc *Document, p Profile, face func(px float64) font.Face) *image.Gray {
	r := paperRenderer{p: p, face: face, faces: map[int]font.Face{}, glyphs: map[glyphKey]*image.Alpha{}}
	r.canvas = image.NewGray(image.Rect(0, 0, p.Dots, 0))
	for _, it := range doc.Items {
		switch it := it.(type) {
		case Run:
			r.line = append(r.line, it)
		case Feed:
			r.printLine(min(it.Lines, 1) * it.Pitch)
			r.y += max(it.Lines-1, 0) * it.Pitch
		case QR:
			r.flush()
			r.qr(it)
		case Raster:
			r.flush()
			r.blit(it.Image, it.Align)
		case Cut:
			r.flush()
			r.y += it.Feed
		}
	}
	r.flush()
	r.grow(r.y)
	return r.canvas
}

type glyphKey struct {
	r    rune
	w, h int // cell size in dots
}

type paperRenderer struct {
	p      Profile
	face   func(px float64) font.Face
	faces  map[int]font.Face
	glyphs map[glyphKey]*image.Alpha
	canvas *image.Gray
	y      int   // top of the next line
	line   []Run // the printer's line buffer
}

// grow makes the paper at least h dots long, white where new.
func (r *paperRenderer) grow(h int) {
	old := r.canvas
	if h <= old.Rect.Dy() {
		return
	}
	if h <= cap(old.Pix)/old.Stride {
		n := len(old.Pix)
		old.Pix = old.Pix[:h*old.Stride]
		for i := n; i < len(old.Pix); i++ {
			old.Pix[i] = 0xff
		}
		old.Rect.Max.Y = h
		return
	}
	c := image.NewGray(image.Rect(0, 0, r.p.Dots, h))
	c.Pix = make([]byte, h*c.Stride, 2*h*c.Stride)
	copy(c.Pix, old.Pix)
	for i := len(old.Pix); i < len(c.Pix); i++ {
		c.Pix[i] = 0xff
	}
	r.canvas = c
}

// x0 is where a block w dots wide starts under alignment a.
func (r *paperRenderer) x0(w int, a Alignment) int {
	switch a {
	case Centre:
		return max((r.p.Dots-w)/2, 0)
	case Right:
		return max(r.p.Dots-w, 0)
	}
	return 0
}

// cell is one character position of the line buffer.
type cell struct {
	r   rune
	run *Run
	w   int
}

// flush prints a started line before an image, a QR code or a cut.
func (r *paperRenderer) flush() {
	if len(r.line) > 0 {
		r.printLine(defaultPitch)
	}
}

// printLine prints the line buffer, wrapping at the paper edge like the
// printer does, and advances at least pitch dots per printed line.
func (r *paperRenderer) printLine(pitch int) {
	if len(r.line) == 0 {
		r.y += pitch
		return
	}
	var cells []cell
	for i := range r.line {
		run := &r.line[i]
		for _, c := range run.Text {
			cells = append(cells, cell{r: c, run: run, w: RuneWidth(c) * CellDots * run.Width})
		}
	}
	for len(cells) > 0 {
		width, n, height := 0, 0, 0
		for n < len(cells) && (n == 0 || width+cells[n].w <= r.p.Dots) {
			width += cells[n].w
			height = max(height, cellHeight*cells[n].run.Height)
			n++
		}
		r.grow(r.y + height)
		x := r.x0(width, r.line[0].Align)
		for _, c := range cells[:n] {
			r.drawCell(c, x, r.y+height-cellHeight*c.run.Height)
			x += c.w
		}
		r.y += max(height, pitch)
		cells = cells[n:]
	}
	r.line = r.line[:0]
}

// drawCell puts one character in its cell: reverse paints the cell black,
// bold strikes it twice, one dot apart.
func (r *paperRenderer) drawCell(c cell, x, y int) {
	h := cellHeight * c.run.Height
	ink := uint8(0x00)
	if c.run.Reverse {
		ink = 0xff
		draw.Draw(r.canvas, image.Rect(x, y, x+c.w, y+h), image.Black, image.Point{}, draw.Src)
	}
	g := r.glyph(c.r, c.w, h)
	strikes := 1
	if c.run.Bold {
		strikes = 2
	}
	for s := range strikes {
		for gy := range h {
			for gx := range c.w {
				px, py := x+gx+s*c.run.Width, y+gy
				if g.Pix[gy*g.Stride+gx] >= 0x80 && px < r.p.Dots && py < r.canvas.Rect.Dy() {
					r.canvas.Pix[py*r.canvas.Stride+px] = ink
				}
			}
		}
	}
}

// glyph renders rune c squeezed into a w×h cell, as the printer's font would
// fill it: a face of h px, scaled horizontally to the cell when wider.
func (r *paperRenderer) glyph(c rune, w, h int) *image.Alpha {
	key := glyphKey{c, w, h}
	if g, ok := r.glyphs[key]; ok {
		return g
	}
	f, ok := r.faces[h]
	if !ok {
		f = r.face(float64(h))
		r.faces[h] = f
	}
	adv, _ := f.GlyphAdvance(c)
	natural := max(adv.Ceil(), 1)
	src := image.NewAlpha(image.Rect(0, 0, natural, h))
	m := f.Metrics()
	baseline := (h + m.Ascent.Ceil() - m.Descent.Ceil()) / 2
	d := font.Drawer{Dst: src, Src: image.Opaque, Face: f, Dot: fixed.P(0, baseline)}
	d.DrawString(string(c))
	g := image.NewAlpha(image.Rect(0, 0, w, h))
	scale := max(natural, w)
	off := (scale - natural) / 2 // centre a narrow glyph in its cell
	for y := range h {
		for x := range w {
			sx := x*scale/w - off
			if sx >= 0 && sx < natural {
				g.Pix[y*g.Stride+x] = src.Pix[y*src.Stride+sx]
			}
		}
	}
	r.glyphs[key] = g
	return g
}

// qr draws the symbol as the printer would: q.Module dots per module, with
// a four-module quiet zone of blank paper around it.
func (r *paperRenderer) qr(q QR) {
	code, err := qrcode.New(q.Data, qrcode.RecoveryLevel(q.EC))
	if err != nil {
		return // the printer prints nothing for data it cannot encode
	}
	bits := code.Bitmap()
	side := len(bits) * q.Module
	if side > r.p.Dots {
		return // too wide for the paper: printers skip the symbol
	}
	x0 := r.x0(side, q.Align)
	r.grow(r.y + side)
	for y := range side {
		row := bits[y/q.Module]
		for x := range side {
			if row[x/q.Module] {
				r.canvas.Pix[(r.y+y)*r.canvas.Stride+x0+x] = 0
			}
		}
	}
	r.y += side
}

// blit copies a raster image onto the paper, clipped to the paper width.
func (r *paperRenderer) blit(img *image.Gray, a Alignment) {
	w, h := min(img.Rect.Dx(), r.p.Dots), img.Rect.Dy()
	x0 := r.x0(w, a)
	r.grow(r.y + h)
	for y := range h {
		copy(r.canvas.Pix[(r.y+y)*r.canvas.Stride+x0:][:w], img.Pix[y*img.Stride:][:w])
	}
	r.y += h
}
