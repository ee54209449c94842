// Package screen turns the flow's state into what the citizen sees: a layout
// of widgets (with stable ids, visible labels and rectangles for hit-testing)
// and the drawing of that layout into an RGBA frame.
package screen

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/ui/locale"
)

// Size is the logical screen every layout is made for.
var Size = image.Rect(0, 0, 1280, 800)

// Kind says how a widget looks.
type Kind int

const (
	Primary   Kind = iota // the main action: filled blue
	Secondary             // other actions: white with a blue border
	Help                  // call a guide: filled orange
	Tab                   // a category tab: selected or not
	Toggle                // green channel: on or off
	Quiet                 // back, cancel, language: grey
)

// Widget is one touchable thing on the screen.
type Widget struct {
	ID       string          `json:"id"`
	Label    string          `json:"label"`
	Rect     image.Rectangle `json:"-"`
	Enabled  bool            `json:"enabled"`
	Kind     Kind            `json:"-"`
	Selected bool            `json:"-"`
}

// Text is a run of text placed in a box; long text wraps inside it.
type Text struct {
	S     string
	Box   image.Rectangle
	Px    float64
	Style Style
	Align Align
}

// Style picks a text colour.
type Style int

const (
	Body Style = iota
	Muted
	Accent
	Warn
	Good
	Inverse
)

// Align places text in its box.
type Align int

const (
	Left Align = iota
	Center
)

// QR is a QR code to draw.
type QR struct {
	Payload string
	Box     image.Rectangle
}

// Panel is a coloured rounded rectangle behind content.
type Panel struct {
	Box   image.Rectangle
	Style Style
}

// Layout is everything one screen shows.
type Layout struct {
	Screen     flow.Screen
	Widgets    []Widget
	Texts      []Text
	QRs        []QR
	Panels     []Panel
	Background string // the action of a touch outside every widget ("" = none)
}

// Hit returns the enabled widget under p, or the background action.
func (l *Layout) Hit(p image.Point) (string, bool) {
	for i := len(l.Widgets) - 1; i >= 0; i-- {
		w := l.Widgets[i]
		if p.In(w.Rect) {
			return w.ID, w.Enabled
		}
	}
	if l.Background != "" {
		return l.Background, true
	}
	return "", false
}

// Widget returns the widget with id.
func (l *Layout) Widget(id string) (Widget, bool) {
	for _, w := range l.Widgets {
		if w.ID == id {
			return w, true
		}
	}
	return Widget{}, false
}

// Refresh says how soon a screen must be redrawn although nothing happened:
// the attract clock each minute, the countdown each second, the card
// animation twice a second. Zero means never.
func Refresh(s flow.State, now time.Time) time.Duration {
	switch {
	case s.Screen == flow.Attract:
		return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
	case s.Screen == flow.TimeoutWarning:
		return time.Second - time.Duration(now.Nanosecond())
	case s.Screen == flow.ID && s.Holder == nil:
		return 500*time.Millisecond - time.Duration(now.Nanosecond())%(500*time.Millisecond)
	}
	return 0
}

// matterButton is the size of a matter's button on the catalog screen.
var matterButton = image.Pt(584, 80)

const (
	margin  = 48
	topBar  = 104
	navTop  = 688
	bodyPx  = 32
	smallPx = 28
	titlePx = 52
)

// builder collects a layout.
type builder struct {
	l   *Layout
	cfg *flow.Config
	s   flow.State
	t   *locale.Catalog
	now time.Time
}

func (b *builder) text(s string, box image.Rectangle, px float64, st Style, al Align) {
	b.l.Texts = append(b.l.Texts, Text{S: s, Box: box, Px: px, Style: st, Align: al})
}

func (b *builder) widget(id, label string, r image.Rectangle, k Kind) *Widget {
	b.l.Widgets = append(b.l.Widgets, Widget{ID: id, Label: label, Rect: r, Enabled: true, Kind: k})
	return &b.l.Widgets[len(b.l.Widgets)-1]
}

func (b *builder) lang() string { return b.s.Lang }

