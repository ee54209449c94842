package idcard

import "errors"

// EventKind says what happened on a reader.
type EventKind int

// What a reader reports, in the order a presentation produces them: Present, then Read
// or Failed, then Removed.
const (
	Present EventKind = iota + 1 // a card entered the field
	Read                         // the card was read; Event.Card is set
	Removed                      // the card left the field
	Failed                       // reading failed or the reader failed; Event.Err is set
)

var eventNames = map[EventKind]string{Present: "present", Read: "read", Removed: "removed", Failed: "failed"}

func (k EventKind) String() string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return "EventKind(?)"
}

// Event is one report from a reader. Card belongs to the receiver, who must Wipe it.
type Event struct {
	Kind EventKind
	Card *Card
	Err  error
}

// Reader is an ID-card reader: the SAM driver or its simulated twin.
type Reader interface {
	// Events delivers what happens on the reader; it is closed by Close.
	Events() <-chan Event
	Close() error
}

// Rereader is a reader that can read the card lying on it again: the card a
// citizen left from the last session, or put down before touching start.
type Rereader interface {
	Reread() error
}

// Errors a reader reports in Failed events.
var (
	ErrPulled = errors.New("idcard: card removed during the read")
	ErrClosed = errors.New("idcard: reader closed")
)

// EventBuffer is how many events a reader holds for a slow receiver; beyond it the
// oldest are dropped so a reader never stalls.
const EventBuffer = 16

// Deliver sends e on ch without ever blocking: when ch is full its oldest event is
// dropped. Only one goroutine may send on ch.
func Deliver(ch chan Event, e Event) {
	for {
		select {
		case ch <- e:
			return
		default:
		}
		select {
		case old := <-ch:
			if old.Card != nil {
				old.Card.Wipe()
			}
		default:
		}
	}
}
