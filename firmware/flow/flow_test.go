package flow

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/hall"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)

func config(t testing.TB) *Config {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return NewConfig(h)
}

var citizen = Holder{Name: "张三丰", Number: "11010519491231002X"}

// run applies events one second apart and returns the final state and all effects.
func run(cfg *Config, s State, evs ...Event) (State, []Effect, time.Time) {
	now := s.LastInput
	var all []Effect
	for _, e := range evs {
		now = now.Add(time.Second)
		var fx []Effect
		s, fx = Step(cfg, s, e, now)
		all = append(all, fx...)
	}
	return s, all, now
}

func taps(ids ...string) []Event {
	evs := make([]Event, len(ids))
	for i, id := range ids {
		evs[i] = Tap{id}
	}
	return evs
}

func has[T Effect](fx []Effect) (T, bool) {
	for _, f := range fx {
		if v, ok := f.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func TestTransitions(t *testing.T) {
	cfg := config(t)
	start := New(cfg, t0)
	cases := []struct {
		name   string
		events []Event
		screen Screen
		check  func(t *testing.T, s State, fx []Effect)
	}{
		{"touch starts", taps("start"), ID, nil},
		{"unknown tap on attract does nothing", taps("matter:social-card"), Attract, nil},
		{"card on attract starts and greets", []Event{CardPresent{}, CardRead{citizen}}, ID, func(t *testing.T, s State, fx []Effect) {
			if s.Holder == nil || s.Holder.Name != citizen.Name {
				t.Fatalf("holder %+v", s.Holder)
			}
			if !reflect.DeepEqual(s.Actions(cfg)[:1], []string{"continue"}) {
				t.Fatalf("actions %v", s.Actions(cfg))
			}
		}},
		{"expired card explained on id screen", []Event{Tap{"start"}, CardPresent{}, CardFailed{"expired"}}, ID, func(t *testing.T, s State, fx []Effect) {
			if s.CardProblem != "expired" || s.Holder != nil || s.Actions(cfg)[0] != "retry" {
				t.Fatalf("problem %q holder %v actions %v", s.CardProblem, s.Holder, s.Actions(cfg))
			}
		}},
		{"no id continues to the catalog", taps("start", "no-id"), Matter, func(t *testing.T, s State, fx []Effect) {
			if !s.NoID || s.Category != "social" {
				t.Fatalf("noid %v category %q", s.NoID, s.Category)
			}
		}},
		{"category tab", taps("start", "no-id", "category:business"), Matter, func(t *testing.T, s State, fx []Effect) {
			if !slices.Contains(s.Actions(cfg), "matter:invoice") || slices.Contains(s.Actions(cfg), "matter:social-card") {
				t.Fatalf("actions %v", s.Actions(cfg))
			}
		}},
		{"online matter asks 必问网办", taps("start", "no-id", "matter:social-card"), Online, nil},
		{"offline matter skips to questions", taps("start", "no-id", "matter:pension-cert"), Questions, nil},
		{"matter elsewhere", taps("start", "no-id", "category:household", "matter:passport"), Elsewhere, func(t *testing.T, s State, fx []Effect) {
			if _, ok := has[IssueTicket](fx); ok {
				t.Fatal("elsewhere must not issue a ticket")
			}
		}},
		{"online help calls a guide and stays", taps("start", "no-id", "matter:social-card", "online-help"), Online, func(t *testing.T, s State, fx []Effect) {
			g, ok := has[CallGuide](fx)
			if !ok || g.Reason != "online-help" || g.Matter != "social-card" || s.GuideMessage != "common.guide_lamp" {
				t.Fatalf("guide %+v banner %q", g, s.GuideMessage)
			}
		}},
		{"no questions issues a ticket", taps("start", "no-id", "matter:social-card", "take-ticket", "no-questions"), Printing, func(t *testing.T, s State, fx []Effect) {
			is, ok := has[IssueTicket](fx)
			if !ok || is.Matter != "social-card" || is.Green {
				t.Fatalf("issue %+v", is)
			}
			if _, ok := has[CallGuide](fx); ok {
				t.Fatal("no guide without questions")
			}
		}},
		{"have questions issues and calls a guide", taps("start", "no-id", "matter:pension-cert", "have-questions"), Printing, func(t *testing.T, s State, fx []Effect) {
			_, issued := has[IssueTicket](fx)
			g, called := has[CallGuide](fx)
			if !issued || !called || g.Reason != "have-questions" {
				t.Fatalf("issued %v guide %+v", issued, g)
			}
		}},
		{"green channel makes a priority ticket", taps("start", "no-id", "green-channel", "matter:pension-cert", "no-questions"), Printing, func(t *testing.T, s State, fx []Effect) {
			if is, _ := has[IssueTicket](fx); !is.Green {
				t.Fatal("not green")
			}
		}},
		{"green toggles off again on questions", taps("start", "no-id", "green-channel", "matter:pension-cert", "green-channel", "no-questions"), Printing, func(t *testing.T, s State, fx []Effect) {
			if is, _ := has[IssueTicket](fx); is.Green {
				t.Fatal("still green")
			}
		}},
		{"issued then printed shows done", append(taps("start", "no-id", "matter:pension-cert", "no-questions"),
			TicketIssued{Ticket{ID: 1, Number: "C001", Matter: "pension-cert"}}, Printed{1}), Done, func(t *testing.T, s State, fx []Effect) {
			p, ok := has[PrintTicket](fx)
			if !ok || p.Ticket.Number != "C001" || s.Ticket.Number != "C001" {
				t.Fatalf("print %+v", p)
			}
		}},
		{"print failure tells the number and calls a guide", append(taps("start", "no-id", "matter:pension-cert", "no-questions"),
			TicketIssued{Ticket{ID: 1, Number: "C001"}}, PrintFailed{ID: 1, Problem: "paper out"}), PrintProblem, func(t *testing.T, s State, fx []Effect) {
			if s.Ticket == nil || s.Ticket.Number != "C001" {
				t.Fatal("the citizen must be told the issued number")
			}
			if g, ok := has[CallGuide](fx); !ok || g.Reason != "print-problem" {
				t.Fatal("no guide called")
			}
			if l, ok := has[SetLamp](fx); !ok || l.Pattern != "fault" {
				t.Fatal("no fault lamp")
			}
		}},
		{"reprint after a paper change reaches the waiting citizen", append(taps("start", "no-id", "matter:pension-cert", "no-questions"),
			TicketIssued{Ticket{ID: 1, Number: "C001"}}, PrintFailed{ID: 1, Problem: "paper out"}, Printed{1}), Done, nil},
		{"someone else's reprint does not end this session", append(taps("start", "no-id", "matter:pension-cert", "no-questions"),
			TicketIssued{Ticket{ID: 2, Number: "C002"}}, PrintFailed{ID: 2, Problem: "paper out"}, Printed{1}), PrintProblem, nil},
		{"reader unplugged is explained and survives the session end", []Event{ReaderChanged{false}, Tap{"start"}, Tap{"cancel"}, Tap{"start"}}, ID, func(t *testing.T, s State, fx []Effect) {
			if !s.ReaderDown || s.Actions(cfg)[0] != "no-id" {
				t.Fatalf("reader down %v actions %v", s.ReaderDown, s.Actions(cfg))
			}
		}},
		{"issue failure", append(taps("start", "no-id", "matter:pension-cert", "no-questions"), IssueFailed{"disk full"}), PrintProblem, func(t *testing.T, s State, fx []Effect) {
			if s.Ticket != nil {
				t.Fatal("no ticket exists")
			}
		}},
		{"back from questions goes to online for online matters", taps("start", "no-id", "matter:social-card", "take-ticket", "back"), Online, nil},
		{"back from questions goes to catalog otherwise", taps("start", "no-id", "matter:pension-cert", "back"), Matter, nil},
		{"cancel from id ends the session", []Event{CardRead{citizen}, Tap{"cancel"}}, Attract, func(t *testing.T, s State, fx []Effect) {
			if s.Holder != nil {
				t.Fatal("holder kept")
			}
		}},
		{"cancel anywhere ends the session", append([]Event{CardRead{citizen}}, taps("continue", "matter:social-card", "cancel")...), Attract, func(t *testing.T, s State, fx []Effect) {
			if e, ok := has[EndSession](fx); !ok || e.Reason != "cancel" || s.Holder != nil {
				t.Fatal("not wiped")
			}
		}},
		{"lang switches and back", taps("start", "lang"), ID, func(t *testing.T, s State, fx []Effect) {
			if s.Lang != "en" {
				t.Fatalf("lang %q", s.Lang)
			}
		}},
		{"help button on attract", []Event{Button{"help"}}, Attract, func(t *testing.T, s State, fx []Effect) {
			if g, ok := has[CallGuide](fx); !ok || g.Reason != "help" || !s.GuideCalled {
				t.Fatal("help button ignored")
			}
		}},
		{"taps while printing are ignored", append(taps("start", "no-id", "matter:pension-cert", "no-questions"), Tap{"back"}, Tap{"no-questions"}), Printing, func(t *testing.T, s State, fx []Effect) {
			n := 0
			for _, f := range fx {
				if _, ok := f.(IssueTicket); ok {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d tickets", n)
			}
		}},
		{"paging", taps("start", "no-id"), Matter, func(t *testing.T, s State, fx []Effect) {
			small := *cfg
			small.PageSize = 2
			s2, _, _ := run(&small, s, Tap{"next"})
			ms, pages := s2.PageMatters(&small)
			if s2.Page != 1 || pages != 2 || len(ms) != 1 || ms[0].ID != "pension-cert" || !slices.Contains(s2.Actions(&small), "prev") || slices.Contains(s2.Actions(&small), "next") {
				t.Fatalf("page %d of %d: %v, actions %v", s2.Page, pages, ms, s2.Actions(&small))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, fx, _ := run(cfg, start, c.events...)
			if s.Screen != c.screen {
				t.Fatalf("screen %s, want %s", s.Screen, c.screen)
			}
			if c.check != nil {
				c.check(t, s, fx)
			}
		})
	}
}

func TestIdleTimeoutWarnsThenWipes(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), CardRead{citizen}, Tap{"continue"})
	if s.Holder == nil {
		t.Fatal("no holder")
	}
	dl := s.Deadline(cfg)
	if dl != now.Add(cfg.IdleTimeout) {
		t.Fatalf("deadline %v, want idle timeout after last input", dl.Sub(now))
	}
	s, _ = Step(cfg, s, Tick{}, dl.Add(-time.Millisecond))
	if s.Screen != Matter {
		t.Fatal("warned early")
	}
	s, _ = Step(cfg, s, Tick{}, dl)
	if s.Screen != TimeoutWarning || s.Holder == nil {
		t.Fatalf("screen %s", s.Screen)
	}
	resumed, _ := Step(cfg, s, Tap{"continue"}, dl.Add(time.Second))
	if resumed.Screen != Matter || resumed.Holder == nil {
		t.Fatalf("continue → %s", resumed.Screen)
	}
	s, fx := Step(cfg, s, Tick{}, s.Deadline(cfg))
	if s.Screen != Attract || s.Holder != nil {
		t.Fatalf("after countdown: %s holder %v", s.Screen, s.Holder)
	}
	if e, ok := has[EndSession](fx); !ok || e.Reason != "timeout" {
		t.Fatal("no EndSession")
	}
	if !s.Deadline(cfg).IsZero() {
		t.Fatal("attract must not ask for ticks")
	}
}

func TestDoneReturnsToAttract(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), append(taps("start", "no-id", "matter:pension-cert", "no-questions"),
		TicketIssued{Ticket{ID: 1, Number: "C001"}}, Printed{1})...)
	if s.Screen != Done || s.Deadline(cfg) != now.Add(cfg.DoneTime) {
		t.Fatalf("%s %v", s.Screen, s.Deadline(cfg).Sub(now))
	}
	s, _ = Step(cfg, s, Tick{}, now.Add(cfg.DoneTime))
	if s.Screen != Attract || s.Ticket != nil {
		t.Fatal("done did not return")
	}
}