// Build lays out the screen for state s.
func Build(cfg *flow.Config, s flow.State, cats locale.Catalogs, now time.Time) *Layout {
	b := &builder{l: &Layout{Screen: s.Screen}, cfg: cfg, s: s, t: cats.Get(s.Lang), now: now}
	b.chrome()
	if b.service() {
		return b.l
	}
	switch s.Screen {
	case flow.Attract:
		b.attract()
	case flow.ID:
		b.id()
	case flow.Matter:
		b.matter()
	case flow.Online:
		b.online()
	case flow.Questions:
		b.questions()
	case flow.Printing:
		b.title(b.t.T("printing.title"))
		b.text("……", image.Rect(0, 360, 1280, 440), titlePx, Muted, Center)
	case flow.Done:
		b.done()
	case flow.Elsewhere:
		b.elsewhere()
	case flow.PrintProblem:
		b.printProblem()
	case flow.TimeoutWarning:
		b.timeoutWarning()
	}
	b.banner()
	return b.l
}

// chrome draws the top bar (hall name, language) and the bottom navigation.
func (b *builder) chrome() {
	b.l.Panels = append(b.l.Panels, Panel{Box: image.Rect(0, 0, 1280, topBar-8), Style: Accent})
	b.text(b.cfg.Hall.Name.In(b.lang()), image.Rect(margin, 0, 900, topBar-8), 36, Inverse, Left)
	acts := b.s.Actions(b.cfg)
	if slices.Contains(acts, "lang") {
		b.widget("lang", b.t.T("common.lang"), image.Rect(1280-margin-200, 8, 1280-margin, 88), Quiet)
	}
	x := margin
	for _, id := range []string{"back", "cancel"} {
		if slices.Contains(acts, id) {
			label := b.t.T("common." + id)
			if id == "cancel" && (b.s.Screen == flow.Done || b.s.Screen == flow.PrintProblem) {
				label = b.t.T("done.finish")
			}
			k := Quiet
			if id == "cancel" && (b.s.Screen == flow.Done || b.s.Screen == flow.PrintProblem) {
				k = Primary
			}
			if b.s.Screen == flow.TimeoutWarning {
				continue
			}
			b.widget(id, label, image.Rect(x, navTop, x+240, navTop+88), k)
			x += 264
		}
	}
	if slices.Contains(acts, "call-guide") {
		b.widget("call-guide", b.t.T("common.call_guide"), image.Rect(1280-margin-320, navTop, 1280-margin, navTop+88), Help)
	}
}

func (b *builder) title(s string) {
	b.text(s, image.Rect(margin, topBar+16, 1280-margin, topBar+96), titlePx, Body, Center)
}

// banner replaces the hall name in the top bar with a green notice once a
// guide has been called, so it never covers the screen's own content.
func (b *builder) banner() {
	if !b.s.GuideCalled || b.s.GuideMessage == "" || b.s.Screen == flow.TimeoutWarning {
		return
	}
	b.l.Panels = append(b.l.Panels, Panel{Box: image.Rect(0, 0, 1280-margin-220, topBar-8), Style: Good})
	b.l.Texts[0] = Text{S: b.t.T(b.s.GuideMessage), Box: image.Rect(margin, 0, 1280-margin-240, topBar-8), Px: bodyPx, Style: Inverse}
}

func (b *builder) attract() {
	b.text(b.t.T("attract.welcome", "hall", b.cfg.Hall.Name.In(b.lang())), image.Rect(margin, 170, 1280-margin, 260), 56, Body, Center)
	b.text(b.t.T("attract.touch"), image.Rect(margin, 280, 1280-margin, 340), bodyPx, Muted, Center)
	b.widget("start", b.t.T("attract.start"), image.Rect(400, 380, 880, 540), Primary)
	l := b.now
	b.text(b.t.T("attract.date", "month", int(l.Month()), "day", l.Day(), "weekday", b.t.T("weekday."+strconv.Itoa(int(l.Weekday()))),
		"time", l.Format("15:04")), image.Rect(margin, 580, 1280-margin, 640), bodyPx, Muted, Center)
	switch {
	case b.s.PrinterDown:
		b.text(b.t.T("attract.printer_down"), image.Rect(margin, 640, 1280-margin, 684), smallPx, Warn, Center)
	case b.s.Offline:
		b.text(b.t.T("attract.offline"), image.Rect(margin, 640, 1280-margin, 684), smallPx, Warn, Center)
	}
	b.l.Background = "start"
}

