package counter

import (
	"image"
	"slices"
	"strconv"
	"strings"

	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
	"onetrip/ui/screen"
)

// Geometry on screen.Size (1280×800): the top bar, the side margin and the
// row of the clerk's buttons, the same as on the kiosk.
const (
	margin = 48
	barH   = 96
	navTop = 688
	navH   = 88
)

// clerkButtons places the clerk's buttons: the main step of each state at
// the right, where the clerk's hand finds call, start and done alike.
var clerkButtons = map[string]struct {
	rect image.Rectangle
	kind screen.Kind
}{
	"call-next": {image.Rect(752, navTop, 1280-margin, navTop+navH), screen.Primary},
	"start":     {image.Rect(752, navTop, 1280-margin, navTop+navH), screen.Primary},
	"done":      {image.Rect(752, navTop, 1280-margin, navTop+navH), screen.Primary},
	"recall":    {image.Rect(margin, navTop, 368, navTop+navH), screen.Secondary},
	"no-show":   {image.Rect(392, navTop, 712, navTop+navH), screen.Secondary},
}

// builder collects a layout; it adds a widget only when the screen offers
// its action, so a layout shows exactly Actions.
type builder struct {
	l    *screen.Layout
	t    *locale.Catalog
	acts []string
}

func (b *builder) text(s string, box image.Rectangle, px float64, st screen.Style, al screen.Align) {
	b.l.Texts = append(b.l.Texts, screen.Text{S: s, Box: box, Px: px, Style: st, Align: al})
}

func (b *builder) panel(box image.Rectangle, st screen.Style) {
	b.l.Panels = append(b.l.Panels, screen.Panel{Box: box, Style: st})
}

func (b *builder) widget(id, label string, r image.Rectangle, k screen.Kind) {
	if slices.Contains(b.acts, id) {
		b.l.Widgets = append(b.l.Widgets, screen.Widget{ID: id, Label: label, Rect: r, Enabled: true, Kind: k})
	}
}

// bar draws the top bar with title and the language switch.
func (b *builder) bar(title string) {
	b.panel(image.Rect(0, 0, 1280, barH), screen.Accent)
	b.text(title, image.Rect(margin, 0, 1000, barH), 40, screen.Inverse, screen.Left)
	b.widget("lang", b.t.T("common.lang"), image.Rect(1280-margin-200, 8, 1280-margin, 88), screen.Quiet)
}

// Build lays out the screen.
func (c *Counter) Build(s terminal.Snapshot) *screen.Layout {
	b := &builder{t: c.cats.Get(c.lang), acts: c.Actions(s)}
	b.l = &screen.Layout{Screen: c.screen}
	switch c.screen {
	case ClerkScreen:
		c.clerk(b, s)
	case RatingScreen:
		c.ratingScreen(b)
	case ReasonScreen:
		c.reasonScreen(b)
	case ThanksScreen:
		b.bar(b.t.T("counter.rating_bar"))
		b.text(b.t.T("counter.thanks"), image.Rect(margin, 260, 1280-margin, 380), 56, screen.Good, screen.Center)
		b.text(b.t.T("counter.thanks_hint"), image.Rect(margin, 400, 1280-margin, 460), 32, screen.Muted, screen.Center)
	}
	return b.l
}

func (c *Counter) matterName(id string) string {
	m, _ := c.hall.Matter(id)
	return m.Name.In(c.lang)
}

