// Package terminal runs a hall terminal that is not the kiosk — the guide
// desk, a counter, the call display — on the shared queue view and the
// kiosk's renderer. A Role says what its screen shows and what a touch
// means; the Runner owns the one goroutine that holds the view, feeds it the
// bus's events, carries out the role's effects and presents changed frames.
package terminal

import (
	"time"

	"onetrip/firmware/queue"
	"onetrip/ui/screen"
)

// Snapshot is what a role may look at when it builds its screen or handles
// a touch. It is only valid during that call.
type Snapshot struct {
	View        *queue.View
	Kiosks      []Kiosk // every kiosk heard from, by id
	Online      bool    // this terminal is connected to the hall bus
	HallVersion string  // the hall configuration version in use
	Terminal    string  // this terminal's id
	Now         time.Time
}

// Kiosk is a kiosk's presence on the bus, from its heartbeats.
type Kiosk struct {
	ID       string    `json:"id"`
	Online   bool      `json:"online"`    // heard from within the last few seconds, and on the bus
	Offline  bool      `json:"offline"`   // it says it issues from its leased numbers
	LastSeen time.Time `json:"last_seen"` // the last heartbeat
}

// Effect is work a role asks of the runner.
type Effect interface{ effect() }

// Publish puts an event on the hall bus. Ticket events are published with
// compare-and-set on the ticket, so a call another counter made first is
// refused; the role hears the outcome through Result.
type Publish struct{ Event queue.Event }

// Print sends a slip (ESC/POS bytes) to this terminal's printer; the role
// hears the outcome through Result with the slip's Name.
type Print struct {
	Name string
	Job  []byte
}

func (Publish) effect() {}
func (Print) effect()   {}

// Result is the outcome of an effect: Err is nil when it was carried out.
type Result struct {
	Effect Effect
	Err    error
}

// Role is one kind of terminal. Its methods are called on the runner's
// goroutine only, so it needs no locks; it must not do I/O.
type Role interface {
	// Start is called once the view has caught up with the bus (a counter
	// signs in to its window); Stop when the terminal shuts down.
	Start(s Snapshot) []Effect
	Stop(s Snapshot) []Effect
	// Lang is the language the screen speaks now.
	Lang() string
	// Build lays out the screen.
	Build(s Snapshot) *screen.Layout
	// Tap handles a touch on the widget with id.
	Tap(s Snapshot, id string) []Effect
	// Result reports how an effect went.
	Result(s Snapshot, r Result) []Effect
	// Changed is told of every event the view applied, so the role can react
	// (the display highlights a new call).
	Changed(s Snapshot, e queue.Event) []Effect
	// Refresh is how soon the screen must be rebuilt although nothing
	// happened (a highlight ending, a clock); zero means never.
	Refresh(s Snapshot) time.Duration
}
