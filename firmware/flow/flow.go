// Package flow is the kiosk's ticket flow (三必问) as a pure state machine:
// Step(state, event, now) returns the next state and the effects the edges
// must carry out. It does no I/O and reads no clock, so it can be replayed,
// fuzzed and tested in microseconds.
package flow

import (
	"strings"
	"time"

	"onetrip/firmware/hall"
)

// Screen names are the ones the control API reports.
type Screen string

const (
	Attract        Screen = "attract"
	ID             Screen = "id"
	Matter         Screen = "matter"
	Online         Screen = "online"
	Questions      Screen = "questions"
	Printing       Screen = "printing"
	Done           Screen = "done"
	Elsewhere      Screen = "elsewhere"
	TimeoutWarning Screen = "timeout-warning"
	PrintProblem   Screen = "print-problem"
)

// Config is what the flow needs to know about the hall; it never changes
// during a run.
type Config struct {
	Hall        *hall.Hall
	Languages   []string      // first is the default
	IdleTimeout time.Duration // no input for this long → timeout warning
	WarningTime time.Duration // the warning counts down this long, then the session is wiped
	DoneTime    time.Duration // the done screen returns to attract after this long
	PrintTime   time.Duration // longest wait for issue+print before telling the citizen
	PageSize    int           // matters per page on the matter screen
	// Hall is true when the kiosk is on the hall bus: a guide call reaches
	// the guide desk, which acknowledges it. A standalone kiosk can only
	// light its help lamp.
	OnBus bool
}

// NewConfig returns the flow settings for a hall.
func NewConfig(h *hall.Hall) *Config {
	return &Config{
		Hall:        h,
		Languages:   h.Languages,
		IdleTimeout: h.IdleTimeout.Duration,
		WarningTime: 15 * time.Second,
		DoneTime:    20 * time.Second,
		PrintTime:   45 * time.Second,
		PageSize:    6,
	}
}

// Holder is the ID card holder of the current session. It lives only in
// memory, only until the session ends; screens show it masked.
type Holder struct {
	Name, Number string
}

// Ticket is what the flow knows of an issued ticket. What nobody can know
// is marked unknown: a standalone kiosk knows neither the people ahead nor
// the wait; a hall kiosk knows no wait while no counter serves the matter.
type Ticket struct {
	ID         int64 // the store's id
	Number     string
	Matter     string
	Green      bool
	Ahead      int
	AheadKnown bool
	WaitMin    int
	WaitKnown  bool
	Approx     bool   // estimated offline, from the last view of the queue
	Token      string // the phone page's key
	Issued     time.Time
}

// State is everything the kiosk shows and remembers about one session.
type State struct {
	Screen Screen
	Lang   string

	Holder       *Holder
	CardProblem  string // locale key under "id.", e.g. "expired"
	CardOnReader bool
	Reading      bool // a card is on the reader and being read
	ReaderDown   bool // the card reader is unplugged or not answering
	Offline      bool // on a hall bus that cannot be reached: issuing from leased numbers
	PrinterDown  bool // the printer is missing, out of paper or faulty: tickets show on screen
	NoID         bool

	Category string
	Page     int
	Matter   string
	Green    bool

	Slip string // the elsewhere slip: "", "printing", "printed" or "failed"

	GuideCalled  bool
	GuideMessage string // locale key of the banner
	GuideComing  bool   // a guide acknowledged the call
	Questions    bool

	Issuing bool    // an IssueTicket effect was emitted in this session
	Ticket  *Ticket // set once durable
	Problem string  // why printing failed (locale-free code, for logs and the guide)

	LastInput time.Time
	Until     time.Time // deadline of the warning, done, printing or problem screen
	Back      Screen    // where "continue" on the timeout warning returns to
}

// New returns the attract state.
func New(cfg *Config, now time.Time) State {
	return State{Screen: Attract, Lang: cfg.Languages[0], LastInput: now}
}

// InSession reports whether a citizen is being served (anything but attract).
func (s State) InSession() bool { return s.Screen != Attract }

// Deadline is when the flow next needs a Tick; zero means never.
func (s State) Deadline(cfg *Config) time.Time {
	switch s.Screen {
	case Attract:
		return time.Time{}
	case TimeoutWarning, Done, Printing, PrintProblem:
		return s.Until
	}
	return s.LastInput.Add(cfg.IdleTimeout)
}