// allEvents is every event the edges can send, for random walks.
func allEvents(cfg *Config) []Event {
	evs := []Event{Tick{}, CardPresent{}, CardRead{citizen}, CardFailed{"unreadable"}, CardRemoved{},
		Button{"help"}, TicketIssued{Ticket{ID: 3, Number: "A001"}}, Printed{3}, PrintFailed{ID: 3, Problem: "paper out"}, IssueFailed{"x"},
		CardFailed{"expired"}, GuideComing{}, GuideUnreachable{}, BusChanged{false}, BusChanged{true},
		PrinterChanged{false}, PrinterChanged{true}, ReaderChanged{false}, ReaderChanged{true}}
	ids := []string{"start", "no-id", "continue", "retry", "take-ticket", "online-help", "no-questions", "have-questions",
		"green-channel", "call-guide", "lang", "back", "cancel", "next", "prev", "bogus"}
	for _, c := range cfg.Hall.Categories {
		ids = append(ids, "category:"+c.ID)
	}
	for _, m := range cfg.Hall.Matters {
		ids = append(ids, "matter:"+m.ID)
	}
	for _, id := range ids {
		evs = append(evs, Tap{id})
	}
	return evs
}

// walk drives the flow with a random sequence and checks the invariants after
// every step; it returns a description of the first violation.
func walk(cfg *Config, seed uint64, steps int) error {
	r := rand.New(rand.NewPCG(seed, 1))
	evs := allEvents(cfg)
	s := New(cfg, t0)
	now := t0
	issued := 0
	var trace []string
	for i := 0; i < steps; i++ {
		e := evs[r.IntN(len(evs))]
		if _, ok := e.(Tick); ok {
			if dl := s.Deadline(cfg); !dl.IsZero() && r.IntN(2) == 0 {
				now = dl
			}
		}
		now = now.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
		var fx []Effect
		prev := s
		s, fx = Step(cfg, s, e, now)
		trace = append(trace, fmt.Sprintf("%T%v→%s", e, e, s.Screen))
		fail := func(format string, a ...any) error {
			return fmt.Errorf("seed %d step %d: %s\ntrace: %s", seed, i, fmt.Sprintf(format, a...), strings.Join(trace, " "))
		}
		for _, f := range fx {
			switch f := f.(type) {
			case IssueTicket:
				issued++
				if issued > 1 {
					return fail("two tickets in one session")
				}
			case EndSession:
				issued = 0
				if s.Holder != nil || s.Screen != Attract || s.Ticket != nil || s.Matter != "" || s.Green {
					return fail("personal or session data left after %s: %+v", f.Reason, s)
				}
			case PrintTicket:
				if !strings.Contains(fmt.Sprint(f), "A001") {
					return fail("print of unknown ticket")
				}
			case SetLamp:
				if !slices.Contains(LampPatterns[f.Lamp], f.Pattern) {
					return fail("lamp %s pattern %q is not in LampPatterns", f.Lamp, f.Pattern)
				}
			case Beep:
				if !slices.Contains(BeepPatterns, f.Pattern) {
					return fail("beep %q is not in BeepPatterns", f.Pattern)
				}
			}
		}
		if prev.Screen == TimeoutWarning && s.Screen == Attract && s.Holder != nil {
			return fail("timeout kept the holder")
		}
		if s.InSession() {
			acts := s.Actions(cfg)
			if s.Deadline(cfg).IsZero() {
				return fail("screen %s has no deadline", s.Screen)
			}
			if len(acts) == 0 {
				return fail("screen %s has no action", s.Screen)
			}
			if !slices.Contains(acts, "cancel") && !slices.Contains(acts, "call-guide") {
				return fail("screen %s offers no way out: %v", s.Screen, acts)
			}
		}
	}
	return nil
}