func (b *builder) id() {
	s := b.s
	if s.Holder != nil {
		b.title(b.t.T("id.title_read"))
	} else {
		b.title(b.t.T("id.title"))
	}
	switch {
	case s.Holder != nil && s.Holder.Name == "":
		// A reader that only senses the card (no SAM module).
		b.text(b.t.T("id.present"), image.Rect(240, 250, 1040, 400), 48, Body, Center)
		b.widget("continue", b.t.T("common.continue"), image.Rect(440, 460, 840, 580), Primary)
	case s.Holder != nil:
		b.l.Panels = append(b.l.Panels, Panel{Box: image.Rect(240, 230, 1040, 430), Style: Body})
		b.text(b.t.T("id.hello", "name", s.Holder.MaskedName()), image.Rect(240, 250, 1040, 330), 48, Body, Center)
		b.text(b.t.T("id.number", "number", s.Holder.MaskedNumber()), image.Rect(240, 340, 1040, 400), bodyPx, Muted, Center)
		b.widget("continue", b.t.T("common.continue"), image.Rect(440, 460, 840, 580), Primary)
	default:
		hint := b.t.T("id.hint")
		style := Muted
		switch {
		case s.ReaderDown:
			hint, style = b.t.T("id.unavailable"), Warn
		case s.Reading:
			hint = b.t.T("id.reading")
		case s.CardProblem != "":
			hint, style = b.t.T("id."+s.CardProblem), Warn
		}
		b.text(hint, image.Rect(margin+40, 210, 1280-margin-40, 300), bodyPx, style, Center)
		b.cardAnimation(image.Rect(440, 300, 840, 470))
		if slices.Contains(b.s.Actions(b.cfg), "retry") {
			b.widget("retry", b.t.T("id.retry"), image.Rect(margin+72, 490, 632, 590), Primary)
			b.widget("no-id", b.t.T("id.no_id"), image.Rect(648, 490, 1280-margin-72, 590), Secondary)
		} else {
			b.widget("no-id", b.t.T("id.no_id"), image.Rect(400, 490, 880, 590), Secondary)
		}
		b.text(b.t.T("id.no_id_hint"), image.Rect(margin, 596, 1280-margin, 640), smallPx, Muted, Center)
	}
}

// cardAnimation shows a card being lowered onto the reader; it moves twice a
// second while the screen waits for a card.
func (b *builder) cardAnimation(r image.Rectangle) {
	phase := int(b.now.UnixMilli()/500) % 2
	reader := image.Rect(r.Min.X+40, r.Max.Y-50, r.Max.X-40, r.Max.Y)
	b.l.Panels = append(b.l.Panels, Panel{Box: reader, Style: Muted})
	card := image.Rect(r.Min.X+110, r.Min.Y+10+phase*40, r.Max.X-110, r.Min.Y+100+phase*40)
	b.l.Panels = append(b.l.Panels, Panel{Box: card, Style: Accent})
}

func (b *builder) matter() {
	b.title(b.t.T("matter.title"))
	cats := b.cfg.Hall.Categories
	w := (1280 - 2*margin - (len(cats)-1)*16) / len(cats)
	for i, c := range cats {
		x := margin + i*(w+16)
		tab := b.widget("category:"+c.ID, c.Name.In(b.lang()), image.Rect(x, 206, x+w, 302), Tab)
		tab.Selected = c.ID == b.s.Category
	}
	ms, pages := b.s.PageMatters(b.cfg)
	for i, m := range ms {
		col, row := i%2, i/2
		x, y := margin+col*(584+16), 318+row*92
		b.widget("matter:"+m.ID, m.Name.In(b.lang()), image.Rectangle{Max: matterButton}.Add(image.Pt(x, y)), Secondary)
	}
	y := 318 + 3*92
	if slices.Contains(b.s.Actions(b.cfg), "prev") {
		b.widget("prev", b.t.T("common.prev"), image.Rect(margin, y, margin+200, y+80), Quiet)
	}
	if pages > 1 {
		b.text(b.t.T("common.page", "page", b.s.Page+1, "pages", pages), image.Rect(margin+220, y, margin+500, y+80), smallPx, Muted, Center)
	}
	if slices.Contains(b.s.Actions(b.cfg), "next") {
		b.widget("next", b.t.T("common.next"), image.Rect(margin+520, y, margin+720, y+80), Quiet)
	}
	b.greenToggle(image.Rect(1280-margin-440, y, 1280-margin, y+88))
}

func (b *builder) greenToggle(r image.Rectangle) {
	g := b.widget("green-channel", b.t.T("common.green"), r, Toggle)
	g.Selected = b.s.Green
	if b.s.Green {
		g.Label = b.t.T("common.green_on")
	}
}

