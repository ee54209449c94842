// Package queue is the hall's shared ticket queue as a pure model. Every
// terminal of a hall folds the same ordered stream of events (issued, called,
// recalled, no-show, started, done, rated, priority; help requests; counter
// sign-ins; number leases) into a View, and answers from it: people ahead, the
// estimated wait, the next ticket for a counter, the last calls. The model does
// no I/O and reads no clock; firmware/bus carries the events.
package queue

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Kind names what happened.
type Kind string

// Ticket events.
const (
	Issued   Kind = "issued"   // a kiosk issued the ticket (online, or offline from a lease)
	Called   Kind = "called"   // a counter called it to its window
	Recalled Kind = "recalled" // the counter called it again
	NoShow   Kind = "no-show"  // called, nobody came (过号)
	Started  Kind = "started"  // service at the window began
	Finished Kind = "done"     // service ended
	Rated    Kind = "rated"    // the citizen rated the service (好差评)
	Priority Kind = "priority" // a guide granted the green channel
)

// Hall events that are not about one ticket.
const (
	Leased    Kind = "leased"     // a kiosk reserved a block of numbers for offline use
	HelpAsked Kind = "help"       // a kiosk asked the guide desk for help
	HelpAcked Kind = "help-ack"   // a guide is on the way
	SignedIn  Kind = "signed-in"  // a counter opened a window
	SignedOut Kind = "signed-out" // a counter closed it
	Offline   Kind = "offline"    // a kiosk reports a period it issued without the bus
)

// Rating levels of the 政务服务"好差评" scheme, best first.
const (
	VerySatisfied    = 1 + iota // 非常满意
	Satisfied                   // 满意
	FairlySatisfied             // 基本满意
	Dissatisfied                // 不满意
	VeryDissatisfied            // 非常不满意
)

// Help reasons a kiosk sends.
var HelpReasons = []string{"questions", "no-id", "online-help", "not-printed", "help"}

// LowReasons are the reasons a citizen picks from after one of the two lowest
// ratings.
var LowReasons = []string{"wait", "attitude", "materials", "not-done", "other"}

// Event is one entry of the hall's stream. Only the fields of its kind are
// set; personal data never is: a ticket is a number, a matter and times.
type Event struct {
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	Day  string    `json:"day,omitempty"` // service day, 2006-01-02

	// Ticket events.
	Number  string `json:"number,omitempty"` // A023
	Matter  string `json:"matter,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	Seq     int    `json:"seq,omitempty"`
	Green   bool   `json:"green,omitempty"`
	Token   string `json:"token,omitempty"` // issued: the phone page's unguessable key
	Kiosk   string `json:"kiosk,omitempty"` // issued, leased, help, offline: the kiosk's terminal id
	Offline bool   `json:"offline,omitempty"`
	Window  int    `json:"window,omitempty"` // called … done; signed-in/out
	Rating  int    `json:"rating,omitempty"` // rated: 1 (非常满意) … 5 (非常不满意)
	Reason  string `json:"reason,omitempty"` // rated: low-rating reason; help: why

	// Hall events.
	Count    int       `json:"count,omitempty"`    // leased: numbers Seq … Seq+Count-1
	Help     string    `json:"help,omitempty"`     // help, help-ack: the request's id
	Terminal string    `json:"terminal,omitempty"` // help-ack: the guide; signed-in/out: the counter
	Matters  []string  `json:"matters,omitempty"`  // signed-in: what the window serves
	Until    time.Time `json:"until,omitempty"`    // offline: the period's end (At is its start)
}

var (
	dayPattern    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	numberPattern = regexp.MustCompile(`^[A-Z]\d{3,}$`)
	tokenPattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
)

// Number formats a ticket number: the prefix and at least three digits.
func Number(prefix string, seq int) string { return fmt.Sprintf("%s%03d", prefix, seq) }

// ErrMalformed marks an event that no terminal could have meant.
var ErrMalformed = errors.New("malformed event")

// Validate checks that e has what its kind needs, so that a foreign or
// broken message is refused with a reason before it reaches a view.
func (e Event) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s event: %s", ErrMalformed, e.Kind, fmt.Sprintf(format, args...))
	}
	if e.At.IsZero() {
		return bad("no time")
	}
	ticketEvent := func() error {
		if !dayPattern.MatchString(e.Day) {
			return bad("day %q is not 2006-01-02", e.Day)
		}
		if !numberPattern.MatchString(e.Number) {
			return bad("ticket number %q is not a letter and digits", e.Number)
		}
		return nil
	}
	switch e.Kind {
	case Issued:
		if err := ticketEvent(); err != nil {
			return err
		}
		if e.Matter == "" || e.Seq < 1 || Number(e.Prefix, e.Seq) != e.Number {
			return bad("ticket %s: matter %q, prefix %q and seq %d do not make the number", e.Number, e.Matter, e.Prefix, e.Seq)
		}
		if !tokenPattern.MatchString(e.Token) {
			return bad("ticket %s: no phone token", e.Number)
		}
		if !idPattern.MatchString(e.Kiosk) {
			return bad("ticket %s: kiosk %q", e.Number, e.Kiosk)
		}
	case Called, Recalled, NoShow, Started, Finished:
		if err := ticketEvent(); err != nil {
			return err
		}
		if e.Window < 1 {
			return bad("ticket %s: no window", e.Number)
		}
	case Rated:
		if err := ticketEvent(); err != nil {
			return err
		}
		if e.Rating < VerySatisfied || e.Rating > VeryDissatisfied {
			return bad("ticket %s: rating %d is not 1-5", e.Number, e.Rating)
		}
		if e.Rating >= Dissatisfied && !oneOf(e.Reason, LowReasons) {
			return bad("ticket %s: a low rating needs a reason from %v (got %q)", e.Number, LowReasons, e.Reason)
		}
	case Priority:
		if err := ticketEvent(); err != nil {
			return err
		}
	case Leased:
		if !dayPattern.MatchString(e.Day) || len(e.Prefix) != 1 || e.Seq < 1 || e.Count < 1 || !idPattern.MatchString(e.Kiosk) {
			return bad("day %q, prefix %q, numbers from %d, count %d, kiosk %q", e.Day, e.Prefix, e.Seq, e.Count, e.Kiosk)
		}
	case HelpAsked:
		if !idPattern.MatchString(e.Help) || !idPattern.MatchString(e.Kiosk) || !oneOf(e.Reason, HelpReasons) {
			return bad("request %q from kiosk %q, reason %q (want one of %v)", e.Help, e.Kiosk, e.Reason, HelpReasons)
		}
	case HelpAcked:
		if !idPattern.MatchString(e.Help) || !idPattern.MatchString(e.Terminal) {
			return bad("request %q, guide %q", e.Help, e.Terminal)
		}
	case SignedIn, SignedOut:
		if e.Window < 1 || !idPattern.MatchString(e.Terminal) {
			return bad("window %d, counter %q", e.Window, e.Terminal)
		}
	case Offline:
		if !idPattern.MatchString(e.Kiosk) || e.Until.Before(e.At) {
			return bad("kiosk %q from %s until %s", e.Kiosk, e.At, e.Until)
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrMalformed, e.Kind)
	}
	return nil
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