func TestRandomWalksKeepInvariants(t *testing.T) {
	cfg := config(t)
	for seed := uint64(0); seed < 300; seed++ {
		if err := walk(cfg, seed, 400); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzFlow(f *testing.F) {
	cfg := config(f)
	f.Add(uint64(1), 50)
	f.Fuzz(func(t *testing.T, seed uint64, steps int) {
		if err := walk(cfg, seed, steps%2000); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkStep(b *testing.B) {
	cfg := config(b)
	evs := taps("start", "no-id", "category:social", "matter:social-card", "take-ticket", "cancel")
	s := New(cfg, t0)
	for i := 0; b.Loop(); i++ {
		s, _ = Step(cfg, s, evs[i%len(evs)], t0)
	}
}

// On the bus, the kiosk says the desk has been told until a guide
// acknowledges; then, and only then, that a guide is coming. A standalone
// kiosk says its help light is on.
func TestGuideBannerSaysOnlyWhatIsTrue(t *testing.T) {
	cfg := config(t)
	cfg.OnBus = true
	s, _, now := run(cfg, New(cfg, t0), Tap{"start"}, Tap{"call-guide"})
	if s.GuideMessage != "common.guide_called" {
		t.Fatalf("after the call: banner %q, want common.guide_called", s.GuideMessage)
	}
	s, _ = Step(cfg, s, GuideComing{}, now)
	if s.GuideMessage != "common.guide_coming" || !s.GuideComing {
		t.Fatalf("after the ack: banner %q", s.GuideMessage)
	}
	s, _ = Step(cfg, s, Tap{"call-guide"}, now)
	if s.GuideMessage != "common.guide_coming" {
		t.Fatalf("calling again after the ack: banner %q, the guide is still coming", s.GuideMessage)
	}
	s, _ = Step(cfg, s, Tap{"cancel"}, now)
	if s.GuideComing || s.GuideCalled {
		t.Fatal("a new session remembers the last one's guide")
	}
	// An ack for no call (a stale one) says nothing.
	s, _ = Step(cfg, s, GuideComing{}, now)
	if s.GuideMessage != "" {
		t.Fatalf("ack without a call: banner %q", s.GuideMessage)
	}
	// The desk could not be told.
	s, _, now = run(cfg, s, Tap{"start"}, Tap{"call-guide"}, GuideUnreachable{})
	if s.GuideMessage != "common.guide_unreachable" {
		t.Fatalf("unreachable desk: banner %q", s.GuideMessage)
	}

	alone := config(t)
	s, _, _ = run(alone, New(alone, t0), Tap{"start"}, Button{"help"})
	if s.GuideMessage != "common.guide_lamp" {
		t.Fatalf("standalone kiosk: banner %q, want common.guide_lamp", s.GuideMessage)
	}
}

func TestOfflineStateSurvivesTheSession(t *testing.T) {
	cfg := config(t)
	cfg.OnBus = true
	s, _, now := run(cfg, New(cfg, t0), BusChanged{Online: false}, Tap{"start"}, Tap{"cancel"})
	if !s.Offline || s.Screen != Attract {
		t.Fatalf("after a session while offline: offline %v on %s", s.Offline, s.Screen)
	}
	s, _ = Step(cfg, s, BusChanged{Online: true}, now)
	if s.Offline {
		t.Fatal("still offline after the bus came back")
	}
}

// The printer's state lasts across sessions; a print result answers only
// for its own ticket.
func TestPrinterStateAndResultsByTicketID(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), PrinterChanged{Working: false}, Tap{"start"}, Tap{"cancel"})
	if !s.PrinterDown || s.Screen != Attract {
		t.Fatalf("printer down lost after a session: %v on %s", s.PrinterDown, s.Screen)
	}
	s, _, now = run(cfg, s, taps("start", "no-id", "matter:pension-cert", "no-questions")...)
	s, _ = Step(cfg, s, TicketIssued{Ticket{ID: 7, Number: "C007"}}, now)
	s, _ = Step(cfg, s, PrintFailed{ID: 6, Problem: "paper out"}, now)
	if s.Screen != Printing {
		t.Fatalf("another ticket's failure moved this session to %s", s.Screen)
	}
	s, _ = Step(cfg, s, Printed{ID: 6}, now)
	if s.Screen != Printing {
		t.Fatalf("another ticket's print finished this session (%s)", s.Screen)
	}
	s, _ = Step(cfg, s, Printed{ID: 7}, now)
	if s.Screen != Done {
		t.Fatalf("own print: %s, want done", s.Screen)
	}
}

// A refused card offers to try again as well as to go on without it; the
// title changes once a card is read; the ID screen offers cancel, not a back
// that would do the same.
func TestIDScreenChoices(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), CardPresent{}, CardFailed{"expired"})
	if a := s.Actions(cfg); !slices.Contains(a, "retry") || !slices.Contains(a, "no-id") || slices.Contains(a, "back") {
		t.Fatalf("refused card: actions %v, want retry and no-id, no back", a)
	}
	s, _ = Step(cfg, s, Tap{"retry"}, now)
	if s.CardProblem != "" || s.Screen != ID {
		t.Fatalf("after retry: problem %q on %s", s.CardProblem, s.Screen)
	}
	cfg.Languages = []string{"zh-CN"}
	if a := New(cfg, t0).Actions(cfg); slices.Contains(a, "lang") {
		t.Fatalf("one configured language, yet a language button: %v", a)
	}
}

// A card left on the reader is read when the next session starts.
func TestCardOnReaderIsReadAtStart(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), CardPresent{}, CardRead{citizen}, Tap{"cancel"})
	if !s.CardOnReader || s.Holder != nil {
		t.Fatalf("after cancel: card on reader %v, holder %v", s.CardOnReader, s.Holder)
	}
	s, fx := Step(cfg, s, Tap{"start"}, now)
	if _, ok := has[ReadCard](fx); !ok || !s.Reading {
		t.Fatalf("start with a card on the reader: effects %v, reading %v", fx, s.Reading)
	}
}