// Actions returns the widget ids the citizen can use on the current screen,
// in display order. Screens draw exactly these; taps on anything else are
// ignored.
func (s State) Actions(cfg *Config) []string {
	common := []string{"call-guide"}
	if len(cfg.Languages) > 1 {
		common = append(common, "lang")
	}
	nav := []string{"back", "cancel"}
	switch s.Screen {
	case Attract:
		return append([]string{"start"}, common...)
	case ID:
		// Back from here would be the start again, which is what cancel
		// does: only cancel is offered.
		a := []string{"no-id"}
		switch {
		case s.Holder != nil:
			a = []string{"continue"}
		case s.CardProblem != "":
			a = []string{"retry", "no-id"}
		}
		return append(append(a, "cancel"), common...)
	case Matter:
		a := []string{}
		for _, c := range cfg.Hall.Categories {
			a = append(a, "category:"+c.ID)
		}
		ms := s.pageMatters(cfg)
		for _, m := range ms {
			a = append(a, "matter:"+m.ID)
		}
		if s.Page > 0 {
			a = append(a, "prev")
		}
		if (s.Page+1)*cfg.PageSize < len(cfg.Hall.MattersIn(s.Category)) {
			a = append(a, "next")
		}
		a = append(a, "green-channel")
		return append(append(a, nav...), common...)
	case Online:
		return append(append([]string{"take-ticket", "online-help"}, nav...), common...)
	case Questions:
		return append(append([]string{"no-questions", "have-questions", "green-channel"}, nav...), common...)
	case Printing:
		return []string{"call-guide"}
	case Done, PrintProblem:
		return append([]string{"cancel"}, common...)
	case Elsewhere:
		a := []string{}
		if s.Slip != "printing" && s.Slip != "printed" {
			a = append(a, "print-slip")
		}
		return append(append(a, nav...), common...)
	case TimeoutWarning:
		return []string{"continue", "cancel"}
	}
	return nil
}

func (s State) pageMatters(cfg *Config) []hall.Matter {
	all := cfg.Hall.MattersIn(s.Category)
	lo := min(s.Page*cfg.PageSize, len(all))
	hi := min(lo+cfg.PageSize, len(all))
	return all[lo:hi]
}

// PageMatters returns the matters shown on the current page and the page count.
func (s State) PageMatters(cfg *Config) ([]hall.Matter, int) {
	n := len(cfg.Hall.MattersIn(s.Category))
	return s.pageMatters(cfg), max(1, (n+cfg.PageSize-1)/cfg.PageSize)
}

// Event is something that happened at an edge: a touch, a card, a button,
// the passing of time, or the result of an effect.
type Event interface{ event() }

type (
	// Tap is a touch on the widget with this id.
	Tap struct{ ID string }
	// CardPresent means a card was put on the reader and is being read.
	CardPresent struct{}
	// CardRead carries the holder read from the card.
	CardRead struct{ Holder Holder }
	// CardFailed means the card could not be used; Problem is a locale key under "id."
	CardFailed struct{ Problem string }
	// CardRemoved means the card left the reader.
	CardRemoved struct{}
	// ReaderChanged reports the card reader going away or coming back.
	ReaderChanged struct{ Available bool }
	// Button is a physical button; "help" calls a guide.
	Button struct{ Name string }
	// Tick means time has passed (the loop sends one at Deadline).
	Tick struct{}
	// TicketIssued means the ticket is durable in the store.
	TicketIssued struct{ Ticket Ticket }
	// IssueFailed means no ticket could be issued.
	IssueFailed struct{ Reason string }
	// Printed means the printer accepted the ticket.
	Printed struct{ ID int64 }
	// PrintFailed means the ticket could not be printed; it stays issued.
	PrintFailed struct {
		ID      int64
		Problem string
	}
	// PrinterChanged reports what the printer said when asked at start-up,
	// on the attract screen and while it is being watched after a fault.
	PrinterChanged struct{ Working bool }
	// SlipPrinted and SlipFailed report the elsewhere slip.
	SlipPrinted struct{}
	SlipFailed  struct{}
	// GuideComing means a guide acknowledged this kiosk's call.
	GuideComing struct{}
	// GuideUnreachable means the call could not reach the guide desk.
	GuideUnreachable struct{}
	// BusChanged reports the hall bus going away or coming back.
	BusChanged struct{ Online bool }
)

