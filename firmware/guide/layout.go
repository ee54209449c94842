package guide

import (
	"cmp"
	"fmt"
	"image"
	"slices"
	"strings"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

// Screen is the guide desk's one screen.
const Screen = flow.Screen("guide")

// The screen from top to bottom: the bar with the hall and the clock, the
// status line (kiosks offline), the tabs, the tab's content and a bottom row
// with the pager and the outcome of the last action.
const (
	margin     = 48
	right      = 1280 - margin
	barBottom  = 96
	statusTop  = 104
	tabsTop    = 160
	tabsBottom = 248
	bodyTop    = 264
	bodyBottom = 680
	bottomTop  = 696
	rowH       = 88 // a touchable row: a finger, not a mouse
	bodyPx     = 32
	smallPx    = 28
)

// sideLeft is where the right-hand column (request detail, green channel,
// checklist) begins.
const sideLeft = 848

// builder collects one layout.
type builder struct {
	g *Guide
	s terminal.Snapshot
	t *locale.Catalog
	l *screen.Layout
}

// Build lays out the screen for the snapshot.
func (g *Guide) Build(s terminal.Snapshot) *screen.Layout {
	b := &builder{g: g, s: s, t: g.cats.Get(g.lang), l: &screen.Layout{Screen: Screen}}
	acts := g.actions(s)
	b.bar()
	b.status()
	b.tabs()
	var pages pager
	switch g.tab {
	case tabHelp:
		pages = b.helps()
	case tabWaits:
		pages = b.waits()
	case tabMissed:
		pages = b.missed()
	case tabMaterials:
		pages = b.materials()
	}
	b.bottom(pages, acts)
	return b.l
}

func (b *builder) text(s string, box image.Rectangle, px float64, st screen.Style, al screen.Align) {
	b.l.Texts = append(b.l.Texts, screen.Text{S: s, Box: box, Px: px, Style: st, Align: al})
}

func (b *builder) widget(id, label string, r image.Rectangle, k screen.Kind) *screen.Widget {
	b.l.Widgets = append(b.l.Widgets, screen.Widget{ID: id, Label: label, Rect: r, Enabled: true, Kind: k})
	return &b.l.Widgets[len(b.l.Widgets)-1]
}

func (b *builder) panel(r image.Rectangle, st screen.Style) {
	b.l.Panels = append(b.l.Panels, screen.Panel{Box: r, Style: st})
}

// height is how tall s is at px once wrapped to width, so that the next
// line starts below it.
func (b *builder) height(s string, width int, px float64) int {
	f := render.DefaultFont().Face(px)
	return len(f.Wrap(s, width)) * f.Height()
}

// fits reports whether s takes one line of box at px.
func (b *builder) fits(s string, box image.Rectangle, px float64) bool {
	return render.DefaultFont().Face(px).Measure(s) <= box.Dx()
}

// clock formats t as the hall's wall clock (the terminal's time zone).
func (b *builder) clock(t time.Time) string { return t.In(b.s.Now.Location()).Format("15:04") }

func (b *builder) matterName(id string) string {
	m, _ := b.g.hall.Matter(id)
	return m.Name.In(b.g.lang)
}

// bar is the top bar: the hall and desk, the clock, the language.
func (b *builder) bar() {
	b.panel(image.Rect(0, 0, 1280, barBottom), screen.Accent)
	// One line: a long hall name shrinks rather than wraps.
	b.text(b.t.T("guide.top", "hall", b.g.hall.Name.In(b.g.lang)), image.Rect(margin, 23, 880, 73), 36, screen.Inverse, screen.Left)
	b.text(b.clock(b.s.Now), image.Rect(880, 0, 1016, barBottom), 40, screen.Inverse, screen.Center)
	b.widget("lang", b.t.T("guide.lang"), image.Rect(right-200, 8, right, 88), screen.Quiet)
}

// status names the kiosks that are offline, on every tab: a kiosk that
// cannot reach the bus is where a guide is needed next.
func (b *builder) status() {
	box := image.Rect(margin, statusTop, right, statusTop+48)
	var off []string
	for _, k := range b.s.Kiosks {
		switch {
		case k.Offline:
			off = append(off, b.t.T("guide.kiosk_leased", "kiosk", k.ID))
		case !k.Online:
			off = append(off, k.ID)
		}
	}
	warn := func(s string) {
		b.panel(box, screen.Warn)
		b.text(s, box.Inset(4).Add(image.Pt(12, 0)), 30, screen.Inverse, screen.Left)
	}
	switch {
	case !b.s.Online:
		warn(b.t.T("guide.self_offline"))
	case len(off) > 0:
		warn(b.t.T("guide.kiosks_offline", "kiosks", strings.Join(off, "、")))
	case len(b.s.Kiosks) > 0:
		b.text(b.t.T("guide.kiosks_online", "n", len(b.s.Kiosks)), box.Add(image.Pt(16, 0)), smallPx, screen.Good, screen.Left)
	}
}

// tabs draws the four tabs; the help tab turns orange while requests are
// open and the guide looks at another tab.
func (b *builder) tabs() {
	open, missed := openHelps(b.s.View), len(b.s.View.Missing())
	labels := map[string]string{
		tabHelp:      b.t.T("guide.tab_help_none"),
		tabWaits:     b.t.T("guide.tab_waits"),
		tabMissed:    b.t.T("guide.tab_missed_none"),
		tabMaterials: b.t.T("guide.tab_materials"),
	}
	if open > 0 {
		labels[tabHelp] = b.t.T("guide.tab_help", "n", open)
	}
	if missed > 0 {
		labels[tabMissed] = b.t.T("guide.tab_missed", "n", missed)
	}
	const gap = 16
	w := (right - margin - gap*(len(tabs)-1)) / len(tabs)
	for i, id := range tabs {
		x := margin + i*(w+gap)
		k := screen.Tab
		if id == tabHelp && open > 0 && b.g.tab != tabHelp {
			k = screen.Help
		}
		tab := b.widget("tab:"+id, labels[id], image.Rect(x, tabsTop, x+w, tabsBottom), k)
		tab.Selected = id == b.g.tab
	}
}

// helps lists the requests, open ones as rows to pick, taken ones with who
// took them; the picked one is detailed on the right with the ack button.
func (b *builder) helps() pager {
	rows, pages := b.g.helpPage(b.s)
	listRight := sideLeft - 16
	if len(rows) == 0 {
		b.text(b.t.T("guide.help_none"), image.Rect(margin, bodyTop, listRight, bodyTop+rowH), bodyPx, screen.Muted, screen.Center)
	}
	for i, h := range rows {
		r := image.Rect(margin, bodyTop+i*(rowH+16), listRight, bodyTop+i*(rowH+16)+rowH)
		short := b.t.T("guide.help_row", "time", b.clock(h.At), "kiosk", h.Kiosk, "reason", b.t.T("guide.reason_"+h.Reason))
		line := short
		if h.Matter != "" {
			line += " · " + b.matterName(h.Matter)
		}
		id := "help:" + h.ID
		switch {
		case h.Guide == "" && !b.g.pending[id]:
			w := b.widget(id, line, r, screen.Secondary)
			w.Selected = h.ID == b.g.selected
		default:
			second, st := b.t.T("guide.help_taken", "guide", h.Guide, "time", b.clock(h.AckedAt)), screen.Good
			if h.Guide == "" {
				second, st = b.t.T("guide.help_pending"), screen.Accent
			}
			first := image.Rect(r.Min.X+24, r.Min.Y+6, r.Max.X-16, r.Min.Y+44)
			if !b.fits(line, first, smallPx) {
				line = short // a taken request's matter matters less than who took it
			}
			b.panel(r, screen.Body)
			b.text(line, first, smallPx, screen.Muted, screen.Left)
			b.text(second, image.Rect(r.Min.X+24, r.Min.Y+44, r.Max.X-16, r.Max.Y-6), smallPx, st, screen.Left)
		}
	}

	side := image.Rect(sideLeft, bodyTop, right, bodyBottom)
	b.panel(side, screen.Body)
	in := side.Inset(16)
	h, ok := b.g.selectedHelp(b.s)
	if !ok {
		hint, st := b.t.T("guide.help_pick"), screen.Muted
		if openHelps(b.s.View) == 0 {
			hint, st = b.t.T("guide.help_all_done"), screen.Good
		}
		b.text(hint, in, bodyPx, st, screen.Center)
		return pages
	}
	waited := int(b.s.Now.Sub(h.At) / time.Minute)
	b.text(b.t.T("guide.reason_"+h.Reason), image.Rect(in.Min.X, in.Min.Y, in.Max.X, in.Min.Y+64), 44, screen.Accent, screen.Left)
	b.text(b.t.T("guide.detail_kiosk", "kiosk", h.Kiosk), image.Rect(in.Min.X, in.Min.Y+72, in.Max.X, in.Min.Y+120), bodyPx, screen.Body, screen.Left)
	b.text(b.t.T("guide.detail_waited", "time", b.clock(h.At), "min", max(waited, 0)), image.Rect(in.Min.X, in.Min.Y+128, in.Max.X, in.Min.Y+200), smallPx, screen.Muted, screen.Left)
	if h.Matter != "" {
		b.text(b.t.T("guide.detail_matter", "matter", b.matterName(h.Matter)), image.Rect(in.Min.X, in.Min.Y+208, in.Max.X, in.Min.Y+280), smallPx, screen.Body, screen.Left)
	}
	b.widget("ack", b.t.T("guide.ack"), image.Rect(in.Min.X, in.Max.Y-rowH, in.Max.X, in.Max.Y), screen.Primary)
	return pages
}

// wait is one matter's row on the waits tab.
type wait struct {
	matter  hall.Matter
	waiting int
	est     queue.Estimate
	over    bool // past the hall's wait warning
}

// alarming is a wait the guide should act on: past the warning, or people
// waiting for a matter no window serves now.
func (w wait) alarming() bool { return w.over || !w.est.Known }

// waitsHere returns the matters handled in the hall that have people
// waiting, the most pressing first, and how many have nobody waiting.
func waitsHere(h *hall.Hall, v *queue.View) (rows []wait, idle int) {
	for _, m := range h.Matters {
		if !m.Here {
			continue
		}
		n := v.WaitingFor(m.ID)
		if n == 0 {
			idle++
			continue
		}
		est := v.WaitFor(m.ID, v.AheadOfNew(m.ID, false))
		over := est.Known && time.Duration(est.Minutes)*time.Minute > h.WaitWarning.Duration
		rows = append(rows, wait{matter: m, waiting: n, est: est, over: over})
	}
	slices.SortStableFunc(rows, func(a, b wait) int {
		if a.alarming() != b.alarming() {
			if a.alarming() {
				return -1
			}
			return 1
		}
		if a.est.Known != b.est.Known {
			if !a.est.Known {
				return -1
			}
			return 1
		}
		return cmp.Or(b.est.Minutes-a.est.Minutes, b.waiting-a.waiting)
	})
	return rows, idle
}

// waits shows the wait of every matter with people waiting, those past the
// hall's warning in red, and the waiting tickets for the green channel.
func (b *builder) waits() pager {
	rows, idle := waitsHere(b.g.hall, b.s.View)
	limit := int(b.g.hall.WaitWarning.Minutes())
	over := 0
	for _, w := range rows {
		if w.over {
			over++
		}
	}
	tableRight := sideLeft - 24
	head := image.Rect(margin, bodyTop, tableRight, bodyTop+40)
	switch {
	case over > 0:
		b.text(b.t.T("guide.waits_over", "n", over, "limit", limit), head, bodyPx, screen.Warn, screen.Left)
	case len(rows) > 0:
		b.text(b.t.T("guide.waits_ok", "limit", limit), head, bodyPx, screen.Good, screen.Left)
	default:
		b.text(b.t.T("guide.waits_none"), head, bodyPx, screen.Muted, screen.Left)
	}
	cols := []int{margin + 16, 470, 600, tableRight}
	cell := func(i, y0, y1 int) image.Rectangle { return image.Rect(cols[i], y0, cols[i+1], y1) }
	y := bodyTop + 48
	if len(rows) > 0 {
		b.text(b.t.T("guide.waits_matter"), cell(0, y, y+36), smallPx, screen.Muted, screen.Left)
		b.text(b.t.T("guide.waits_waiting"), cell(1, y, y+36), smallPx, screen.Muted, screen.Center)
		b.text(b.t.T("guide.waits_estimate"), cell(2, y, y+36), smallPx, screen.Muted, screen.Center)
		y += 40
	}
	shown := rows[:min(len(rows), waitRows)]
	for _, w := range shown {
		st, est := screen.Body, b.t.T("guide.waits_minutes", "min", w.est.Minutes)
		if !w.est.Known {
			est = b.t.T("guide.waits_no_window")
		}
		if w.alarming() {
			st = screen.Inverse
			b.panel(image.Rect(margin, y, tableRight, y+40), screen.Warn)
		} else {
			b.panel(image.Rect(margin, y, tableRight, y+40), screen.Body)
		}
		b.text(w.matter.Name.In(b.g.lang), cell(0, y, y+40), 30, st, screen.Left)
		b.text(b.t.T("guide.waits_people", "n", w.waiting), cell(1, y, y+40), 30, st, screen.Center)
		b.text(est, cell(2, y, y+40), 30, st, screen.Center)
		y += 44
	}
	var rest []string
	if more := len(rows) - len(shown); more > 0 {
		rest = append(rest, b.t.T("guide.waits_more", "n", more))
	}
	if idle > 0 && len(rows) > 0 {
		rest = append(rest, b.t.T("guide.waits_rest", "n", idle))
	}
	if len(rest) > 0 {
		b.text(strings.Join(rest, "；"), image.Rect(margin+16, y, tableRight, bodyBottom), smallPx, screen.Muted, screen.Left)
	}

	tickets, pages := b.g.grantPage(b.s)
	b.text(b.t.T("guide.green_title"), image.Rect(sideLeft, bodyTop, right, bodyTop+40), bodyPx, screen.Good, screen.Left)
	b.text(b.t.T("guide.green_hint"), image.Rect(sideLeft, bodyTop+40, right, bodyTop+108), smallPx, screen.Muted, screen.Left)
	if len(tickets) == 0 {
		b.text(b.t.T("guide.green_none"), image.Rect(sideLeft, bodyTop+116, right, bodyTop+116+rowH), bodyPx, screen.Muted, screen.Center)
	}
	for i, t := range tickets {
		r := image.Rect(sideLeft, bodyTop+116+i*(rowH+12), right, bodyTop+116+i*(rowH+12)+rowH)
		label := t.Number + " · " + b.clock(t.Issued) + "\n" + b.matterName(t.Matter)
		if b.g.pending["grant:"+t.Number] {
			b.panel(r, screen.Body)
			b.text(label, r.Inset(8), smallPx, screen.Muted, screen.Center)
			continue
		}
		b.widget("grant:"+t.Number, label, r, screen.Toggle)
	}
	return pages
}

// missed lists the tickets called but not come, with their window and the
// time of the call, so the guide can look for them in the hall.
func (b *builder) missed() pager {
	rows, pages := b.g.missedPage(b.s)
	b.text(b.t.T("guide.missed_hint"), image.Rect(margin, bodyTop, right, bodyTop+40), smallPx, screen.Muted, screen.Left)
	if len(rows) == 0 {
		b.text(b.t.T("guide.missed_none"), image.Rect(margin, bodyTop+60, right, bodyTop+60+rowH), bodyPx, screen.Muted, screen.Center)
		return pages
	}
	cols := []int{margin + 16, 248, 720, 900, 1080, right - 8}
	cell := func(i, y0, y1 int) image.Rectangle { return image.Rect(cols[i], y0, cols[i+1], y1) }
	y := bodyTop + 44
	for i, k := range []string{"missed_number", "missed_matter", "missed_window", "missed_called"} {
		b.text(b.t.T("guide."+k), cell(i, y, y+36), smallPx, screen.Muted, screen.Left)
	}
	y += 40
	for _, t := range rows {
		b.panel(image.Rect(margin, y, right, y+44), screen.Body)
		b.text(t.Number, cell(0, y, y+44), 34, screen.Accent, screen.Left)
		b.text(b.matterName(t.Matter), cell(1, y, y+44), 30, screen.Body, screen.Left)
		b.text(b.t.T("guide.missed_window_n", "n", t.Window), cell(2, y, y+44), 30, screen.Body, screen.Left)
		b.text(b.clock(t.Called), cell(3, y, y+44), 30, screen.Body, screen.Left)
		b.text(b.t.T("guide.missed_calls", "n", t.Calls), cell(4, y, y+44), smallPx, screen.Muted, screen.Left)
		y += 48
	}
	return pages
}

// materials offers the matters on the left and the picked one's checklist,
// 容缺 documents marked, on the right with the print button.
func (b *builder) materials() pager {
	ms, pages := b.g.matterPage()
	const colW, gap = 288, 16
	for i, m := range ms {
		x, y := margin+(i%2)*(colW+gap), bodyTop+(i/2)*(rowH+16)
		w := b.widget("matter:"+m.ID, m.Name.In(b.g.lang), image.Rect(x, y, x+colW, y+rowH), screen.Secondary)
		w.Selected = m.ID == b.g.matter
	}
	side := image.Rect(margin+2*colW+gap+24, bodyTop, right, bodyBottom)
	b.panel(side, screen.Body)
	in := side.Inset(16)
	m, ok := b.g.hall.Matter(b.g.matter)
	if !ok {
		b.text(b.t.T("guide.materials_hint"), in, bodyPx, screen.Muted, screen.Center)
		return pages
	}
	b.text(m.Name.In(b.g.lang), image.Rect(in.Min.X, in.Min.Y, in.Max.X, in.Min.Y+48), 36, screen.Accent, screen.Left)
	where := b.t.T("guide.where", "where", m.Where.In(b.g.lang))
	if !m.Here {
		where = b.t.T("guide.elsewhere", "where", m.Elsewhere.In(b.g.lang))
	}
	h := b.height(where, in.Dx(), smallPx)
	b.text(where, image.Rect(in.Min.X, in.Min.Y+56, in.Max.X, in.Min.Y+56+h), smallPx, screen.Muted, screen.Left)
	y := in.Min.Y + 56 + h + 16
	if len(m.Materials) == 0 {
		b.text(b.t.T("guide.materials_none"), image.Rect(in.Min.X, y, in.Max.X, y+44), bodyPx, screen.Body, screen.Left)
	}
	for _, mat := range m.Materials {
		line := "• " + mat.Name(b.g.lang)
		st := screen.Body
		if mat.Waivable {
			line += b.t.T("guide.waivable")
			st = screen.Good
		}
		h := b.height(line, in.Dx()-8, 30)
		b.text(line, image.Rect(in.Min.X+8, y, in.Max.X, y+h), 30, st, screen.Left)
		y += h + 8
	}
	btn := image.Rect(in.Min.X, in.Max.Y-rowH, in.Max.X, in.Max.Y)
	if b.g.pending["print"] {
		b.text(b.t.T("guide.printing"), btn, bodyPx, screen.Accent, screen.Center)
	} else {
		b.widget("print", b.t.T("guide.print"), btn, screen.Primary)
	}
	return pages
}

// bottom is the pager of the tab's list, under the column it pages, and the
// outcome of the last action beside it.
func (b *builder) bottom(p pager, acts []string) {
	x := margin
	if b.g.tab == tabWaits {
		x = right - 456
	}
	line := image.Rect(margin, bottomTop, right, bottomTop+rowH)
	if p.pages > 1 {
		if slices.Contains(acts, "prev") {
			b.widget("prev", b.t.T("guide.prev"), image.Rect(x, bottomTop, x+180, bottomTop+rowH), screen.Quiet)
		}
		b.text(fmt.Sprintf("%d/%d", p.page+1, p.pages), image.Rect(x+180, bottomTop, x+276, bottomTop+rowH), smallPx, screen.Muted, screen.Center)
		if slices.Contains(acts, "next") {
			b.widget("next", b.t.T("guide.next"), image.Rect(x+276, bottomTop, x+456, bottomTop+rowH), screen.Quiet)
		}
		if x == margin {
			line.Min.X = x + 456 + 24
		} else {
			line.Max.X = x - 24
		}
	}
	if n := b.g.notice; n.key != "" {
		b.text(b.t.T("guide."+n.key, n.args...), line, bodyPx, n.style, screen.Left)
	}
}
