package screen

import (
	"image"
	"image/color"
	"runtime"
	"slices"
	"sync"

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
// frames because encoding one costs more than drawing a whole screen, and
// the wrapped lines of its texts, which incremental updates need to know
// where each text draws.
type Painter struct {
	font  *render.Font
	qr    map[qrKey]*image.RGBA
	texts map[Text]*textLayout
	gen   uint64 // frame number, to forget the texts no longer on screen
}

type qrKey struct {
	payload string
	size    image.Point
}

// NewPainter returns a painter using the embedded font.
func NewPainter() *Painter {
	return &Painter{font: render.DefaultFont(), qr: map[qrKey]*image.RGBA{}, texts: map[Text]*textLayout{}}
}

// Draw paints l into dst; the widget with id pressed is drawn pressed.
// A whole frame is painted in horizontal bands, one per core (up to
// maxBands), so a new screen appears sooner on a four-core board.
func (p *Painter) Draw(dst *image.RGBA, l *Layout, pressed string) {
	p.gen++
	p.prepare(l)
	bands := bandsOf(dst.Bounds(), min(runtime.GOMAXPROCS(0), maxBands))
	var wg sync.WaitGroup
	for _, b := range bands[1:] {
		wg.Go(func() { p.paint(dst.SubImage(b).(*image.RGBA), l, pressed) })
	}
	p.paint(dst.SubImage(bands[0]).(*image.RGBA), l, pressed)
	wg.Wait()
	p.forget(l)
}

// maxBands bounds the goroutines of one paint; beyond four the bands get
// too thin to pay for themselves.
const maxBands = 4

// minBand is the thinnest band worth its own goroutine.
const minBand = 64

// bandsOf splits r into at most n horizontal bands of nearly equal height.
func bandsOf(r image.Rectangle, n int) []image.Rectangle {
	n = max(min(n, r.Dy()/minBand), 1)
	out := make([]image.Rectangle, 0, n)
	for i := range n {
		out = append(out, image.Rect(r.Min.X, r.Min.Y+r.Dy()*i/n, r.Max.X, r.Min.Y+r.Dy()*(i+1)/n))
	}
	return out
}

// prepare lays out every text and encodes every QR code of l, so painting
// only reads the painter's caches and bands can be painted concurrently.
func (p *Painter) prepare(l *Layout) {
	for _, q := range l.QRs {
		p.qrImage(q)
	}
	for _, t := range l.Texts {
		p.layoutText(t)
	}
	for _, w := range l.Widgets {
		p.widgetBounds(w)
	}
}

// paint draws the background and every element of l whose pixels reach
// into dst's bounds, in layout order; dst may be a SubImage of the frame,
// which clips every drawing to it.
func (p *Painter) paint(dst *image.RGBA, l *Layout, pressed string) {
	clip := dst.Bounds()
	render.FillRect(dst, clip, background)
	for _, pn := range l.Panels {
		if pn.Box.Overlaps(clip) {
			render.FillRoundRect(dst, pn.Box, 16, panelColor[pn.Style])
		}
	}
	for _, q := range l.QRs {
		if q.Box.Overlaps(clip) {
			p.drawQR(dst, q)
		}
	}
	for _, t := range l.Texts {
		if p.layoutText(t).bounds.Overlaps(clip) {
			p.drawText(dst, t, styleColor[t.Style])
		}
	}
	for _, w := range l.Widgets {
		if p.widgetBounds(w).Overlaps(clip) {
			p.drawWidget(dst, w, w.ID == pressed)
		}
	}
}

// forget drops the QR codes and text layouts not on l: each code is a few
// hundred KB.
func (p *Painter) forget(l *Layout) {
	for k := range p.qr {
		if !slices.ContainsFunc(l.QRs, func(q QR) bool { return k == qrKey{q.Payload, q.Box.Size()} }) {
			delete(p.qr, k)
		}
	}
	for k, tl := range p.texts {
		if tl.used != p.gen {
			delete(p.texts, k)
		}
	}
}

// Update repaints dst, which shows prev with the widget prevPressed pressed,
// so that it shows next with nextPressed pressed, exactly as Draw would, and
// returns the rectangles it repainted. Only elements that appeared,
// disappeared or changed are damaged; another screen (or a nil prev) damages
// the whole frame. Nothing changed, nothing is returned.
func (p *Painter) Update(dst *image.RGBA, prev, next *Layout, prevPressed, nextPressed string) []image.Rectangle {
	frame := dst.Bounds()
	if prev == nil || prev.Screen != next.Screen || prev.Background != next.Background {
		p.Draw(dst, next, nextPressed)
		return []image.Rectangle{frame}
	}
	p.gen++
	dirty := p.damage(prev, next, prevPressed, nextPressed)
	dirty = mergeRects(dirty, frame)
	// Also marks what stays on screen before forgetting the rest.
	p.prepare(next)
	for _, r := range dirty {
		p.paint(dst.SubImage(r).(*image.RGBA), next, nextPressed)
	}
	p.forget(next)
	return dirty
}

// damage returns the boxes of the elements that differ between prev and
// next, compared position by position in each list: where no element
// differs, both layouts paint the same elements in the same order.
func (p *Painter) damage(prev, next *Layout, prevPressed, nextPressed string) []image.Rectangle {
	var out []image.Rectangle
	out = diffList(out, prev.Panels, next.Panels, func(a, b Panel) bool { return a == b }, func(pn Panel) image.Rectangle { return pn.Box })
	out = diffList(out, prev.QRs, next.QRs, func(a, b QR) bool { return a == b }, func(q QR) image.Rectangle { return q.Box })
	out = diffList(out, prev.Texts, next.Texts, func(a, b Text) bool { return a == b }, func(t Text) image.Rectangle { return p.layoutText(t).bounds })
	out = diffList(out, prev.Widgets, next.Widgets,
		func(a, b Widget) bool { return a == b && (a.ID == prevPressed) == (b.ID == nextPressed) },
		p.widgetBounds)
	return out
}

// diffList appends the boxes of a[i] and b[i] wherever they differ, and of
// the elements only one list has.
func diffList[E any](out []image.Rectangle, a, b []E, eq func(E, E) bool, box func(E) image.Rectangle) []image.Rectangle {
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			out = append(out, box(b[i]))
		case i >= len(b):
			out = append(out, box(a[i]))
		case !eq(a[i], b[i]):
			out = append(out, box(a[i]), box(b[i]))
		}
	}
	return out
}

