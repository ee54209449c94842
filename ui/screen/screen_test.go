package screen

import (
	"flag"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/ui/locale"
	"onetrip/ui/qrscan"
	"onetrip/ui/render"
	"onetrip/ui/screen/screentest"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

func setup(t testing.TB) (*flow.Config, locale.Catalogs) {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	return flow.NewConfig(h), cats
}

// scenes reaches every screen through the flow itself.
func scenes(cfg *flow.Config) map[string]flow.State {
	step := func(s flow.State, evs ...flow.Event) flow.State {
		for _, e := range evs {
			s, _ = flow.Step(cfg, s, e, t0)
		}
		return s
	}
	tap := func(ids ...string) []flow.Event {
		var evs []flow.Event
		for _, id := range ids {
			evs = append(evs, flow.Tap{ID: id})
		}
		return evs
	}
	holder := flow.Holder{Name: "张三丰", Number: "33010219800101123X"}
	s0 := flow.New(cfg, t0)
	printing := step(s0, tap("start", "no-id", "matter:social-card", "take-ticket", "green-channel", "no-questions")...)
	ticket := flow.Ticket{ID: 1, Number: "A023", Matter: "social-card", Green: true, Ahead: 4, AheadKnown: true,
		WaitMin: 2, WaitKnown: true, Token: "phone-token-0123456789", Issued: t0}
	done := step(printing, flow.TicketIssued{Ticket: ticket}, flow.Printed{ID: 1}, flow.CardPresent{})
	// A standalone kiosk knows nothing of the queue: no figures on screen.
	alone := ticket
	alone.Green, alone.AheadKnown, alone.WaitKnown = false, false, false
	doneAlone := step(step(s0, tap("start", "no-id", "matter:social-card", "take-ticket", "no-questions")...),
		flow.TicketIssued{Ticket: alone}, flow.Printed{ID: 1})
	offline := ticket
	offline.Green, offline.Approx = false, true
	doneOffline := step(step(s0, flow.BusChanged{Online: false}), tap("start", "no-id", "matter:social-card", "take-ticket", "no-questions")...)
	doneOffline = step(doneOffline, flow.TicketIssued{Ticket: offline}, flow.Printed{ID: 1})
	warn := step(s0, tap("start", "no-id")...)
	warn, _ = flow.Step(cfg, warn, flow.Tick{}, t0.Add(cfg.IdleTimeout))
	return map[string]flow.State{
		"attract":            s0,
		"id":                 step(s0, tap("start")...),
		"id-card":            step(s0, flow.CardRead{Holder: holder}),
		"id-expired":         step(s0, flow.CardPresent{}, flow.CardFailed{Problem: "expired"}),
		"matter":             step(s0, tap("start", "no-id", "category:business")...),
		"online":             step(s0, tap("start", "no-id", "matter:social-card", "online-help")...),
		"questions":          step(s0, tap("start", "no-id", "matter:social-card", "take-ticket", "green-channel")...),
		"printing":           printing,
		"done":               done,
		"done-standalone":    doneAlone,
		"done-offline":       doneOffline,
		"attract-offline":    step(s0, flow.BusChanged{Online: false}),
		"attract-no-printer": step(s0, flow.PrinterChanged{Working: false}),
		"elsewhere":          step(s0, tap("start", "no-id", "category:household", "matter:passport")...),
		"print-problem":      step(printing, flow.TicketIssued{Ticket: ticket}, flow.PrintFailed{ID: 1, Problem: "paper out"}),
		"timeout-warning":    warn,
	}
}

func TestEveryScreenShowsExactlyItsActions(t *testing.T) {
	cfg, cats := setup(t)
	for name, s := range scenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			l := Build(cfg, s, cats, t0)
			if err := l.Verify(s.Actions(cfg)); err != nil {
				t.Errorf("%s/%s: %v", name, lang, err)
			}
			for _, w := range l.Widgets {
				if w.Label == "" {
					t.Errorf("%s/%s: widget %s has no label", name, lang, w.ID)
				}
				for _, o := range l.Widgets {
					if o.ID != w.ID && o.Rect.Overlaps(w.Rect) {
						t.Errorf("%s/%s: widgets %s and %s overlap", name, lang, w.ID, o.ID)
					}
				}
			}
			for _, tx := range l.Texts {
				if tx.Px < 28 {
					t.Errorf("%s/%s: text %q at %v px, body text must be >= 28", name, lang, tx.S, tx.Px)
				}
			}
		}
	}
}

func TestHitTestingFollowsLayout(t *testing.T) {
	cfg, cats := setup(t)
	l := Build(cfg, scenes(cfg)["matter"], cats, t0)
	w, _ := l.Widget("matter:invoice")
	if id, ok := l.Hit(w.Rect.Min.Add(image.Pt(5, 5))); id != "matter:invoice" || !ok {
		t.Fatalf("hit %q %v", id, ok)
	}
	if id, _ := l.Hit(image.Pt(2, 700)); id != "" {
		t.Fatalf("empty corner hit %q", id)
	}
	attract := Build(cfg, scenes(cfg)["attract"], cats, t0)
	if id, ok := attract.Hit(image.Pt(100, 400)); id != "start" || !ok {
		t.Fatalf("a touch anywhere on attract must start, got %q", id)
	}
}

// The masked holder is on screen; the unmasked one is not in any text.
func TestHolderIsShownMasked(t *testing.T) {
	cfg, cats := setup(t)
	l := Build(cfg, scenes(cfg)["id-card"], cats, t0)
	var all string
	for _, tx := range l.Texts {
		all += tx.S + "\n"
	}
	for _, bad := range []string{"张三丰", "33010219800101123X", "1980"} {
		if strings.Contains(all, bad) {
			t.Fatalf("unmasked %q on screen:\n%s", bad, all)
		}
	}
	if !strings.Contains(all, "张*丰") || !strings.Contains(all, "3301**********123X") {
		t.Fatalf("masked holder missing:\n%s", all)
	}
}