func (Tap) event()              {}
func (CardPresent) event()      {}
func (CardRead) event()         {}
func (CardFailed) event()       {}
func (CardRemoved) event()      {}
func (ReaderChanged) event()    {}
func (Button) event()           {}
func (Tick) event()             {}
func (TicketIssued) event()     {}
func (IssueFailed) event()      {}
func (Printed) event()          {}
func (PrintFailed) event()      {}
func (PrinterChanged) event()   {}
func (SlipPrinted) event()      {}
func (SlipFailed) event()       {}
func (GuideComing) event()      {}
func (GuideUnreachable) event() {}
func (BusChanged) event()       {}

// Effect is work for the edges.
type Effect interface{ effect() }

type (
	// IssueTicket asks the store for a durable ticket.
	IssueTicket struct {
		Matter string
		Green  bool
		Lang   string
	}
	// PrintTicket sends an issued ticket to the printer.
	PrintTicket struct {
		Ticket Ticket
		Lang   string
	}
	// CallGuide tells the guide desk someone needs help at this kiosk.
	CallGuide struct {
		Reason string
		Screen Screen
		Matter string
	}
	// SetLamp sets a lamp pattern ("ready", "attention", "fault", "off").
	SetLamp struct{ Lamp, Pattern string }
	// Beep sounds the buzzer.
	Beep struct{ Pattern string }
	// EndSession means the session is over and everything personal is gone.
	EndSession struct{ Reason string }
	// ReadCard asks the reader to read the card lying on it again.
	ReadCard struct{}
	// PrintSlip prints where a matter handled elsewhere is done.
	PrintSlip struct{ Matter, Lang string }
)

// The lamp and buzzer patterns the flow may ask for: the kiosk checks at
// start-up that its devices know every one (a test walks the flow to keep
// these lists complete).
var (
	LampPatterns = map[string][]string{"status": {"ready", "attention", "fault"}, "help": {"attention", "off"}}
	BeepPatterns = []string{"click", "ok", "error", "attention"}
)

func (IssueTicket) effect() {}
func (PrintTicket) effect() {}
func (CallGuide) effect()   {}
func (SetLamp) effect()     {}
func (Beep) effect()        {}
func (EndSession) effect()  {}
func (ReadCard) effect()    {}
func (PrintSlip) effect()   {}