// clerk lays out the clerk's screen: the ticket at the window, the people
// waiting for its matters and the steps that make sense now.
func (c *Counter) clerk(b *builder, s terminal.Snapshot) {
	t := b.t
	b.bar(t.T("counter.window", "n", c.window.Number))
	names := make([]string, len(c.window.Matters))
	for i, m := range c.window.Matters {
		names[i] = c.matterName(m)
	}
	b.text(t.T("counter.matters", "matters", strings.Join(names, t.T("counter.matters_sep"))),
		image.Rect(margin, barH+12, 1280-margin, 168), 28, screen.Muted, screen.Left)

	left := image.Rect(margin, 176, 776, 568)
	b.panel(left, screen.Body)
	in := left.Inset(24)
	b.text(t.T("counter.now"), image.Rect(in.Min.X, 188, in.Max.X, 232), 28, screen.Muted, screen.Left)
	if tk, ok := s.View.AtWindow(c.window.Number); ok {
		b.text(tk.Number, image.Rect(in.Min.X, 232, in.Max.X, 400), 140, screen.Accent, screen.Center)
		state, style := t.T("counter.called"), screen.Accent
		switch {
		case tk.State == queue.Serving:
			state, style = t.T("counter.serving"), screen.Good
		case tk.Calls > 1:
			state = t.T("counter.recalled", "n", tk.Calls)
		}
		b.text(state, image.Rect(in.Min.X, 404, in.Max.X, 452), 32, style, screen.Center)
		b.text(c.matterName(tk.Matter), image.Rect(in.Min.X, 456, in.Max.X, 500), 28, screen.Body, screen.Center)
		if tk.Green {
			b.text(t.T("counter.green"), image.Rect(in.Min.X, 504, in.Max.X, 544), 28, screen.Good, screen.Center)
		}
	} else {
		b.text(t.T("counter.idle"), image.Rect(in.Min.X, 236, in.Max.X, 544), 32, screen.Muted, screen.Center)
	}

	right := image.Rect(800, 176, 1280-margin, 568)
	b.panel(right, screen.Body)
	in = right.Inset(24)
	b.text(t.T("counter.waiting_title"), image.Rect(in.Min.X, 188, in.Max.X, 236), 32, screen.Body, screen.Left)
	for i, m := range c.window.Matters {
		y := 244 + i*48
		b.text(t.T("counter.waiting", "matter", names[i], "n", s.View.WaitingFor(m)), image.Rect(in.Min.X, y, in.Max.X, y+44), 28, screen.Body, screen.Left)
	}
	if nt, ok := s.View.Next(c.window.Matters); ok {
		b.text(t.T("counter.next"), image.Rect(in.Min.X, 392, in.Max.X, 432), 28, screen.Muted, screen.Left)
		b.text(nt.Number, image.Rect(in.Min.X, 432, in.Max.X, 504), 64, screen.Accent, screen.Left)
		if nt.Green {
			b.text(t.T("counter.green"), image.Rect(in.Min.X, 504, in.Max.X, 544), 28, screen.Good, screen.Left)
		}
	} else {
		b.text(t.T("counter.none_waiting"), image.Rect(in.Min.X, 432, in.Max.X, 504), 32, screen.Muted, screen.Left)
	}

	line := image.Rect(margin, 576, 1280-margin, 680)
	if !c.status(b, line) && !s.Online {
		b.text(t.T("counter.offline"), line, 32, screen.Warn, screen.Center)
	}
	for _, id := range b.acts {
		if w, ok := clerkButtons[id]; ok {
			b.widget(id, t.T("counter."+strings.ReplaceAll(id, "-", "_")), w.rect, w.kind)
		}
	}
}

// choices lays out a row of big equal buttons across the screen.
func choices(b *builder, ids, labels []string, top, height int) {
	gap := 16
	w := (1280 - 2*margin - (len(ids)-1)*gap) / len(ids)
	for i, id := range ids {
		x := margin + i*(w+gap)
		b.widget(id, labels[i], image.Rect(x, top, x+w, top+height), screen.Secondary)
	}
}

// status shows that an event is on its way, or the notice of the last one;
// it reports whether it showed anything.
func (c *Counter) status(b *builder, box image.Rectangle) bool {
	switch {
	case c.pending != nil:
		b.text(b.t.T("counter.sending"), box, 32, screen.Muted, screen.Center)
	case c.notice.key != "":
		b.text(b.t.T("counter."+c.notice.key, c.notice.args...), box, 32, screen.Warn, screen.Center)
	default:
		return false
	}
	return true
}

// ratingScreen asks the citizen for one of the five levels, best first. All
// five look alike so that none is suggested.
func (c *Counter) ratingScreen(b *builder) {
	t := b.t
	b.bar(t.T("counter.rating_bar"))
	b.text(t.T("counter.rating_title"), image.Rect(margin, 120, 1280-margin, 200), 52, screen.Body, screen.Center)
	b.text(t.T("counter.rating_ticket", "number", c.rated.Number, "matter", c.matterName(c.rated.Matter)),
		image.Rect(margin, 204, 1280-margin, 252), 32, screen.Muted, screen.Center)
	var ids, labels []string
	for r := queue.VerySatisfied; r <= queue.VeryDissatisfied; r++ {
		ids = append(ids, "rate:"+strconv.Itoa(r))
		labels = append(labels, t.T("counter.rate_"+strconv.Itoa(r)))
	}
	choices(b, ids, labels, 288, 240)
	c.status(b, image.Rect(margin, 548, 1280-margin, 612))
	b.text(t.T("counter.privacy"), image.Rect(margin, 620, 1280-margin, 680), 28, screen.Muted, screen.Center)
}

// reasonScreen asks why after one of the two lowest ratings; "back" lets a
// citizen who touched the wrong level choose again.
func (c *Counter) reasonScreen(b *builder) {
	t := b.t
	b.bar(t.T("counter.rating_bar"))
	b.text(t.T("counter.reason_title"), image.Rect(margin, 120, 1280-margin, 200), 48, screen.Body, screen.Center)
	b.text(t.T("counter.your_rating", "rating", t.T("counter.rate_"+strconv.Itoa(c.rating))),
		image.Rect(margin, 204, 1280-margin, 252), 32, screen.Muted, screen.Center)
	var ids, labels []string
	for _, r := range queue.LowReasons {
		ids = append(ids, "reason:"+r)
		labels = append(labels, t.T("counter.reason_"+r))
	}
	choices(b, ids, labels, 288, 200)
	c.status(b, image.Rect(margin, 508, 1280-margin, 572))
	b.text(t.T("counter.privacy"), image.Rect(margin, 580, 1280-margin, 640), 28, screen.Muted, screen.Center)
	b.widget("back", t.T("counter.back"), image.Rect(margin, navTop, margin+280, navTop+navH), screen.Quiet)
}