// Every catalog string and every hall name renders with real glyphs.
func TestFontCoversAllText(t *testing.T) {
	cfg, cats := setup(t)
	face := render.DefaultFont().Face(32)
	check := func(where, s string) {
		for _, r := range s {
			if r > ' ' && !face.Has(r) {
				t.Errorf("%s: %q lacks glyph %q", where, s, r)
			}
		}
	}
	for lang, c := range cats {
		for _, k := range c.Keys() {
			check(lang+":"+k, c.T(k))
		}
	}
	h := cfg.Hall
	check("hall", h.Name.Zh+h.Name.En)
	for _, m := range h.Matters {
		check(m.ID, m.Name.Zh+m.Name.En+m.Where.Zh+m.Where.En+m.Elsewhere.Zh+m.Elsewhere.En)
		for _, mat := range m.Materials {
			check(m.ID, mat.Zh+mat.En)
		}
	}
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	text, err := qrscan.Read(img)
	if err != nil {
		t.Fatalf("no QR code readable: %v", err)
	}
	return text
}

func TestQRCodesOnScreenDeepLink(t *testing.T) {
	cfg, cats := setup(t)
	p := NewPainter()
	for name, want := range map[string]string{
		"online": "https://zwfw.example.gov.cn/app/matter/social-card?hall=hz-sc",
		"done":   "https://zwfw.example.gov.cn/queue?hall=hz-sc&ticket=A023&t=phone-token-0123456789",
	} {
		l := Build(cfg, scenes(cfg)[name], cats, t0)
		img := image.NewRGBA(Size)
		p.Draw(img, l, "")
		if got := decodeQR(t, img.SubImage(l.QRs[0].Box)); got != want {
			t.Errorf("%s: QR says %q, want %q", name, got, want)
		}
	}
}

// TestGoldenScreens compares every screen in both languages with the
// reviewed PNGs in testdata/golden; run with -update after a deliberate
// change and look at the new pictures before committing them.
func TestGoldenScreens(t *testing.T) {
	cfg, cats := setup(t)
	p := NewPainter()
	for name, s := range scenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			img := image.NewRGBA(Size)
			p.Draw(img, Build(cfg, s, cats, t0), "")
			screentest.Golden(t, name+"-"+lang, img, *update)
		}
	}
}

func BenchmarkBuildAndDraw(b *testing.B) {
	cfg, cats := setup(b)
	p := NewPainter()
	img := image.NewRGBA(Size)
	for name, s := range scenes(cfg) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				p.Draw(img, Build(cfg, s, cats, t0), "")
			}
		})
	}
}

func ExampleLayout_Hit() {
	l := &Layout{Widgets: []Widget{{ID: "start", Rect: image.Rect(0, 0, 100, 100), Enabled: true}}}
	fmt.Println(l.Hit(image.Pt(50, 50)))
	// Output: start true
}

// Text too long for its box even at the smallest type ends in an ellipsis
// inside the box: nothing is drawn over a border or another text.
func TestLongTextStaysInItsBox(t *testing.T) {
	cfg, cats := setup(t)
	long := strings.Repeat("Certificate of registration for a newly founded limited liability company ", 4)
	for _, lang := range []string{"zh-CN", "en"} {
		h := *cfg.Hall
		h.Matters = slices.Clone(cfg.Hall.Matters)
		h.Matters[0].Name.En, h.Matters[0].Name.Zh = long, strings.Repeat("新设立有限责任公司登记证明", 6)
		c := *cfg
		c.Hall = &h
		s := flow.New(&c, t0)
		s.Lang = lang
		s, _ = flow.Step(&c, s, flow.Tap{ID: "start"}, t0)
		s, _ = flow.Step(&c, s, flow.Tap{ID: "no-id"}, t0)
		l := Build(&c, s, cats, t0)
		w, ok := l.Widget("matter:" + h.Matters[0].ID)
		if !ok {
			t.Fatal("no button for the first matter")
		}
		img := image.NewRGBA(Size)
		only := &Layout{Screen: l.Screen, Widgets: []Widget{w}}
		NewPainter().Draw(img, only, "")
		bg := img.RGBAAt(0, 0)
		for y := 0; y < Size.Dy(); y++ {
			for x := 0; x < Size.Dx(); x++ {
				if !image.Pt(x, y).In(w.Rect) && img.RGBAAt(x, y) != bg {
					t.Fatalf("%s: the long name draws outside its button at (%d,%d)", lang, x, y)
				}
			}
		}
		if problems := CheckHall(&c, cats); len(problems) == 0 || !strings.Contains(problems[0], h.Matters[0].ID) {
			t.Fatalf("%s: the hall check does not report the long name: %v", lang, problems)
		}
	}
	// The sample hall's own names all fit.
	if problems := CheckHall(cfg, cats); len(problems) > 0 {
		t.Fatalf("sample hall: %v", problems)
	}
}

// Every catalog string fits the widest text box it could be shown in, at
// the smallest type: the screens' own words are never cut short.
func TestEveryWidgetLabelFits(t *testing.T) {
	cfg, cats := setup(t)
	font := render.DefaultFont()
	for name, s := range scenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			for _, w := range Build(cfg, s, cats, t0).Widgets {
				if !Fits(font, w.Label, w.Rect.Size()) {
					t.Errorf("%s (%s): %q does not fit widget %s (%v)", name, lang, w.Label, w.ID, w.Rect.Size())
				}
			}
		}
	}
}