// Step applies one event. It never mutates its input.
func Step(cfg *Config, s State, ev Event, now time.Time) (State, []Effect) {
	switch e := ev.(type) {
	case Tick:
		return tick(cfg, s, now)
	case Tap:
		if !contains(s.Actions(cfg), e.ID) {
			if s.Screen == Attract {
				return s, nil
			}
			s.LastInput = now
			return s, nil
		}
		s.LastInput = now
		return tap(cfg, s, e.ID, now)
	case Button:
		if e.Name == "help" {
			s = resume(s)
			s.LastInput = now
			return callGuide(cfg, s, "help", "common.guide_called")
		}
		return s, nil
	case CardPresent:
		s = resume(s)
		s.CardOnReader = true
		if s.Screen == Attract {
			s = start(s, now)
		}
		if s.Holder == nil {
			s.Reading = true
			s.CardProblem = ""
		}
		s.LastInput = now
		return s, nil
	case CardRead:
		s = resume(s)
		s.CardOnReader, s.Reading = true, false
		if s.Screen == Attract {
			s = start(s, now)
		}
		s.LastInput = now
		if s.Issuing {
			return s, nil
		}
		h := e.Holder
		s.Holder, s.CardProblem, s.NoID = &h, "", false
		return s, []Effect{Beep{"ok"}}
	case CardFailed:
		s.Reading = false
		if s.Screen == Attract {
			s = start(s, now)
		}
		s.LastInput = now
		if s.Screen == ID {
			s.CardProblem = e.Problem
			return s, []Effect{Beep{"error"}}
		}
		return s, nil
	case CardRemoved:
		s.CardOnReader, s.Reading = false, false
		return s, nil
	case ReaderChanged:
		s.ReaderDown = !e.Available
		if s.ReaderDown {
			s.Reading = false
			return s, []Effect{SetLamp{Lamp: "status", Pattern: "attention"}}
		}
		return s, []Effect{SetLamp{Lamp: "status", Pattern: "ready"}}
	case TicketIssued:
		if s.Screen != Printing || s.Ticket != nil {
			return s, nil
		}
		t := e.Ticket
		s.Ticket = &t
		return s, []Effect{PrintTicket{Ticket: t, Lang: s.Lang}}
	case IssueFailed:
		if s.Screen != Printing {
			return s, nil
		}
		return problem(cfg, s, "issue: "+e.Reason, now)
	case Printed:
		// On the problem screen this is the reprint after the paper change:
		// the citizen still gets their ticket.
		if s.Screen != Printing && s.Screen != PrintProblem || s.Ticket == nil || s.Ticket.ID != e.ID {
			return s, nil
		}
		s.Screen, s.Until = Done, now.Add(cfg.DoneTime)
		return s, []Effect{Beep{"ok"}}
	case PrintFailed:
		if s.Screen != Printing || s.Ticket == nil || s.Ticket.ID != e.ID {
			return s, nil
		}
		return problem(cfg, s, e.Problem, now)
	case PrinterChanged:
		s.PrinterDown = !e.Working
		return s, nil
	case SlipPrinted, SlipFailed:
		if s.Screen == Elsewhere && s.Slip == "printing" {
			s.Slip = "printed"
			if _, failed := e.(SlipFailed); failed {
				s.Slip = "failed"
			}
		}
		return s, nil
	case GuideComing:
		if s.GuideCalled {
			s.GuideComing, s.GuideMessage = true, "common.guide_coming"
		}
		return s, nil
	case GuideUnreachable:
		if s.GuideCalled && !s.GuideComing {
			s.GuideMessage = "common.guide_unreachable"
		}
		return s, nil
	case BusChanged:
		s.Offline = !e.Online
		return s, nil
	}
	return s, nil
}

// calledBanner is what the kiosk says right after a guide is called: on the
// bus, that the desk has been told (a guide is coming only once one has
// acknowledged); standalone, that the help lamp is lit.
func calledBanner(cfg *Config, s State, told string) string {
	switch {
	case s.GuideComing:
		return "common.guide_coming"
	case !cfg.OnBus:
		return "common.guide_lamp"
	}
	return told
}

func tick(cfg *Config, s State, now time.Time) (State, []Effect) {
	dl := s.Deadline(cfg)
	if dl.IsZero() || now.Before(dl) {
		return s, nil
	}
	switch s.Screen {
	case TimeoutWarning:
		return end(cfg, s, "timeout", now)
	case Done, PrintProblem:
		return end(cfg, s, "finished", now)
	case Printing:
		return problem(cfg, s, "timeout: no answer from store or printer", now)
	}
	s.Back, s.Screen, s.Until = s.Screen, TimeoutWarning, now.Add(cfg.WarningTime)
	return s, []Effect{Beep{"attention"}}
}

func tap(cfg *Config, s State, id string, now time.Time) (State, []Effect) {
	switch id {
	case "call-guide":
		return callGuide(cfg, s, "call-guide", "common.guide_called")
	case "lang":
		s.Lang = nextLang(cfg.Languages, s.Lang)
		return s, nil
	case "cancel":
		return end(cfg, s, "cancel", now)
	case "back":
		return back(cfg, s, now)
	}
	switch s.Screen {
	case Attract:
		s = start(s, now)
		fx := []Effect{Beep{"click"}}
		if s.CardOnReader && s.Holder == nil {
			// A card left on the reader (the last citizen's, or this one's
			// put down first) is read for this session.
			s.Reading = true
			fx = append(fx, ReadCard{})
		}
		return s, fx
	case ID:
		if id == "retry" {
			// Put the card on again: the reader reads it as a new card.
			s.CardProblem = ""
			return s, nil
		}
		s.Screen = Matter
		s.NoID = id == "no-id"
		if s.Category == "" {
			s.Category = cfg.Hall.Categories[0].ID
		}
		return s, nil
	case Matter:
		switch {
		case strings.HasPrefix(id, "category:"):
			s.Category, s.Page = strings.TrimPrefix(id, "category:"), 0
		case id == "next":
			s.Page++
		case id == "prev":
			s.Page--
		case id == "green-channel":
			s.Green = !s.Green
		case strings.HasPrefix(id, "matter:"):
			m, _ := cfg.Hall.Matter(strings.TrimPrefix(id, "matter:"))
			s.Matter = m.ID
			s.Screen = afterMatter(m)
		}
		return s, nil
	case Elsewhere:
		if id == "print-slip" {
			s.Slip = "printing"
			return s, []Effect{PrintSlip{Matter: s.Matter, Lang: s.Lang}}
		}
		return s, nil
	case Online:
		if id == "take-ticket" {
			s.Screen = Questions
			if s.GuideMessage == "online.help_called" {
				// The guide is still coming, but no longer to help online.
				s.GuideMessage = calledBanner(cfg, s, "common.guide_called")
			}
			return s, nil
		}
		return callGuide(cfg, s, "online-help", "online.help_called")
	case Questions:
		if id == "green-channel" {
			s.Green = !s.Green
			return s, nil
		}
		s.Questions = id == "have-questions"
		return issue(cfg, s, now)
	case TimeoutWarning:
		return resume(s), nil
	}
	return s, nil
}

