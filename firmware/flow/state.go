package flow

import (
	"time"

	"onetrip/firmware/hall"
	"onetrip/hal/idcard"
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
	// OnBus is true when the kiosk is on the hall bus: a guide call reaches
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

// MaskedName returns the name masked as the ID card's is (张*三); masking a
// masked name gives it back unchanged.
func (h Holder) MaskedName() string { return idcard.MaskName(h.Name) }

// MaskedNumber returns the ID number masked as the ID card's is
// (3301**********1234); masking a masked number gives it back unchanged.
func (h Holder) MaskedNumber() string { return idcard.MaskNumber(h.Number) }

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

	Service *Service // service mode; nil for citizens
}

// New returns the attract state.
func New(cfg *Config, now time.Time) State {
	return State{Screen: Attract, Lang: cfg.Languages[0], LastInput: now}
}

// InSession reports whether a citizen is being served (anything but attract).
func (s State) InSession() bool { return s.Screen != Attract }

// Deadline is when the flow next needs a Tick; zero means never.
func (s State) Deadline(cfg *Config) time.Time {
	if s.Service != nil {
		return s.serviceDeadline()
	}
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
	if s.Service != nil {
		return s.serviceActions(cfg)
	}
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

// PageMatters returns the matters shown on the current page and the page count.
func (s State) PageMatters(cfg *Config) ([]hall.Matter, int) {
	n := len(cfg.Hall.MattersIn(s.Category))
	return s.pageMatters(cfg), max(1, (n+cfg.PageSize-1)/cfg.PageSize)
}

// pageMatters is the current page of the category's matters.
func (s State) pageMatters(cfg *Config) []hall.Matter {
	all := cfg.Hall.MattersIn(s.Category)
	lo := min(s.Page*cfg.PageSize, len(all))
	hi := min(lo+cfg.PageSize, len(all))
	return all[lo:hi]
}
