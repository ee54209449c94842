// Package hallqueue is a kiosk's side of the hall's shared queue. Online it
// numbers each ticket on the hall bus and tells the citizen the people
// ahead and the wait from its view of the queue; when the bus is away it
// goes on numbering from blocks it leased in advance (from 9999 down, so no
// offline number can meet an online one), marks the wait approximate, and
// syncs those tickets once the bus is back — each exactly once, because an
// offline ticket is published only if its own subject is still empty. Every
// ticket is committed to the kiosk's SQLite store before it is shown, online
// or not, so a power cut loses none.
package hallqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/ticket"
)

// Options configure a link.
type Options struct {
	Bus   *bus.Bus
	Store *ticket.Store
	Hall  *hall.Hall
	Kiosk string // this kiosk's terminal id
	Log   *slog.Logger
	Now   func() time.Time
	// LeaseSize is how many numbers per matter the kiosk keeps leased for
	// when the bus is away (default 20); it leases again below half.
	LeaseSize int
	// Online is told when the kiosk starts or stops issuing from its leases.
	Online func(online bool)
	// Acked is told when a guide acknowledged one of this kiosk's requests.
	Acked func(help string)
}

// Link is a running kiosk link; its methods are safe for concurrent use.
type Link struct {
	o Options

	mu           sync.Mutex
	view         *queue.View
	caughtUp     bool
	offline      bool      // issuing from leases
	offlineSince time.Time // first offline ticket or failure of this period
	asked        map[string]bool
	helpSeq      int
}

// New returns a link; Run must be running for it to follow the queue.
func New(o Options) *Link {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LeaseSize == 0 {
		o.LeaseSize = 20
	}
	if o.Online == nil {
		o.Online = func(bool) {}
	}
	if o.Acked == nil {
		o.Acked = func(string) {}
	}
	return &Link{o: o, view: queue.NewView(o.Hall), asked: map[string]bool{}}
}

// Offline reports whether the kiosk is issuing from its leases now.
func (l *Link) Offline() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.offline
}

// Run follows the queue, keeps the leases topped up, syncs offline tickets
// when the bus is back and sends the kiosk's heartbeat, until ctx ends.
func (l *Link) Run(ctx context.Context) {
	log := l.o.Log
	following := l.follow(ctx)
	changes := l.o.Bus.Changes()
	beat := time.NewTicker(bus.BeatEvery)
	defer beat.Stop()
	upkeep := time.NewTicker(10 * time.Second)
	defer upkeep.Stop()
	l.maintain(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case on := <-changes:
			log.Info("hall bus", "online", on)
			if on {
				if !following {
					following = l.follow(ctx)
				}
				l.maintain(ctx)
			} else {
				l.setOffline(true, "the hall bus connection dropped")
			}
		case <-beat.C:
			l.o.Bus.Beat(bus.Beat{Role: "kiosk", Terminal: l.o.Kiosk, Offline: l.Offline(), Hall: l.o.Hall.Version, At: l.o.Now()})
		case <-upkeep.C:
			if !following {
				following = l.follow(ctx)
			}
			l.maintain(ctx)
		}
	}
}

func (l *Link) follow(ctx context.Context) bool {
	since := queue.DayStart(l.o.Now(), l.o.Hall.ResetHour)
	err := l.o.Bus.Follow(ctx, since, l.deliver)
	if err != nil {
		l.o.Log.Warn("hall bus: not following the queue yet", "err", err)
		return false
	}
	return true
}

func (l *Link) deliver(d bus.Delivery) {
	l.mu.Lock()
	var acked string
	if d.Err == nil && d.Event.Kind != "" {
		d.Err = l.view.Apply(d.Event)
		if d.Err == nil && d.Event.Kind == queue.HelpAcked && l.asked[d.Event.Help] {
			acked = d.Event.Help
		}
	}
	if d.CaughtUp {
		l.caughtUp = true
	}
	l.mu.Unlock()
	if d.Err != nil {
		l.o.Log.Warn("hall bus: dropped a message", "subject", d.Subject, "seq", d.Sequence, "err", d.Err)
	}
	if acked != "" {
		l.o.Acked(acked)
	}
}

// maintain syncs offline tickets, reports the offline period and tops up
// the leases, while the bus is there.
func (l *Link) maintain(ctx context.Context) {
	if !l.o.Bus.Online() {
		return
	}
	if err := l.sync(ctx); err != nil {
		l.o.Log.Warn("offline tickets not synced yet", "err", err)
		return
	}
	if err := l.lease(ctx); err != nil {
		l.o.Log.Warn("numbers for offline use not leased", "err", err)
	}
}