// mergeRects clips rs to frame and merges rectangles whose union wastes
// little, so a change is presented as a few rectangles.
func mergeRects(rs []image.Rectangle, frame image.Rectangle) []image.Rectangle {
	var out []image.Rectangle
	for _, r := range rs {
		if r = r.Intersect(frame); !r.Empty() {
			out = append(out, r)
		}
	}
	area := func(r image.Rectangle) int { return r.Dx() * r.Dy() }
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(out) && !merged; i++ {
			for j := i + 1; j < len(out); j++ {
				u := out[i].Union(out[j])
				if 4*area(u) <= 5*(area(out[i])+area(out[j])) {
					out[i] = u
					out = slices.Delete(out, j, j+1)
					merged = true
					break
				}
			}
		}
	}
	return out
}

// widgetBounds returns the pixels w may paint: its rectangle and its label.
func (p *Painter) widgetBounds(w Widget) image.Rectangle {
	return w.Rect.Union(p.layoutText(p.widgetLabel(w)).bounds)
}

func (p *Painter) drawQR(dst *image.RGBA, q QR) {
	copyAt(dst, q.Box.Min, p.qrImage(q))
}

// qrImage returns q drawn at its size, encoding it the first time.
func (p *Painter) qrImage(q QR) *image.RGBA {
	k := qrKey{q.Payload, q.Box.Size()}
	if img, ok := p.qr[k]; ok {
		return img
	}
	img := image.NewRGBA(image.Rectangle{Max: q.Box.Size()})
	render.FillRect(img, img.Bounds(), white)
	if _, err := render.DrawQR(img, img.Bounds(), q.Payload); err != nil {
		render.FillRect(img, img.Bounds(), grey)
	}
	p.qr[k] = img
	return img
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

// textLayout is a text wrapped into its box: the face, the lines and their
// pens, and the bounds of everything drawing it may touch.
type textLayout struct {
	face   *render.Face
	lines  []string
	at     []image.Point // left end of each line's baseline
	bounds image.Rectangle
	used   uint64
}

// layoutText wraps t.S into its box, shrinking the font when even wrapped
// text does not fit.
func (p *Painter) layoutText(t Text) *textLayout {
	if tl, ok := p.texts[t]; ok {
		if tl.used != p.gen { // written only while preparing, read while painting
			tl.used = p.gen
		}
		return tl
	}
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
	tl := &textLayout{face: face, lines: lines, used: p.gen}
	// Glyphs may reach a little past their advance and the line's height:
	// pad generously, the bounds only need to hold every inked pixel.
	pad := face.Height()/4 + 2
	h := len(lines) * face.Height()
	y := t.Box.Min.Y + (t.Box.Dy()-h)/2
	for _, ln := range lines {
		x := t.Box.Min.X
		w := face.Measure(ln)
		if t.Align == Center {
			x += (t.Box.Dx() - w) / 2
		}
		tl.at = append(tl.at, image.Pt(x, y+face.Ascent()))
		tl.bounds = tl.bounds.Union(image.Rect(x, y, x+w, y+face.Height()).Inset(-pad))
		y += face.Height()
	}
	p.texts[t] = tl
	return tl
}

// drawText draws t as layoutText placed it.
func (p *Painter) drawText(dst *image.RGBA, t Text, c color.RGBA) {
	tl := p.layoutText(t)
	for i, ln := range tl.lines {
		render.DrawText(dst, tl.face, tl.at[i].X, tl.at[i].Y, ln, c)
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
	p.drawText(dst, p.widgetLabel(w), text)
}

// widgetLabel is the text drawn on w.
func (p *Painter) widgetLabel(w Widget) Text {
	label := w.Label
	if w.Kind == Toggle {
		mark := "○ "
		if w.Selected {
			mark = "● "
		}
		label = mark + label
	}
	return Text{S: label, Box: w.Rect.Inset(8), Px: 34, Align: Center}
}
