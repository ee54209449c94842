package queue

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"onetrip/firmware/hall"
)

// State is where a ticket is in the hall.
type State string

const (
	Waiting State = "waiting" // issued, not yet called
	AtCall  State = "called"  // called to a window, citizen on the way
	Serving State = "serving" // at the window
	Served  State = "served"  // service done
	Missed  State = "missed"  // called, nobody came (过号)
)

// Ticket is a ticket as the hall knows it. It carries no personal data.
type Ticket struct {
	Number  string    `json:"number"`
	Matter  string    `json:"matter"`
	Day     string    `json:"day"`
	Prefix  string    `json:"prefix"`
	Seq     int       `json:"seq"`
	Green   bool      `json:"green"`
	Token   string    `json:"-"`
	Kiosk   string    `json:"kiosk"`
	Offline bool      `json:"offline"`
	Issued  time.Time `json:"issued"`
	State   State     `json:"state"`
	Window  int       `json:"window,omitempty"`
	Called  time.Time `json:"called,omitzero"` // the first call
	Calls   int       `json:"calls,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Done    time.Time `json:"done,omitzero"`
	Rating  int       `json:"rating,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// Call is one call to a window, as the display shows it.
type Call struct {
	Number string    `json:"number"`
	Matter string    `json:"matter"`
	Window int       `json:"window"`
	At     time.Time `json:"at"`
	Recall bool      `json:"recall,omitempty"`
}

// Help is one help request from a kiosk.
type Help struct {
	ID      string    `json:"id"`
	Kiosk   string    `json:"kiosk"`
	Reason  string    `json:"reason"`
	Matter  string    `json:"matter,omitempty"`
	At      time.Time `json:"at"`
	Guide   string    `json:"guide,omitempty"` // set once a guide acknowledged
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Counter is a window someone is signed in to.
type Counter struct {
	Window   int       `json:"window"`
	Terminal string    `json:"terminal"`
	Matters  []string  `json:"matters"`
	Since    time.Time `json:"since"`
}

// Estimate is a waiting time. Known is false when no counter serves the
// matter now: then nobody can say, and the screens say "请留意叫号".
type Estimate struct {
	Minutes int  `json:"minutes"`
	Known   bool `json:"known"`
}

// ErrConflict is an event that contradicts the queue: a ticket called twice,
// a number issued twice. The sender gets it as a refusal.
var ErrConflict = errors.New("conflict")

// ErrUnknown is an event about a ticket or request the view has not seen.
var ErrUnknown = errors.New("unknown")

// RecentCalls is how many calls a view keeps for the display.
const RecentCalls = 12

// smoothing is the weight of each new handling time in the moving average.
const smoothing = 0.2

// View is the queue of one service day, folded from the hall's events in
// stream order. It is not safe for concurrent use: one goroutine owns it.
type View struct {
	hall     *hall.Hall
	day      string
	tickets  map[string]*Ticket
	waiting  map[string][]*Ticket // per matter, in call order
	calls    []Call               // newest first
	counters map[int]Counter
	handling map[string]float64 // matter → smoothed minutes at the window
	helps    map[string]*Help
	claimed  map[string]int // prefix → highest seq issued online today
	leases   []Event
	offline  []Event
}

// NewView returns an empty view of h's queue; the configured average
// handling times are the prior of the estimates.
func NewView(h *hall.Hall) *View {
	v := &View{hall: h, counters: map[int]Counter{}, handling: map[string]float64{}}
	for _, m := range h.Matters {
		v.handling[m.ID] = m.AvgMinutes
	}
	v.newDay("")
	return v
}

func (v *View) newDay(day string) {
	v.day = day
	v.tickets = map[string]*Ticket{}
	v.waiting = map[string][]*Ticket{}
	v.calls = nil
	v.helps = map[string]*Help{}
	v.claimed = map[string]int{}
	v.leases, v.offline = nil, nil
}

// Hall returns the hall the view was made for.
func (v *View) Hall() *hall.Hall { return v.hall }

// Day is the service day the view shows ("" before the first event).
func (v *View) Day() string { return v.day }

// Apply folds one event into the view. An event that contradicts the queue
// returns an error wrapping ErrConflict, ErrUnknown or ErrMalformed and
// leaves the view as it was. Events of an earlier day are ignored; the
// first event of a later day starts a new, empty day (counters stay signed in).
func (v *View) Apply(e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Day != "" {
		switch {
		case v.day != "" && e.Day < v.day:
			return nil
		case e.Day > v.day:
			v.newDay(e.Day)
		}
	}
	switch e.Kind {
	case Issued:
		return v.issued(e)
	case Leased:
		v.leases = append(v.leases, e)
		return nil
	case HelpAsked:
		if _, dup := v.helps[e.Help]; dup {
			return fmt.Errorf("%w: help request %s already asked", ErrConflict, e.Help)
		}
		v.helps[e.Help] = &Help{ID: e.Help, Kiosk: e.Kiosk, Reason: e.Reason, Matter: e.Matter, At: e.At}
		return nil
	case HelpAcked:
		h, ok := v.helps[e.Help]
		switch {
		case !ok:
			return fmt.Errorf("%w: help request %s", ErrUnknown, e.Help)
		case h.Guide != "":
			return fmt.Errorf("%w: help request %s already acknowledged by %s", ErrConflict, e.Help, h.Guide)
		}
		h.Guide, h.AckedAt = e.Terminal, e.At
		return nil
	case SignedIn:
		v.counters[e.Window] = Counter{Window: e.Window, Terminal: e.Terminal, Matters: slices.Clone(e.Matters), Since: e.At}
		return nil
	case SignedOut:
		if c, ok := v.counters[e.Window]; ok && c.Terminal == e.Terminal {
			delete(v.counters, e.Window)
		}
		return nil
	case Offline:
		v.offline = append(v.offline, e)
		return nil
	}
	return v.ticketEvent(e)
}

func (v *View) claim(prefix string, seq int) {
	v.claimed[prefix] = max(v.claimed[prefix], seq)
}

func (v *View) issued(e Event) error {
	if t, dup := v.tickets[e.Number]; dup {
		if t.Token == e.Token {
			return nil // the same ticket again (an offline resync retried)
		}
		return fmt.Errorf("%w: ticket %s issued twice (by %s and %s)", ErrConflict, e.Number, t.Kiosk, e.Kiosk)
	}
	if _, ok := v.hall.Matter(e.Matter); !ok {
		return fmt.Errorf("%w: ticket %s: matter %q is not in hall %s version %s", ErrUnknown, e.Number, e.Matter, v.hall.ID, v.hall.Version)
	}
	t := &Ticket{
		Number: e.Number, Matter: e.Matter, Day: e.Day, Prefix: e.Prefix, Seq: e.Seq, Green: e.Green,
		Token: e.Token, Kiosk: e.Kiosk, Offline: e.Offline, Issued: e.At, State: Waiting,
	}
	v.tickets[t.Number] = t
	if !t.Offline {
		v.claim(t.Prefix, t.Seq)
	}
	v.enqueue(t)
	return nil
}

// before is the call order: the green channel first, then by issue time,
// then by number.
func before(a, b *Ticket) bool {
	if a.Green != b.Green {
		return a.Green
	}
	if !a.Issued.Equal(b.Issued) {
		return a.Issued.Before(b.Issued)
	}
	return a.Seq < b.Seq
}

func (v *View) enqueue(t *Ticket) {
	q := v.waiting[t.Matter]
	i, _ := slices.BinarySearchFunc(q, t, func(x, t *Ticket) int {
		if before(x, t) {
			return -1
		}
		return 1
	})
	v.waiting[t.Matter] = slices.Insert(q, i, t)
}

func (v *View) dequeue(t *Ticket) {
	v.waiting[t.Matter] = slices.DeleteFunc(v.waiting[t.Matter], func(x *Ticket) bool { return x == t })
}

func (v *View) ticketEvent(e Event) error {
	t, ok := v.tickets[e.Number]
	if !ok {
		return fmt.Errorf("%w: ticket %s on %s", ErrUnknown, e.Number, e.Day)
	}
	refuse := func(what string) error {
		where := ""
		if t.Window > 0 {
			where = fmt.Sprintf(" at window %d", t.Window)
		}
		return fmt.Errorf("%w: ticket %s cannot be %s: it is %s%s", ErrConflict, t.Number, what, t.State, where)
	}
	switch e.Kind {
	case Called:
		if t.State != Waiting {
			return refuse("called")
		}
		v.dequeue(t)
		t.State, t.Window, t.Called, t.Calls = AtCall, e.Window, e.At, 1
		v.called(Call{Number: t.Number, Matter: t.Matter, Window: e.Window, At: e.At})
	case Recalled:
		if t.State != AtCall && t.State != Missed || t.Window != e.Window {
			return refuse(fmt.Sprintf("recalled by window %d", e.Window))
		}
		t.State = AtCall
		t.Calls++
		v.called(Call{Number: t.Number, Matter: t.Matter, Window: e.Window, At: e.At, Recall: true})
	case NoShow:
		if t.State != AtCall || t.Window != e.Window {
			return refuse(fmt.Sprintf("marked missing by window %d", e.Window))
		}
		t.State = Missed
	case Started:
		if t.State != AtCall || t.Window != e.Window {
			return refuse(fmt.Sprintf("started at window %d", e.Window))
		}
		t.State, t.Started = Serving, e.At
	case Finished:
		if t.State != Serving || t.Window != e.Window {
			return refuse(fmt.Sprintf("finished at window %d", e.Window))
		}
		t.State, t.Done = Served, e.At
		mins := e.At.Sub(t.Started).Minutes()
		v.handling[t.Matter] = smoothing*mins + (1-smoothing)*v.handling[t.Matter]
	case Rated:
		if t.State != Served || t.Rating != 0 {
			return refuse("rated")
		}
		t.Rating, t.Reason = e.Rating, e.Reason
	case Priority:
		if t.State != Waiting {
			return refuse("given the green channel")
		}
		if !t.Green {
			v.dequeue(t)
			t.Green = true
			v.enqueue(t)
		}
	}
	return nil
}

func (v *View) called(c Call) {
	v.calls = slices.Insert(v.calls, 0, c)
	if len(v.calls) > RecentCalls {
		v.calls = v.calls[:RecentCalls]
	}
}

// Ticket returns the ticket with number today.
func (v *View) Ticket(number string) (Ticket, bool) {
	t, ok := v.tickets[number]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// ByToken finds today's ticket whose phone token is token.
func (v *View) ByToken(token string) (Ticket, bool) {
	for _, t := range v.tickets {
		if t.Token == token {
			return *t, true
		}
	}
	return Ticket{}, false
}

// Tickets returns every ticket of the day in issue order.
func (v *View) Tickets() []Ticket {
	out := make([]Ticket, 0, len(v.tickets))
	for _, t := range v.tickets {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Ticket) int { return a.Issued.Compare(b.Issued) })
	return out
}

// Ahead counts the tickets of the same matter still waiting before number
// in call order; a ticket that is no longer waiting has nobody ahead.
func (v *View) Ahead(number string) int {
	t, ok := v.tickets[number]
	if !ok || t.State != Waiting {
		return 0
	}
	return slices.Index(v.waiting[t.Matter], t)
}

// AheadOfNew is how many people a new ticket of matter would have ahead.
func (v *View) AheadOfNew(matter string, green bool) int {
	n := 0
	for _, t := range v.waiting[matter] {
		if t.Green || !green {
			n++
		}
	}
	return n
}

// WaitingFor counts the tickets of matter not yet called.
func (v *View) WaitingFor(matter string) int { return len(v.waiting[matter]) }

// Serving counts the windows signed in now that serve matter.
func (v *View) Serving(matter string) int {
	n := 0
	for _, c := range v.counters {
		if slices.Contains(c.Matters, matter) {
			n++
		}
	}
	return n
}

// HandlingMinutes is the smoothed time at the window for matter: the
// configured average until services are observed.
func (v *View) HandlingMinutes(matter string) float64 { return v.handling[matter] }

// WaitFor estimates the wait with ahead people before it: the smoothed
// handling time × people ahead ÷ the windows serving the matter now.
func (v *View) WaitFor(matter string, ahead int) Estimate {
	n := v.Serving(matter)
	if n == 0 {
		return Estimate{}
	}
	m := v.handling[matter] * float64(ahead) / float64(n)
	return Estimate{Minutes: int(math.Ceil(m - 1e-9)), Known: true}
}

// Wait estimates the wait of ticket number.
func (v *View) Wait(number string) Estimate {
	t, ok := v.tickets[number]
	if !ok || t.State != Waiting {
		return Estimate{Known: ok}
	}
	return v.WaitFor(t.Matter, v.Ahead(number))
}

// Next returns the ticket a window serving matters calls next: the first
// waiting ticket of those matters in call order.
func (v *View) Next(matters []string) (Ticket, bool) {
	var best *Ticket
	for _, m := range matters {
		if q := v.waiting[m]; len(q) > 0 && (best == nil || before(q[0], best)) {
			best = q[0]
		}
	}
	if best == nil {
		return Ticket{}, false
	}
	return *best, true
}

// AtWindow returns the ticket called to or served at window, if any.
func (v *View) AtWindow(window int) (Ticket, bool) {
	var found *Ticket
	for _, t := range v.tickets {
		if t.Window == window && (t.State == AtCall || t.State == Serving) && (found == nil || t.Called.After(found.Called)) {
			found = t
		}
	}
	if found == nil {
		return Ticket{}, false
	}
	return *found, true
}

// Unrated returns the newest ticket served at window and not yet rated.
func (v *View) Unrated(window int) (Ticket, bool) {
	var found *Ticket
	for _, t := range v.tickets {
		if t.Window == window && t.State == Served && t.Rating == 0 && (found == nil || t.Done.After(found.Done)) {
			found = t
		}
	}
	if found == nil {
		return Ticket{}, false
	}
	return *found, true
}

// Calls returns the latest calls, newest first.
func (v *View) Calls() []Call { return slices.Clone(v.calls) }

// Missing returns the tickets called but not come (过号), latest call first.
func (v *View) Missing() []Ticket {
	var out []Ticket
	for _, t := range v.tickets {
		if t.State == Missed {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b Ticket) int { return b.Called.Compare(a.Called) })
	return out
}

// Helps returns the day's help requests, open ones first, newest first.
func (v *View) Helps() []Help {
	out := make([]Help, 0, len(v.helps))
	for _, h := range v.helps {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b Help) int {
		if (a.Guide == "") != (b.Guide == "") {
			if a.Guide == "" {
				return -1
			}
			return 1
		}
		return b.At.Compare(a.At)
	})
	return out
}

// HelpRequest returns one help request.
func (v *View) HelpRequest(id string) (Help, bool) {
	h, ok := v.helps[id]
	if !ok {
		return Help{}, false
	}
	return *h, true
}

// Counters returns the signed-in windows by number.
func (v *View) Counters() []Counter {
	out := make([]Counter, 0, len(v.counters))
	for _, c := range v.counters {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Counter) int { return a.Window - b.Window })
	return out
}