func (b *builder) currentMatter() hall.Matter {
	m, _ := b.cfg.Hall.Matter(b.s.Matter)
	return m
}

func (b *builder) online() {
	m := b.currentMatter()
	b.title(b.t.T("online.title"))
	link := hall.Link(m.DeepLink, b.cfg.Hall.ID, m.ID, "")
	b.l.QRs = append(b.l.QRs, QR{Payload: link, Box: image.Rect(margin+40, 210, margin+40+400, 610)})
	b.text(b.t.T("online.hint", "matter", m.Name.In(b.lang())), image.Rect(560, 220, 1280-margin, 330), bodyPx, Body, Left)
	b.widget("take-ticket", b.t.T("online.take_ticket"), image.Rect(560, 350, 1280-margin, 460), Primary)
	b.widget("online-help", b.t.T("online.help"), image.Rect(560, 480, 1280-margin, 580), Secondary)
}

func (b *builder) questions() {
	m := b.currentMatter()
	b.title(b.t.T("questions.title"))
	b.text(b.t.T("questions.materials", "matter", m.Name.In(b.lang())), image.Rect(margin, 200, 700, 250), bodyPx, Body, Left)
	for i, mat := range m.Materials {
		line := "• " + mat.Name(b.lang())
		if mat.Waivable {
			line += "（" + b.t.T("questions.waivable") + "）"
		}
		b.text(line, image.Rect(margin+16, 256+i*52, 720, 300+i*52), smallPx, Body, Left)
	}
	b.widget("no-questions", b.t.T("questions.no"), image.Rect(740, 210, 1280-margin, 320), Primary)
	b.widget("have-questions", b.t.T("questions.have"), image.Rect(740, 340, 1280-margin, 450), Secondary)
	b.greenToggle(image.Rect(740, 470, 1280-margin, 558))
}

func (b *builder) ticketNumber(r image.Rectangle, px float64) {
	t := b.s.Ticket
	b.text(t.Number, r, px, Accent, Center)
}

func (b *builder) done() {
	b.title(b.t.T("done.title"))
	b.ticketPanel()
	if b.s.CardOnReader {
		b.text(b.t.T("done.take_card"), image.Rect(margin, 610, 1280-margin, 660), bodyPx, Warn, Center)
	}
}

// ticketPanel is the whole ticket on screen: number, matter, where to go,
// the queue, and the phone's QR code — all a citizen needs if the paper
// never comes out.
func (b *builder) ticketPanel() {
	t := b.s.Ticket
	m := b.currentMatter()
	b.l.Panels = append(b.l.Panels, Panel{Box: image.Rect(margin, 190, 820, 600), Style: Body})
	b.ticketNumber(image.Rect(margin, 200, 820, 350), 140)
	lines := []string{
		m.Name.In(b.lang()),
		b.t.T("done.where", "where", m.Where.In(b.lang())),
		strings.Join(QueueLine(b.t, "done", *t), "  "),
	}
	if t.Green {
		lines = append(lines, b.t.T("ticket.green"))
	}
	for i, s := range lines {
		st := Body
		if t.Green && i == len(lines)-1 {
			st = Good
		}
		b.text(s, image.Rect(margin+20, 360+i*56, 800, 410+i*56), bodyPx, st, Center)
	}
	if b.cfg.Hall.QueueLink != "" {
		link := hall.LinkToken(b.cfg.Hall.QueueLink, b.cfg.Hall.ID, m.ID, t.Number, t.Token)
		b.l.QRs = append(b.l.QRs, QR{Payload: link, Box: image.Rect(860, 200, 1220, 560)})
		b.text(b.t.T("done.qr_hint"), image.Rect(840, 560, 1240, 600), smallPx, Muted, Center)
	}
}

// QueueLine says what is known of the ticket's place in the queue, with
// the catalog section's ("done" or "ticket") words: people ahead and the
// wait when known, "请留意叫号" where they are not.
func QueueLine(t *locale.Catalog, section string, tk flow.Ticket) []string {
	var parts []string
	if tk.AheadKnown {
		parts = append(parts, t.T(section+".ahead", "n", tk.Ahead))
	}
	switch {
	case tk.WaitKnown && tk.WaitMin == 0:
		// Next in line: the minutes would say 0, the citizen should listen.
		parts = append(parts, t.T(section+".watch"))
	case tk.WaitKnown && tk.Approx:
		parts = append(parts, t.T(section+".wait_approx", "min", tk.WaitMin))
	case tk.WaitKnown:
		parts = append(parts, t.T(section+".wait", "min", tk.WaitMin))
	default:
		parts = append(parts, t.T(section+".watch"))
	}
	return parts
}