// sync publishes the tickets issued offline, oldest first. One the bus
// already has (an earlier sync whose answer was lost) is refused as a
// conflict and counts as synced.
func (l *Link) sync(ctx context.Context) error {
	un, err := l.o.Store.Unsynced(ctx)
	if err != nil {
		return err
	}
	for _, t := range un {
		e := queue.Event{Kind: queue.Issued, At: t.Issued, Day: t.Day, Number: t.Number, Prefix: t.Prefix, Seq: t.Seq,
			Matter: t.Matter, Green: t.Green, Token: t.Token, Kiosk: l.o.Kiosk, Offline: true}
		_, _, err := l.o.Bus.Publish(ctx, e, 0)
		if err != nil && !errors.Is(err, queue.ErrConflict) {
			return fmt.Errorf("sync %s: %w", t.Number, err)
		}
		if err := l.o.Store.MarkSynced(ctx, t.ID); err != nil {
			return err
		}
	}
	l.mu.Lock()
	since := l.offlineSince
	l.mu.Unlock()
	if !since.IsZero() {
		now := l.o.Now()
		e := queue.Event{Kind: queue.Offline, At: since, Until: now, Kiosk: l.o.Kiosk}
		if _, _, err := l.o.Bus.Publish(ctx, e, 0); err != nil {
			return fmt.Errorf("report the offline period: %w", err)
		}
		l.mu.Lock()
		l.offlineSince = time.Time{}
		l.mu.Unlock()
		l.o.Log.Info("back on the hall bus: offline tickets synced", "tickets", len(un), "offline_from", since.Format(time.TimeOnly), "until", now.Format(time.TimeOnly))
	}
	l.setOffline(false, "")
	return nil
}

// lease keeps LeaseSize/2 or more numbers leased for every matter handled here.
func (l *Link) lease(ctx context.Context) error {
	day := queue.ServiceDay(l.o.Now(), l.o.Hall.ResetHour)
	for _, m := range l.o.Hall.Matters {
		if !m.Here {
			continue
		}
		n, err := l.o.Store.Leased(ctx, day, m.Prefix)
		if err != nil {
			return err
		}
		if n >= l.o.LeaseSize/2 {
			continue
		}
		e := queue.Event{Kind: queue.Leased, At: l.o.Now(), Day: day, Prefix: m.Prefix, Kiosk: l.o.Kiosk, Count: l.o.LeaseSize}
		e, _, err = l.o.Bus.Publish(ctx, e, 0)
		if err != nil {
			return err
		}
		if err := l.o.Store.AddLease(ctx, day, m.Prefix, e.Seq, e.Count); err != nil {
			return err
		}
	}
	return nil
}

func (l *Link) setOffline(off bool, why string) {
	l.mu.Lock()
	changed := l.offline != off
	l.offline = off
	if off && l.offlineSince.IsZero() {
		l.offlineSince = l.o.Now()
	}
	l.mu.Unlock()
	if !changed {
		return
	}
	if off {
		l.o.Log.Warn("hall bus unreachable: issuing from leased numbers", "why", why)
	} else {
		l.o.Log.Info("hall bus reachable: issuing online")
	}
	l.o.Online(!off)
}

// Issue numbers a ticket on the bus, or from a lease while the bus is away,
// and commits it to the store.
func (l *Link) Issue(ctx context.Context, r ticket.Request) (ticket.Ticket, error) {
	l.mu.Lock()
	known := l.caughtUp
	ahead := l.view.AheadOfNew(r.Matter, r.Green)
	est := l.view.WaitFor(r.Matter, ahead)
	l.mu.Unlock()
	if l.o.Bus.Online() {
		e := queue.Event{Kind: queue.Issued, At: r.Now, Day: r.Day(), Prefix: r.Prefix, Matter: r.Matter, Green: r.Green,
			Kiosk: l.o.Kiosk, Token: ticket.NewToken()}
		e, _, err := l.o.Bus.Publish(ctx, e, 0)
		if err == nil {
			return l.o.Store.Record(ctx, ticket.Ticket{Day: e.Day, Prefix: e.Prefix, Seq: e.Seq, Matter: e.Matter, Green: e.Green,
				Lang: r.Lang, Issued: r.Now, Token: e.Token, Synced: true,
				Ahead: ahead, AheadKnown: known, WaitMin: est.Minutes, WaitKnown: known && est.Known})
		}
		if !errors.Is(err, bus.ErrOffline) {
			return ticket.Ticket{}, err
		}
		l.setOffline(true, err.Error())
	} else {
		l.setOffline(true, "not connected")
	}
	// Offline: the view is as of the last message; add this kiosk's own
	// offline tickets of the matter, which the view has not seen.
	un, err := l.o.Store.Unsynced(ctx)
	if err != nil {
		return ticket.Ticket{}, err
	}
	for _, t := range un {
		if t.Matter == r.Matter && (t.Green || !r.Green) {
			ahead++
		}
	}
	l.mu.Lock()
	est = l.view.WaitFor(r.Matter, ahead)
	l.mu.Unlock()
	t, err := l.o.Store.IssueLeased(ctx, r, ahead, est.Minutes, est.Known)
	if errors.Is(err, ticket.ErrNoLease) {
		return t, fmt.Errorf("the hall bus is away and this kiosk has no leased %s numbers left: %w", r.Prefix, err)
	}
	return t, err
}

// Ask tells the guide desk; the id names the request in its acknowledgement.
func (l *Link) Ask(reason, matter string) (string, error) {
	l.mu.Lock()
	l.helpSeq++
	id := fmt.Sprintf("%s-%d-%d", l.o.Kiosk, l.o.Now().Unix(), l.helpSeq)
	id = strings.ReplaceAll(id, ".", "-")
	l.asked[id] = true
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	e := queue.Event{Kind: queue.HelpAsked, At: l.o.Now(), Help: id, Kiosk: l.o.Kiosk, Reason: reason, Matter: matter}
	if _, _, err := l.o.Bus.Publish(ctx, e, 0); err != nil {
		return "", err
	}
	return id, nil
}
