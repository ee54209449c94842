// Package display is the hall's call display: the big screen nobody touches.
// It shows the newest call large, highlighted for a few seconds after it
// arrives, the calls before it, and for every matter handled in the hall how
// many people wait and how long the queue expects the wait to be.
package display

import (
	"image"
	"slices"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

// Screen names the display's one screen in layouts.
const Screen = flow.Screen("display")

// Highlight is how long a new call stays on its strong colour, long enough
// for someone who looks up at the chime to find it.
const Highlight = 8 * time.Second

// Earlier is how many calls before the newest the display lists.
const Earlier = 8

// minPx is the smallest text the painter draws; fit never goes below it.
const minPx = 28

// Regions of the 1280×800 screen, top to bottom: the hall bar, the newest
// call beside the earlier ones, then the waits in two columns.
var (
	barBox     = image.Rect(0, 0, 1280, 56)
	callBox    = image.Rect(48, 64, 728, 304)
	earlierBox = image.Rect(744, 64, 1232, 304)
	waitsBox   = image.Rect(48, 316, 1232, 792)
)

// Display is the terminal.Role of the call display.
type Display struct {
	hall     *hall.Hall
	t        *locale.Catalog
	lang     string
	live     bool      // started: the view has caught up with the bus
	calledAt time.Time // when the newest live call arrived, by the snapshot's clock
}

var _ terminal.Role = (*Display)(nil)

// New returns the display of hall h speaking lang.
func New(h *hall.Hall, cats locale.Catalogs, lang string) *Display {
	return &Display{hall: h, t: cats.Get(lang), lang: lang}
}

// Start marks the view caught up: from now on a call is news and lights up.
// It asks for nothing; the display only listens.
func (d *Display) Start(terminal.Snapshot) []terminal.Effect {
	d.live = true
	return nil
}

// Stop does nothing.
func (d *Display) Stop(terminal.Snapshot) []terminal.Effect { return nil }

// Lang is the language the display was set up with.
func (d *Display) Lang() string { return d.lang }

// Tap does nothing: the display has no widgets.
func (d *Display) Tap(terminal.Snapshot, string) []terminal.Effect { return nil }

// Result does nothing: the display asks for no effects.
func (d *Display) Result(terminal.Snapshot, terminal.Result) []terminal.Effect { return nil }

// Changed starts the highlight when a call or a recall arrives. Calls
// replayed while the view catches up after a restart are old news and stay
// unlit. It uses the display's own clock, not the event's, so a counter
// whose clock is off cannot cut the highlight short.
func (d *Display) Changed(s terminal.Snapshot, e queue.Event) []terminal.Effect {
	if d.live && (e.Kind == queue.Called || e.Kind == queue.Recalled) {
		d.calledAt = s.Now
	}
	return nil
}

// Refresh is the time left until the highlight ends; nothing else on the
// screen changes without an event.
func (d *Display) Refresh(s terminal.Snapshot) time.Duration {
	if d.highlighted(s.Now) {
		return d.calledAt.Add(Highlight).Sub(s.Now)
	}
	return 0
}

func (d *Display) highlighted(now time.Time) bool {
	return !d.calledAt.IsZero() && now.Before(d.calledAt.Add(Highlight))
}

// Build lays out the screen.
func (d *Display) Build(s terminal.Snapshot) *screen.Layout {
	b := &builder{l: &screen.Layout{Screen: Screen}}
	d.bar(b, s.Online)
	calls := s.View.Calls()
	d.newest(b, calls, d.highlighted(s.Now))
	d.earlier(b, calls)
	d.waits(b, s.View, s.Online)
	return b.l
}

// bar shows the hall's name, or, when the display has lost the hall bus,
// a warning in its place that what it shows may be stale.
func (d *Display) bar(b *builder, online bool) {
	text, style := d.hall.Name.In(d.lang), screen.Accent
	if !online {
		text, style = d.t.T("display.offline"), screen.Warn
	}
	b.panel(barBox, style)
	b.text(text, image.Rect(48, barBox.Min.Y, 1232, barBox.Max.Y), 32, screen.Inverse, screen.Left)
}

// newest shows the latest call across the call panel: the number as large
// as fits, the window below it; a welcome when nobody has been called yet.
func (d *Display) newest(b *builder, calls []queue.Call, highlight bool) {
	label := image.Rect(callBox.Min.X+16, callBox.Min.Y+8, callBox.Max.X-16, callBox.Min.Y+48)
	number := image.Rect(label.Min.X, label.Max.Y, label.Max.X, label.Max.Y+124)
	window := image.Rect(label.Min.X, number.Max.Y, label.Max.X, callBox.Max.Y-8)
	if len(calls) == 0 {
		b.panel(callBox, screen.Body)
		b.text(d.t.T("display.welcome"), label, 32, screen.Muted, screen.Center)
		b.text(d.t.T("display.watch"), number, 96, screen.Accent, screen.Center)
		b.text(d.t.T("display.placeholder"), window, 32, screen.Muted, screen.Center)
		return
	}
	c := calls[0]
	what := d.t.T("display.calling")
	if c.Recall {
		what = d.t.T("display.recalling")
	}
	labelStyle, numberStyle, windowStyle := screen.Muted, screen.Accent, screen.Body
	if highlight {
		b.panel(callBox, screen.Accent)
		labelStyle, numberStyle, windowStyle = screen.Inverse, screen.Inverse, screen.Inverse
	} else {
		b.panel(callBox, screen.Body)
	}
	b.text(what, label, 32, labelStyle, screen.Center)
	b.text(d.t.T("display.call_number", "number", c.Number), number, 112, numberStyle, screen.Center)
	b.text(d.t.T("display.call_window", "window", c.Window), window, 64, windowStyle, screen.Center)
}

// earlier lists the calls before the newest, down the first column and then
// the second.
func (d *Display) earlier(b *builder, calls []queue.Call) {
	b.panel(earlierBox, screen.Body)
	header := image.Rect(earlierBox.Min.X+16, earlierBox.Min.Y+8, earlierBox.Max.X-16, earlierBox.Min.Y+48)
	b.text(d.t.T("display.earlier"), header, minPx, screen.Muted, screen.Left)
	list := image.Rect(header.Min.X, header.Max.Y, header.Max.X, earlierBox.Max.Y-8)
	var lines []string
	for _, c := range earlierCalls(calls) {
		lines = append(lines, d.t.T("display.earlier_call", "number", c.Number, "window", c.Window))
	}
	const rows = Earlier / 2
	const gap = 32 // keeps the columns apart when both are full
	w, h := (list.Dx()-gap)/2, list.Dy()/rows
	cell := func(i int) image.Rectangle {
		x, y := list.Min.X+i/rows*(w+gap), list.Min.Y+i%rows*h
		return image.Rect(x, y, x+w, y+h)
	}
	if len(lines) == 0 {
		b.text(d.t.T("display.none_yet"), cell(0).Union(cell(rows)), 36, screen.Muted, screen.Left)
		return
	}
	// One size for the whole list, so the columns line up.
	px := 40.0
	for i, s := range lines {
		px = min(px, fit(s, cell(i), px))
	}
	for i, s := range lines {
		b.add(s, cell(i), px, screen.Body, screen.Left)
	}
}

// earlierCalls returns up to Earlier calls before the newest, each ticket
// once: a recall moves its ticket to the top instead of listing it twice.
func earlierCalls(calls []queue.Call) []queue.Call {
	if len(calls) == 0 {
		return nil
	}
	shown := []string{calls[0].Number}
	var out []queue.Call
	for _, c := range calls[1:] {
		if len(out) == Earlier {
			break
		}
		if !slices.Contains(shown, c.Number) {
			shown = append(shown, c.Number)
			out = append(out, c)
		}
	}
	return out
}

// waits shows, for each matter handled here, how many people wait and the
// wait a new ticket can expect. The queue only estimates while a counter
// serves the matter, and the display only while it hears the hall;
// otherwise it asks people to watch the calls instead of showing a figure
// it cannot know. Two columns of six rows (the sample hall's twelve) get
// rows of two full lines; a hall with more would need smaller rows.
func (d *Display) waits(b *builder, v *queue.View, online bool) {
	var here []hall.Matter
	for _, m := range d.hall.Matters {
		if m.Here {
			here = append(here, m)
		}
	}
	const cols, gap = 2, 4
	rows := (len(here) + cols - 1) / cols
	w := (waitsBox.Dx() - gap) / cols
	h := min(76, (waitsBox.Dy()-gap*(rows-1))/max(rows, 1))
	for i, m := range here {
		x, y := waitsBox.Min.X+i/rows*(w+gap), waitsBox.Min.Y+i%rows*(h+gap)
		cell := image.Rect(x, y, x+w, y+h)
		b.panel(cell, screen.Body)
		name := image.Rect(x+16, y+2, x+w-16, y+h/2+2)
		line := image.Rect(x+16, name.Max.Y, x+w-16, y+h-1)
		b.text(m.Name.In(d.lang), name, 32, screen.Body, screen.Left)

		n := v.WaitingFor(m.ID)
		count := d.t.T("display.waiting", "n", n)
		px := fit(count, line, 32)
		countBox := line
		countBox.Max.X = line.Min.X + face(px).Measure(count) + 2
		b.add(count, countBox, px, screen.Accent, screen.Left)

		est := v.WaitFor(m.ID, n)
		var wait string
		switch {
		case !est.Known || !online:
			wait = d.t.T("display.watch")
		case n > 0:
			wait = d.t.T("display.wait", "min", est.Minutes)
		default:
			continue // nobody waits: no wait to tell
		}
		b.text(wait, image.Rect(countBox.Max.X+22, line.Min.Y, line.Max.X, line.Max.Y), 32, screen.Muted, screen.Left)
	}
}

// builder collects a layout.
type builder struct{ l *screen.Layout }

func (b *builder) panel(r image.Rectangle, st screen.Style) {
	b.l.Panels = append(b.l.Panels, screen.Panel{Box: r, Style: st})
}

// text adds s in box at the largest size up to px that keeps it on one
// line, so a long name shrinks instead of wrapping into its neighbour.
func (b *builder) text(s string, box image.Rectangle, px float64, st screen.Style, al screen.Align) {
	b.add(s, box, fit(s, box, px), st, al)
}

func (b *builder) add(s string, box image.Rectangle, px float64, st screen.Style, al screen.Align) {
	b.l.Texts = append(b.l.Texts, screen.Text{S: s, Box: box, Px: px, Style: st, Align: al})
}

// fit returns the largest size up to px, in the painter's 2 px steps and no
// smaller than it draws, at which s fits box on one line.
func fit(s string, box image.Rectangle, px float64) float64 {
	for ; px > minPx; px -= 2 {
		f := face(px)
		// Measure rounds; staying a pixel short keeps the painter's Wrap,
		// which compares exact advances, from breaking the line.
		if f.Measure(s) < box.Dx() && f.Height() <= box.Dy() {
			break
		}
	}
	return max(px, minPx)
}

func face(px float64) *render.Face { return render.DefaultFont().Face(px) }