// Choosing a counter ticket after asking for online help keeps the guide
// called but drops "to help you online".
func TestBannerFollowsTheChoice(t *testing.T) {
	cfg := config(t)
	cfg.OnBus = true
	s, _, _ := run(cfg, New(cfg, t0), taps("start", "no-id", "matter:social-card", "online-help", "take-ticket")...)
	if s.GuideMessage != "common.guide_called" || !s.GuideCalled {
		t.Fatalf("after take-ticket: banner %q", s.GuideMessage)
	}
}

// A matter handled elsewhere offers a slip with the address and materials.
func TestElsewhereSlip(t *testing.T) {
	cfg := config(t)
	s, _, now := run(cfg, New(cfg, t0), taps("start", "no-id", "category:household", "matter:passport")...)
	if s.Screen != Elsewhere || !slices.Contains(s.Actions(cfg), "print-slip") {
		t.Fatalf("on %s with %v", s.Screen, s.Actions(cfg))
	}
	s, fx := Step(cfg, s, Tap{"print-slip"}, now)
	if p, ok := has[PrintSlip](fx); !ok || p.Matter != "passport" || slices.Contains(s.Actions(cfg), "print-slip") {
		t.Fatalf("print-slip: effects %v, actions %v", fx, s.Actions(cfg))
	}
	s, _ = Step(cfg, s, SlipFailed{}, now)
	if s.Slip != "failed" || !slices.Contains(s.Actions(cfg), "print-slip") {
		t.Fatalf("after a failed slip: %q, actions %v (want to offer it again)", s.Slip, s.Actions(cfg))
	}
}
