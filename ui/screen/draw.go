package screen

import (
	"image"
	"image/color"
	"slices"

	"onetrip/ui/render"
)

// Palette: dark text on a light background, saturated buttons with white
// labels; every pair reads at well over 4.5:1 contrast in a bright hall.
var (
	background = color.RGBA{0xF4, 0xF6, 0xF9, 0xFF}
	ink        = color.RGBA{0x14, 0x1A, 0x22, 0xFF}
	muted      = color.RGBA{0x45, 0x50, 0x5E, 0xFF}
	blue       = color.RGBA{0x0B, 0x4F, 0xB3, 0xFF}
	blueDark   = color.RGBA{0x06, 0x33, 0x78, 0xFF}
	orange     = color.RGBA{0xB8, 0x4A, 0x00, 0xFF}
	orangeDark = color.RGBA{0x80, 0x33, 0x00, 0xFF}
	green      = color.RGBA{0x0E, 0x6B, 0x2F, 0xFF}
	warn       = color.RGBA{0xA3, 0x1F, 0x1F, 0xFF}
	white      = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	panel      = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	grey       = color.RGBA{0xDD, 0xE2, 0xE8, 0xFF}
	greyDark   = color.RGBA{0xB4, 0xBC, 0xC6, 0xFF}
)

var styleColor = map[Style]color.RGBA{Body: ink, Muted: muted, Accent: blue, Warn: warn, Good: green, Inverse: white}

var panelColor = map[Style]color.RGBA{Body: panel, Muted: greyDark, Accent: blue, Good: green, Warn: warn}

// Painter draws layouts; it keeps the QR codes of the screen on show between
// frames because encoding one costs more than drawing a whole screen.
type Painter struct {
	font *render.Font
	qr   map[qrKey]*image.RGBA
}

type qrKey struct {
	payload string
	size    image.Point
}

// NewPainter returns a painter using the embedded font.
func NewPainter() *Painter {
	return &Painter{font: render.DefaultFont(), qr: map[qrKey]*image.RGBA{}}
}

// Draw paints l into dst; the widget with id pressed is drawn pressed.
func (p *Painter) Draw(dst *image.RGBA, l *Layout, pressed string) {
	render.FillRect(dst, dst.Bounds(), background)
	for _, pn := range l.Panels {
		render.FillRoundRect(dst, pn.Box, 16, panelColor[pn.Style])
	}
	for _, q := range l.QRs {
		p.drawQR(dst, q)
	}
	// Keep only the codes on this screen: each is a few hundred KB.
	for k := range p.qr {
		if !slices.ContainsFunc(l.QRs, func(q QR) bool { return k == qrKey{q.Payload, q.Box.Size()} }) {
			delete(p.qr, k)
		}
	}
	for _, t := range l.Texts {
		p.drawText(dst, t, styleColor[t.Style])
	}
	for _, w := range l.Widgets {
		p.drawWidget(dst, w, w.ID == pressed)
	}
}

func (p *Painter) drawQR(dst *image.RGBA, q QR) {
	k := qrKey{q.Payload, q.Box.Size()}
	img, ok := p.qr[k]
	if !ok {
		img = image.NewRGBA(image.Rectangle{Max: q.Box.Size()})
		render.FillRect(img, img.Bounds(), white)
		if _, err := render.DrawQR(img, img.Bounds(), q.Payload); err != nil {
			render.FillRect(img, img.Bounds(), grey)
		}
		p.qr[k] = img
	}
	copyAt(dst, q.Box.Min, img)
}

// copyAt copies src (origin 0,0) into dst with its corner at at, clipped.
func copyAt(dst *image.RGBA, at image.Point, src *image.RGBA) {
	r := src.Bounds().Add(at).Intersect(dst.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		so := src.PixOffset(r.Min.X-at.X, y-at.Y)
		do := dst.PixOffset(r.Min.X, y)
		copy(dst.Pix[do:do+4*r.Dx()], src.Pix[so:so+4*r.Dx()])
	}
}

// minPx is the smallest text drawn: a citizen without glasses reads it.
const minPx = 28

// drawText wraps t.S into its box (shrinking the font when even wrapped text
// does not fit) and draws it.
func (p *Painter) drawText(dst *image.RGBA, t Text, c color.RGBA) {
	px := t.Px
	var face *render.Face
	var lines []string
	for {
		face = p.font.Face(px)
		lines = face.Wrap(t.S, t.Box.Dx())
		if len(lines)*face.Height() <= t.Box.Dy() || px <= minPx {
			break
		}
		px -= 2
	}
	if fit := max(t.Box.Dy()/face.Height(), 1); len(lines) > fit {
		// Even the smallest type does not fit: end the last line that
		// does with an ellipsis rather than run over the box.
		lines = lines[:fit]
		lines[fit-1] = ellipsis(face, lines[fit-1], t.Box.Dx())
	}
	h := len(lines) * face.Height()
	y := t.Box.Min.Y + (t.Box.Dy()-h)/2
	for _, ln := range lines {
		x := t.Box.Min.X
		if t.Align == Center {
			x += (t.Box.Dx() - face.Measure(ln)) / 2
		}
		render.DrawText(dst, face, x, y+face.Ascent(), ln, c)
		y += face.Height()
	}
}

// ellipsis shortens s until it and "…" fit in width.
func ellipsis(face *render.Face, s string, width int) string {
	r := []rune(s)
	for len(r) > 0 && face.Measure(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func (p *Painter) drawWidget(dst *image.RGBA, w Widget, pressed bool) {
	fill, border, text := blue, blue, white
	switch w.Kind {
	case Primary:
		if pressed {
			fill, border = blueDark, blueDark
		}
	case Help:
		fill, border = orange, orange
		if pressed {
			fill, border = orangeDark, orangeDark
		}
	case Secondary, Tab:
		fill, border, text = panel, blue, blue
		if w.Selected {
			fill, text = blue, white
		}
		if pressed {
			fill, text = grey, blueDark
		}
	case Toggle:
		fill, border, text = panel, green, green
		if w.Selected {
			fill, text = green, white
		}
		if pressed {
			fill, text = grey, green
		}
	case Quiet:
		fill, border, text = grey, greyDark, ink
		if pressed {
			fill = greyDark
		}
	}
	if !w.Enabled {
		fill, border, text = grey, grey, muted
	}
	render.FillRoundRect(dst, w.Rect, 18, border)
	render.FillRoundRect(dst, w.Rect.Inset(3), 15, fill)
	label := w.Label
	if w.Kind == Toggle {
		mark := "○ "
		if w.Selected {
			mark = "● "
		}
		label = mark + label
	}
	p.drawText(dst, Text{S: label, Box: w.Rect.Inset(8), Px: 34, Align: Center}, text)
}