func afterMatter(m hall.Matter) Screen {
	switch {
	case !m.Here:
		return Elsewhere
	case m.Online:
		return Online
	}
	return Questions
}

func back(cfg *Config, s State, now time.Time) (State, []Effect) {
	switch s.Screen {
	case Matter:
		s.Screen = ID
	case Online, Elsewhere:
		s.Screen, s.Slip = Matter, ""
	case Questions:
		s.Screen = Matter
		if m, _ := cfg.Hall.Matter(s.Matter); m.Online {
			s.Screen = Online
		}
	}
	return s, nil
}

// resume leaves the timeout warning because the citizen did something.
func resume(s State) State {
	if s.Screen == TimeoutWarning {
		s.Screen, s.Until = s.Back, time.Time{}
	}
	return s
}

func start(s State, now time.Time) State {
	s.Screen, s.LastInput = ID, now
	return s
}

func issue(cfg *Config, s State, now time.Time) (State, []Effect) {
	if s.Issuing {
		return s, nil
	}
	s.Issuing, s.Screen, s.Until = true, Printing, now.Add(cfg.PrintTime)
	fx := []Effect{IssueTicket{Matter: s.Matter, Green: s.Green, Lang: s.Lang}}
	if s.Questions {
		s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, "common.guide_called")
		fx = append(fx, CallGuide{Reason: "have-questions", Screen: Questions, Matter: s.Matter})
	}
	return s, fx
}

func problem(cfg *Config, s State, why string, now time.Time) (State, []Effect) {
	s.Screen, s.Problem, s.Until = PrintProblem, why, now.Add(cfg.IdleTimeout)
	s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, "print_problem.guide")
	return s, []Effect{
		CallGuide{Reason: "print-problem", Screen: PrintProblem, Matter: s.Matter},
		SetLamp{Lamp: "status", Pattern: "fault"},
		Beep{"error"},
	}
}

func callGuide(cfg *Config, s State, reason, banner string) (State, []Effect) {
	fx := []Effect{CallGuide{Reason: reason, Screen: s.Screen, Matter: s.Matter}}
	if !s.GuideCalled {
		fx = append(fx, SetLamp{Lamp: "help", Pattern: "attention"})
	}
	s.GuideCalled, s.GuideMessage = true, calledBanner(cfg, s, banner)
	return s, fx
}

// end wipes the session: a fresh attract state keeps nothing of the citizen.
func end(cfg *Config, s State, reason string, now time.Time) (State, []Effect) {
	fx := []Effect{EndSession{Reason: reason}}
	if s.GuideCalled {
		fx = append(fx, SetLamp{Lamp: "help", Pattern: "off"})
	}
	if s.Screen == PrintProblem {
		fx = append(fx, SetLamp{Lamp: "status", Pattern: "ready"})
	}
	n := New(cfg, now)
	n.CardOnReader, n.ReaderDown, n.Offline, n.PrinterDown = s.CardOnReader, s.ReaderDown, s.Offline, s.PrinterDown
	return n, fx
}

func nextLang(langs []string, cur string) string {
	for i, l := range langs {
		if l == cur {
			return langs[(i+1)%len(langs)]
		}
	}
	return langs[0]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
