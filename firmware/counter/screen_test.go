package counter_test

import (
	"flag"
	"image"
	"strings"
	"testing"

	"onetrip/firmware/queue"
	"onetrip/ui/render"
	"onetrip/ui/screen"
	"onetrip/ui/screen/screentest"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

// scene is one screen reached through the product's own events.
type scene struct {
	name    string
	layout  *screen.Layout
	actions []string
}

// scenes walks one ticket from the waiting queue to the thanks in lang,
// keeping every screen on the way.
func scenes(t testing.TB, lang string) []scene {
	r := newRig(t, lang)
	var out []scene
	keep := func(name string) {
		out = append(out, scene{name, r.c.Build(r.snap()), r.c.Actions(r.snap())})
	}
	r.apply(queue.Event{Kind: queue.SignedIn, At: r.now, Window: 1, Terminal: "counter-01", Matters: []string{"social-card"}})
	a1 := r.issue(1, false)
	r.issue(2, false)
	r.issue(3, true)
	r.issue(4, false)
	keep("idle")
	// Window 1 calls A003 (green channel) just before this window does.
	call := r.c.Tap(r.snap(), "call-next")
	r.apply(queue.Event{Kind: queue.Called, At: r.now, Day: day, Number: "A003", Window: 1})
	r.carry(r.c.Result(r.snap(), resultOf(call, "ticket A003 already called")))
	keep("refusal")
	r.tap("call-next")
	keep("called")
	r.tap("start")
	keep("serving")
	r.tap("done")
	keep("rating")
	r.tap("rate:5")
	keep("reason")
	r.tap("reason:wait")
	keep("thanks")
	if tk, _ := r.view.Ticket(a1); tk.Rating != queue.VeryDissatisfied {
		t.Fatalf("%s: A001 rated %d", lang, tk.Rating)
	}
	return out
}

func TestScreensShowExactlyTheirActions(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		for _, s := range scenes(t, lang) {
			l := s.layout
			if err := l.Verify(s.actions); err != nil {
				t.Errorf("%s/%s: %v", s.name, lang, err)
			}
			for i, w := range l.Widgets {
				if w.Label == "" {
					t.Errorf("%s/%s: widget %s has no label", s.name, lang, w.ID)
				}
				for _, o := range l.Widgets[i+1:] {
					if o.Rect.Overlaps(w.Rect) {
						t.Errorf("%s/%s: widgets %s and %s overlap", s.name, lang, w.ID, o.ID)
					}
				}
			}
			for _, tx := range l.Texts {
				if tx.Px < 28 {
					t.Errorf("%s/%s: text %q at %v px, body text must be >= 28", s.name, lang, tx.S, tx.Px)
				}
				if strings.Contains(tx.S, "{") {
					t.Errorf("%s/%s: text %q has a missing key or placeholder", s.name, lang, tx.S)
				}
			}
		}
	}
}

// Every counter string, and everything the screens show, renders with real
// glyphs.
func TestFontCoversAllText(t *testing.T) {
	_, cats := setup(t)
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
			if strings.HasPrefix(k, "counter.") {
				check(lang+":"+k, c.T(k))
			}
		}
		for _, s := range scenes(t, lang) {
			for _, tx := range s.layout.Texts {
				check(lang+":"+s.name, tx.S)
			}
			for _, w := range s.layout.Widgets {
				check(lang+":"+s.name+":"+w.ID, w.Label)
			}
		}
	}
}

// TestGoldenScreens compares every screen in both languages with the
// reviewed PNGs in testdata/golden; run with -update after a deliberate
// change and look at the new pictures before committing them.
func TestGoldenScreens(t *testing.T) {
	p := screen.NewPainter()
	for _, lang := range []string{"zh-CN", "en"} {
		for _, s := range scenes(t, lang) {
			img := image.NewRGBA(screen.Size)
			p.Draw(img, s.layout, "")
			screentest.Golden(t, s.name+"-"+lang, img, *update)
		}
	}
}
