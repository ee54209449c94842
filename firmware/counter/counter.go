// Package counter is the terminal at a service window. The clerk calls the
// next ticket for the window's matters, recalls it, marks it missing (过号),
// starts and finishes the service; once the service is done the screen turns
// to the citizen for the 政务服务"好差评" rating of that ticket.
//
// Everything the screen shows about the queue comes from the shared view; the
// counter itself only remembers what the view cannot know: the event it is
// waiting to hear about, the ticket being rated and a line for the clerk.
// Ratings belong to the ticket, never to a person: the screens show no clerk
// and no citizen, and the rating event carries neither.
package counter

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
)

// Screens the counter shows, as the control API reports them.
const (
	ClerkScreen  flow.Screen = "counter"       // the clerk's queue controls
	RatingScreen flow.Screen = "rating"        // the citizen picks one of the five levels
	ReasonScreen flow.Screen = "rating-reason" // after a low rating: why
	ThanksScreen flow.Screen = "rating-thanks" // the rating was recorded
)

// RatingTimeout is how long the rating screens wait for a citizen's touch
// before giving the window back to the clerk without a rating: a citizen who
// walks away must not block the next call.
const RatingTimeout = 60 * time.Second

// ThanksTime is how long the thank-you stays on screen.
const ThanksTime = 5 * time.Second

// clerkKinds maps the clerk's buttons to the ticket event each publishes.
var clerkKinds = map[string]queue.Kind{
	"call-next": queue.Called,
	"recall":    queue.Recalled,
	"no-show":   queue.NoShow,
	"start":     queue.Started,
	"done":      queue.Finished,
}

// notice is a line for whoever stands at the screen: a catalog key of the
// counter section and its placeholder pairs, rendered in the language of
// the moment.
type notice struct {
	key  string
	args []any
}

// Counter is the terminal.Role of one service window.
type Counter struct {
	hall     *hall.Hall
	cats     locale.Catalogs
	terminal string
	window   hall.Window
	lang     string
	started  bool // Start ran: the window is signed in

	screen  flow.Screen
	pending *queue.Event // published, outcome not heard yet; taps wait for it
	notice  notice

	rated  queue.Ticket // the ticket on the rating screens
	rating int          // the low rating awaiting a reason
	until  time.Time    // when the rating screens give up, or the thanks end
}

var _ terminal.Role = (*Counter)(nil)

// New returns the counter of window in hall h, speaking lang, for the terminal
// with id terminal. The window must be one the hall lists.
func New(h *hall.Hall, cats locale.Catalogs, terminal string, window int, lang string) (*Counter, error) {
	w, ok := h.Window(window)
	if !ok {
		return nil, fmt.Errorf("counter: hall %s has no window %d", h.ID, window)
	}
	return &Counter{
		hall: h, cats: cats, terminal: terminal, window: w, lang: lang, screen: ClerkScreen,
	}, nil
}

// Start signs the window in with the matters it serves, so that the queue
// counts it in waiting times and Next finds its tickets.
func (c *Counter) Start(s terminal.Snapshot) []terminal.Effect {
	c.started = true
	return []terminal.Effect{terminal.Publish{Event: queue.Event{
		Kind: queue.SignedIn, At: s.Now, Window: c.window.Number, Terminal: c.terminal,
		Matters: slices.Clone(c.window.Matters),
	}}}
}

// Stop signs the window out.
func (c *Counter) Stop(s terminal.Snapshot) []terminal.Effect {
	c.started = false
	return []terminal.Effect{terminal.Publish{Event: queue.Event{
		Kind: queue.SignedOut, At: s.Now, Window: c.window.Number, Terminal: c.terminal,
	}}}
}

// Lang is the language the screen speaks now.
func (c *Counter) Lang() string { return c.lang }

// Actions returns the ids of the widgets the screen offers now, in display
// order; Build shows exactly these and Tap acts on nothing else.
func (c *Counter) Actions(s terminal.Snapshot) []string {
	c.expire(s.Now)
	var acts []string
	switch c.screen {
	case ClerkScreen:
		if c.pending != nil {
			break
		}
		t, ok := s.View.AtWindow(c.window.Number)
		switch {
		case !ok:
			acts = []string{"call-next"}
		case t.State == queue.AtCall:
			acts = []string{"recall", "no-show", "start"}
		case t.State == queue.Serving:
			acts = []string{"done"}
		}
	case RatingScreen:
		if c.pending != nil {
			break
		}
		for r := queue.VerySatisfied; r <= queue.VeryDissatisfied; r++ {
			acts = append(acts, "rate:"+strconv.Itoa(r))
		}
	case ReasonScreen:
		if c.pending != nil {
			break
		}
		for _, r := range queue.LowReasons {
			acts = append(acts, "reason:"+r)
		}
		acts = append(acts, "back")
	case ThanksScreen:
		return nil
	}
	return append(acts, "lang")
}

