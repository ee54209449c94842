package screen

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
	"time"

	"onetrip/firmware/flow"
)

// randomSession walks the real flow with random events, yielding after each
// step the state, the time and the widget held down (if any).
func randomSession(cfg *flow.Config, seed uint64, steps int, yield func(s flow.State, now time.Time, pressed string)) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := t0
	s := flow.New(cfg, now)
	var issued []flow.Ticket
	var next int64 = 1
	holder := flow.Holder{Name: "张三丰", Number: "33010219800101123X"}
	for range steps {
		var ev flow.Event
		switch n := rng.IntN(100); {
		case n < 55:
			if acts := s.Actions(cfg); len(acts) > 0 {
				ev = flow.Tap{ID: acts[rng.IntN(len(acts))]}
			}
		case n < 65:
			now = now.Add(time.Duration(rng.IntN(40)) * time.Second)
			ev = flow.Tick{}
		case n < 68:
			ev = flow.CardPresent{}
		case n < 71:
			ev = flow.CardRead{Holder: holder}
		case n < 73:
			ev = flow.CardFailed{Problem: "expired"}
		case n < 75:
			ev = flow.CardRemoved{}
		case n < 77:
			ev = flow.BusChanged{Online: rng.IntN(2) == 0}
		case n < 79:
			ev = flow.PrinterChanged{Working: rng.IntN(3) != 0}
		case n < 81:
			ev = flow.GuideComing{}
		case n < 83:
			ev = flow.GuideUnreachable{}
		case n < 85:
			ev = flow.Button{Name: "help"}
		case n < 88:
			ev = flow.SlipPrinted{}
		case n < 94 && len(issued) > 0:
			t := issued[0]
			issued = issued[1:]
			if rng.IntN(4) == 0 {
				ev = flow.PrintFailed{ID: t.ID, Problem: "paper out"}
			} else {
				ev = flow.Printed{ID: t.ID}
			}
		default:
			now = now.Add(time.Duration(rng.IntN(1500)) * time.Millisecond)
		}
		if ev != nil {
			var effs []flow.Effect
			s, effs = flow.Step(cfg, s, ev, now)
			for _, e := range effs {
				if it, ok := e.(flow.IssueTicket); ok {
					t := flow.Ticket{ID: next, Number: fmt.Sprintf("A%03d", next), Matter: it.Matter, Green: it.Green,
						Ahead: rng.IntN(9), AheadKnown: rng.IntN(2) == 0, WaitMin: rng.IntN(30), WaitKnown: true,
						Token: fmt.Sprintf("tok-%d", next), Issued: now}
					next++
					s, _ = flow.Step(cfg, s, flow.TicketIssued{Ticket: t}, now)
					issued = append(issued, t)
				}
			}
		}
		// Sometimes a finger is down on one of the widgets.
		yield(s, now, "")
		yield(s, now, "?")
	}
}

// After every step of random sessions, the frame updated incrementally is
// the frame painted in full, and the rectangles returned hold every pixel
// that changed.
func TestUpdateEqualsFullRepaint(t *testing.T) {
	cfg, cats := setup(t)
	inc, full := NewPainter(), NewPainter()
	frame, want := image.NewRGBA(Size), image.NewRGBA(Size)
	before := image.NewRGBA(Size)
	var prev *Layout
	var prevPressed string
	steps, partial := 0, 0
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 7))
		randomSession(cfg, seed, 60, func(s flow.State, now time.Time, pressed string) {
			if seed%2 == 1 {
				s.Lang = "en"
			}
			l := Build(cfg, s, cats, now)
			if pressed == "?" {
				pressed = ""
				if len(l.Widgets) > 0 && rng.IntN(2) == 0 {
					pressed = l.Widgets[rng.IntN(len(l.Widgets))].ID
				}
			}
			copy(before.Pix, frame.Pix)
			dirty := inc.Update(frame, prev, l, prevPressed, pressed)
			full.Draw(want, l, pressed)
			steps++
			if len(dirty) > 0 && !(len(dirty) == 1 && dirty[0] == Size) {
				partial++
			}
			if n := differing(frame, want, Size); n != 0 {
				t.Fatalf("seed %d step %d (%s, pressed %q): %d pixels differ from a full repaint", seed, steps, s.Screen, pressed, n)
			}
			for i := 0; i < len(frame.Pix); i += 4 {
				if !bytes.Equal(frame.Pix[i:i+4], before.Pix[i:i+4]) {
					x, y := i/4%Size.Dx(), i/4/Size.Dx()
					if !inAny(image.Pt(x, y), dirty) {
						t.Fatalf("seed %d step %d (%s): pixel (%d,%d) changed outside %v", seed, steps, s.Screen, x, y, dirty)
					}
				}
			}
			prev, prevPressed = l, pressed
		})
	}
	t.Logf("%d steps, %d partial updates", steps, partial)
	if partial < steps/4 {
		t.Fatalf("only %d of %d steps were partial updates", partial, steps)
	}
}