func (b *builder) elsewhere() {
	m := b.currentMatter()
	b.title(b.t.T("elsewhere.title"))
	b.text(m.Name.In(b.lang()), image.Rect(margin, 200, 1280-margin, 250), bodyPx, Accent, Center)
	lines := ElsewhereLines(b.t, m, b.lang())
	for i, ln := range lines {
		b.text(ln, image.Rect(margin+40, 256+i*44, 800, 300+i*44), smallPx, Body, Left)
	}
	r := image.Rect(820, 300, 1280-margin, 420)
	switch b.s.Slip {
	case "printing":
		b.text(b.t.T("elsewhere.printing"), r, bodyPx, Muted, Center)
	case "printed":
		b.text(b.t.T("elsewhere.printed"), r, bodyPx, Good, Center)
	case "failed":
		b.text(b.t.T("elsewhere.print_failed"), image.Rect(820, 440, 1280-margin, 560), smallPx, Warn, Center)
	}
	if slices.Contains(b.s.Actions(b.cfg), "print-slip") {
		b.widget("print-slip", b.t.T("elsewhere.print"), r, Primary)
	}
}

// ElsewhereLines are what the citizen needs to do a matter handled
// elsewhere: the address, the hours and phone where known, the materials.
// The screen and the printed slip say the same.
func ElsewhereLines(t *locale.Catalog, m hall.Matter, lang string) []string {
	out := []string{t.T("elsewhere.where", "where", m.Elsewhere.In(lang))}
	if h := m.ElsewhereHours.In(lang); h != "" {
		out = append(out, t.T("elsewhere.hours", "hours", h))
	}
	if m.ElsewherePhone != "" {
		out = append(out, t.T("elsewhere.phone", "phone", m.ElsewherePhone))
	}
	if len(m.Materials) > 0 {
		out = append(out, t.T("elsewhere.bring"))
		for _, mat := range m.Materials {
			out = append(out, "• "+mat.Name(lang))
		}
	}
	return out
}

func (b *builder) printProblem() {
	b.title(b.t.T("print_problem.title"))
	if b.s.Ticket != nil {
		b.ticketPanel()
		b.text(b.t.T("print_problem.number", "number", b.s.Ticket.Number), image.Rect(margin, 606, 1280-margin, 676), smallPx, Warn, Center)
	} else {
		b.text(b.t.T("print_problem.no_number"), image.Rect(margin+40, 280, 1280-margin-40, 380), bodyPx, Body, Center)
	}
}

func (b *builder) timeoutWarning() {
	b.title(b.t.T("timeout.title"))
	left := int(b.s.Until.Sub(b.now).Round(time.Second) / time.Second)
	left = max(left, 0)
	b.text(strconv.Itoa(left), image.Rect(margin, 210, 1280-margin, 380), 140, Accent, Center)
	b.text(b.t.T("timeout.countdown", "s", left), image.Rect(margin, 390, 1280-margin, 450), bodyPx, Muted, Center)
	b.widget("continue", b.t.T("timeout.continue"), image.Rect(340, 480, 940, 600), Primary)
	b.widget("cancel", b.t.T("common.cancel"), image.Rect(margin, navTop, margin+240, navTop+88), Quiet)
}

// Verify checks that the layout shows exactly the actions the flow allows,
// each enabled and at least 80×80 px (a finger, not a mouse).
func (l *Layout) Verify(actions []string) error {
	for _, w := range l.Widgets {
		if !slices.Contains(actions, w.ID) {
			return fmt.Errorf("screen %s shows %q, which the flow does not allow", l.Screen, w.ID)
		}
		if w.Rect.Dx() < 80 || w.Rect.Dy() < 80 {
			return fmt.Errorf("screen %s: %q is %dx%d px, smaller than 80x80", l.Screen, w.ID, w.Rect.Dx(), w.Rect.Dy())
		}
		if !w.Rect.In(Size) {
			return fmt.Errorf("screen %s: %q at %v is off screen", l.Screen, w.ID, w.Rect)
		}
	}
	for _, id := range actions {
		if _, ok := l.Widget(id); !ok {
			return fmt.Errorf("screen %s lacks %q (flow actions %s)", l.Screen, id, strings.Join(actions, ","))
		}
	}
	return nil
}