// Tap handles a touch on the widget with id.
func (c *Counter) Tap(s terminal.Snapshot, id string) []terminal.Effect {
	if !slices.Contains(c.Actions(s), id) {
		return nil
	}
	if c.screen != ClerkScreen {
		// A touch shows someone is still there.
		c.until = s.Now.Add(RatingTimeout)
	}
	if id == "lang" {
		langs := c.hall.Languages
		c.lang = langs[(slices.Index(langs, c.lang)+1)%len(langs)]
		return nil
	}
	c.notice = notice{}
	switch c.screen {
	case RatingScreen:
		r, _ := strconv.Atoi(strings.TrimPrefix(id, "rate:"))
		if r >= queue.Dissatisfied {
			c.screen, c.rating = ReasonScreen, r
			return nil
		}
		return c.rate(s, r, "")
	case ReasonScreen:
		if id == "back" {
			c.screen = RatingScreen
			return nil
		}
		return c.rate(s, c.rating, strings.TrimPrefix(id, "reason:"))
	}
	t, _ := s.View.AtWindow(c.window.Number)
	if id == "call-next" {
		next, ok := s.View.Next(c.window.Matters)
		if !ok {
			c.notice = notice{key: "nothing_waiting"}
			return nil
		}
		t = next
	}
	return c.publish(queue.Event{Kind: clerkKinds[id], At: s.Now, Day: t.Day, Number: t.Number, Window: c.window.Number})
}

// rate publishes the citizen's rating of the ticket on the rating screens.
func (c *Counter) rate(s terminal.Snapshot, rating int, reason string) []terminal.Effect {
	return c.publish(queue.Event{Kind: queue.Rated, At: s.Now, Day: c.rated.Day, Number: c.rated.Number, Rating: rating, Reason: reason})
}

// publish puts e on the bus and holds further taps until its Result.
func (c *Counter) publish(e queue.Event) []terminal.Effect {
	c.pending = &e
	return []terminal.Effect{terminal.Publish{Event: e}}
}

// Result hears how a published ticket event went: a finished service turns
// the screen to the citizen, a rating to the thanks, and a refusal becomes a
// line saying what happened.
func (c *Counter) Result(s terminal.Snapshot, r terminal.Result) []terminal.Effect {
	p, ok := r.Effect.(terminal.Publish)
	if !ok || c.pending == nil || p.Event.Kind != c.pending.Kind || p.Event.Number != c.pending.Number {
		return nil
	}
	e := *c.pending
	c.pending = nil
	conflict := errors.Is(r.Err, queue.ErrConflict)
	switch {
	case r.Err == nil && e.Kind == queue.Finished:
		c.rated = queue.Ticket{Number: e.Number, Day: e.Day}
		if t, ok := s.View.Ticket(e.Number); ok {
			c.rated.Matter = t.Matter
		}
		c.screen, c.until = RatingScreen, s.Now.Add(RatingTimeout)
	case r.Err == nil && e.Kind == queue.Rated:
		c.screen, c.until = ThanksScreen, s.Now.Add(ThanksTime)
	case r.Err == nil:
		// Called, recalled, no-show, started: the view shows the new state.
	case e.Kind == queue.Rated && !conflict:
		// Let the citizen try again; the ticket can still be rated.
		c.notice, c.until = notice{key: "retry"}, s.Now.Add(RatingTimeout)
	case e.Kind == queue.Rated:
		c.toClerk()
		c.notice = notice{key: "refused", args: []any{"number", e.Number}}
	case e.Kind == queue.Called && conflict:
		c.notice = c.taken(s, e.Number)
	case conflict:
		c.notice = notice{key: "refused", args: []any{"number", e.Number}}
	default:
		c.notice = notice{key: "failed"}
	}
	return nil
}

// taken says which window called number first, as far as the view knows.
func (c *Counter) taken(s terminal.Snapshot, number string) notice {
	t, _ := s.View.Ticket(number)
	switch t.Window {
	case c.window.Number:
		return notice{} // our own earlier call: the screen shows it
	case 0:
		return notice{key: "taken_elsewhere", args: []any{"number", number}}
	}
	return notice{key: "taken", args: []any{"number", number, "window", t.Window}}
}

// Changed drops the "nobody is waiting" line once somebody is.
func (c *Counter) Changed(s terminal.Snapshot, e queue.Event) []terminal.Effect {
	if c.started && e.Kind == queue.SignedOut && e.Window == c.window.Number && e.Terminal == c.terminal {
		// The controller signed this window out while it was cut off: it
		// is back, so it signs in again.
		return c.Start(s)
	}
	if c.notice.key == "nothing_waiting" && e.Kind == queue.Issued && c.window.Serves(e.Matter) {
		c.notice = notice{}
	}
	return nil
}

// Refresh is the time left on the rating screens or the thanks.
func (c *Counter) Refresh(s terminal.Snapshot) time.Duration {
	c.expire(s.Now)
	if c.screen == ClerkScreen || c.pending != nil {
		return 0
	}
	return c.until.Sub(s.Now)
}

// expire gives the screen back to the clerk when the thanks are over or the
// citizen left without rating; a rating on its way is waited for.
func (c *Counter) expire(now time.Time) {
	if c.screen != ClerkScreen && c.pending == nil && !now.Before(c.until) {
		c.toClerk()
	}
}

func (c *Counter) toClerk() {
	c.screen, c.rated, c.rating, c.until, c.notice = ClerkScreen, queue.Ticket{}, 0, time.Time{}, notice{}
}