// Claimed is the highest number of prefix issued online today.
func (v *View) Claimed(prefix string) int { return v.claimed[prefix] }

// Leases returns the day's leased number blocks.
func (v *View) Leases() []Event { return slices.Clone(v.leases) }

// OfflinePeriods returns the periods kiosks reported issuing without the bus.
func (v *View) OfflinePeriods() []Event { return slices.Clone(v.offline) }

// ServiceDay is the day a ticket issued at now belongs to: before the reset
// hour it is still the previous day.
func ServiceDay(now time.Time, resetHour int) string {
	return now.Add(-time.Duration(resetHour) * time.Hour).Format(time.DateOnly)
}

// DayStart is when the service day of now began.
func DayStart(now time.Time, resetHour int) time.Time {
	d := now.Add(-time.Duration(resetHour) * time.Hour)
	y, m, day := d.Date()
	return time.Date(y, m, day, resetHour, 0, 0, 0, now.Location())
}

// SetHall switches the view to a new version of the hall configuration;
// matters it did not know start from their configured average.
func (v *View) SetHall(h *hall.Hall) {
	v.hall = h
	for _, m := range h.Matters {
		if _, ok := v.handling[m.ID]; !ok {
			v.handling[m.ID] = m.AvgMinutes
		}
	}
}