func differing(a, b *image.RGBA, r image.Rectangle) int {
	if bytes.Equal(a.Pix, b.Pix) {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				n++
			}
		}
	}
	return n
}

func inAny(p image.Point, rs []image.Rectangle) bool {
	for _, r := range rs {
		if p.In(r) {
			return true
		}
	}
	return false
}

// Pressing a button repaints about the button, not the frame; releasing it
// restores the frame exactly.
func TestPressDamagesOnlyTheButton(t *testing.T) {
	cfg, cats := setup(t)
	p := NewPainter()
	l := Build(cfg, scenes(cfg)["matter"], cats, t0)
	frame := image.NewRGBA(Size)
	p.Update(frame, nil, l, "", "")
	untouched := image.NewRGBA(Size)
	copy(untouched.Pix, frame.Pix)
	for _, id := range []string{"green-channel", "matter:invoice"} {
		w, ok := l.Widget(id)
		if !ok {
			t.Fatalf("no widget %s", id)
		}
		dirty := p.Update(frame, l, l, "", id)
		if len(dirty) != 1 {
			t.Fatalf("%s: pressing damages %v", id, dirty)
		}
		near := w.Rect.Inset(-24)
		if !dirty[0].In(near) || !w.Rect.In(dirty[0]) {
			t.Fatalf("%s: pressing %v damages %v", id, w.Rect, dirty[0])
		}
		if dirty := p.Update(frame, l, l, id, id); len(dirty) != 0 {
			t.Fatalf("%s: nothing changed, yet %v damaged", id, dirty)
		}
		p.Update(frame, l, l, id, "")
		if n := differing(frame, untouched, Size); n != 0 {
			t.Fatalf("%s: %d pixels differ after release", id, n)
		}
	}
}

// Every text's ink lies within the bounds incremental updates give it.
func TestTextBoundsHoldTheInk(t *testing.T) {
	cfg, cats := setup(t)
	p := NewPainter()
	img := image.NewRGBA(Size)
	for name, s := range scenes(cfg) {
		for _, lang := range []string{"zh-CN", "en"} {
			s.Lang = lang
			l := Build(cfg, s, cats, t0)
			var texts []Text
			texts = append(texts, l.Texts...)
			for _, w := range l.Widgets {
				texts = append(texts, p.widgetLabel(w))
			}
			for _, tx := range texts {
				clear(img.Pix)
				p.drawText(img, tx, ink)
				b := p.layoutText(tx).bounds
				for i := 3; i < len(img.Pix); i += 4 {
					if x, y := i/4%Size.Dx(), i/4/Size.Dx(); img.Pix[i] != 0 && !image.Pt(x, y).In(b) {
						t.Fatalf("%s/%s: %q inks (%d,%d) outside %v", name, lang, tx.S, x, y, b)
					}
				}
			}
		}
	}
}

func BenchmarkUpdatePress(b *testing.B) {
	cfg, cats := setup(b)
	p := NewPainter()
	l := Build(cfg, scenes(cfg)["matter"], cats, t0)
	img := image.NewRGBA(Size)
	p.Draw(img, l, "")
	pressed := ""
	for b.Loop() {
		next := Build(cfg, scenes(cfg)["matter"], cats, t0)
		np := "green-channel"
		if pressed != "" {
			np = ""
		}
		p.Update(img, l, next, pressed, np)
		l, pressed = next, np
	}
}
