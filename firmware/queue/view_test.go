package queue

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"onetrip/firmware/hall"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.Local)

const day = "2026-12-01"

func sample(t *testing.T) *hall.Hall {
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// q is a view fed the way the bus feeds it, failing the test on a refusal.
type q struct {
	t *testing.T
	v *View
}

func newQ(t *testing.T) *q { return &q{t, NewView(sample(t))} }

func (q *q) apply(e Event) {
	q.t.Helper()
	if err := q.v.Apply(e); err != nil {
		q.t.Fatal(err)
	}
}

// issue issues ticket seq of prefix/matter min minutes after t0.
func (q *q) issue(prefix, matter string, seq int, min int, green bool) string {
	q.t.Helper()
	n := Number(prefix, seq)
	q.apply(Event{Kind: Issued, At: t0.Add(time.Duration(min) * time.Minute), Day: day, Number: n, Prefix: prefix, Seq: seq,
		Matter: matter, Green: green, Kiosk: "kiosk-1", Token: fmt.Sprintf("token-%s-0123456789", n)})
	return n
}

func (q *q) step(kind Kind, number string, window int, at time.Duration) {
	q.t.Helper()
	q.apply(Event{Kind: kind, At: t0.Add(at), Day: day, Number: number, Window: window})
}

func TestPeopleAheadFollowCallOrder(t *testing.T) {
	q := newQ(t)
	a1 := q.issue("A", "social-card", 1, 0, false)
	a2 := q.issue("A", "social-card", 2, 1, false)
	q.issue("B", "medical-transfer", 1, 1, false) // another matter's queue
	a3 := q.issue("A", "social-card", 3, 2, true) // green: first in line
	if got := [3]int{q.v.Ahead(a3), q.v.Ahead(a1), q.v.Ahead(a2)}; got != [3]int{0, 1, 2} {
		t.Fatalf("ahead of A003 (green), A001, A002 = %v, want 0 1 2", got)
	}
	if n := q.v.AheadOfNew("social-card", false); n != 3 {
		t.Fatalf("a new normal ticket has %d ahead, want 3", n)
	}
	if n := q.v.AheadOfNew("social-card", true); n != 1 {
		t.Fatalf("a new green ticket has %d ahead, want 1 (the other green)", n)
	}
	next, _ := q.v.Next([]string{"social-card", "medical-transfer"})
	if next.Number != a3 {
		t.Fatalf("next for the window is %s, want the green A003", next.Number)
	}
	q.step(Called, a3, 1, 3*time.Minute)
	if q.v.Ahead(a2) != 1 || q.v.WaitingFor("social-card") != 2 {
		t.Fatalf("after calling A003: %d ahead of A002, %d waiting", q.v.Ahead(a2), q.v.WaitingFor("social-card"))
	}
	// A guide grants the green channel to A002: it moves up.
	q.apply(Event{Kind: Priority, At: t0.Add(4 * time.Minute), Day: day, Number: a2})
	if q.v.Ahead(a2) != 0 || q.v.Ahead(a1) != 1 {
		t.Fatalf("after the green channel: A002 has %d ahead, A001 %d", q.v.Ahead(a2), q.v.Ahead(a1))
	}
}

func TestWaitNeedsSignedInCountersAndLearnsHandlingTimes(t *testing.T) {
	q := newQ(t)
	for i := 1; i <= 4; i++ {
		q.issue("A", "social-card", i, i, false)
	}
	if e := q.v.Wait("A004"); e.Known {
		t.Fatalf("no counter signed in, yet a wait of %d min", e.Minutes)
	}
	q.apply(Event{Kind: SignedIn, At: t0, Window: 1, Terminal: "counter-1", Matters: []string{"social-card"}})
	// The configured 6 minutes is the prior: 3 ahead × 6 ÷ 1 window.
	if e := q.v.Wait("A004"); !e.Known || e.Minutes != 18 {
		t.Fatalf("wait with one window = %+v, want 18 min", e)
	}
	q.apply(Event{Kind: SignedIn, At: t0, Window: 2, Terminal: "counter-2", Matters: []string{"social-card"}})
	if e := q.v.Wait("A004"); e.Minutes != 9 {
		t.Fatalf("wait with two windows = %+v, want 9 min", e)
	}
	// A 16-minute service moves the average 20 % of the way: 6 → 8.
	q.step(Called, "A001", 1, 10*time.Minute)
	q.step(Started, "A001", 1, 10*time.Minute)
	q.step(Finished, "A001", 1, 26*time.Minute)
	if m := q.v.HandlingMinutes("social-card"); m < 7.99 || m > 8.01 {
		t.Fatalf("smoothed handling = %.2f min, want 8", m)
	}
	if e := q.v.Wait("A004"); e.Minutes != 8 { // 2 ahead × 8 ÷ 2
		t.Fatalf("wait after one observed service = %+v, want 8 min", e)
	}
	q.apply(Event{Kind: SignedOut, At: t0, Window: 2, Terminal: "counter-2"})
	if q.v.Serving("social-card") != 1 {
		t.Fatal("window 2 still counted after signing out")
	}
}

func TestContradictionsAreRefused(t *testing.T) {
	q := newQ(t)
	a1 := q.issue("A", "social-card", 1, 0, false)
	q.step(Called, a1, 1, time.Minute)
	cases := []struct {
		name string
		e    Event
		want error
	}{
		{"a second window calls it", Event{Kind: Called, At: t0, Day: day, Number: a1, Window: 2}, ErrConflict},
		{"another window starts it", Event{Kind: Started, At: t0, Day: day, Number: a1, Window: 2}, ErrConflict},
		{"done before started", Event{Kind: Finished, At: t0, Day: day, Number: a1, Window: 1}, ErrConflict},
		{"rated before served", Event{Kind: Rated, At: t0, Day: day, Number: a1, Rating: 1}, ErrConflict},
		{"unknown ticket", Event{Kind: Called, At: t0, Day: day, Number: "A099", Window: 1}, ErrUnknown},
		{"the same number again", Event{Kind: Issued, At: t0, Day: day, Number: a1, Prefix: "A", Seq: 1, Matter: "social-card",
			Kiosk: "kiosk-2", Token: "another-token-0123456"}, ErrConflict},
		{"low rating without reason", Event{Kind: Rated, At: t0, Day: day, Number: a1, Rating: 5}, ErrMalformed},
		{"no time", Event{Kind: Called, Day: day, Number: a1, Window: 1}, ErrMalformed},
		{"foreign kind", Event{Kind: "teleported", At: t0}, ErrMalformed},
	}
	for _, c := range cases {
		if err := q.v.Apply(c.e); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if tk, _ := q.v.Ticket(a1); tk.State != AtCall || tk.Window != 1 {
		t.Fatalf("after refusals A001 is %s at %d, want called at 1", tk.State, tk.Window)
	}
}

func TestMissedTicketsAndRecall(t *testing.T) {
	q := newQ(t)
	a1 := q.issue("A", "social-card", 1, 0, false)
	q.step(Called, a1, 3, time.Minute)
	q.step(NoShow, a1, 3, 3*time.Minute)
	if m := q.v.Missing(); len(m) != 1 || m[0].Number != a1 {
		t.Fatalf("missing = %+v", m)
	}
	q.step(Recalled, a1, 3, 5*time.Minute)
	if len(q.v.Missing()) != 0 || q.v.Calls()[0].Number != a1 || !q.v.Calls()[0].Recall {
		t.Fatalf("after a recall: missing %v, calls %v", q.v.Missing(), q.v.Calls())
	}
}

func TestNewDayStartsEmptyButCountersStay(t *testing.T) {
	q := newQ(t)
	q.apply(Event{Kind: SignedIn, At: t0, Window: 1, Terminal: "counter-1", Matters: []string{"social-card"}})
	q.issue("A", "social-card", 1, 0, false)
	q.apply(Event{Kind: Issued, At: t0.Add(24 * time.Hour), Day: "2026-12-02", Number: "A001", Prefix: "A", Seq: 1,
		Matter: "social-card", Kiosk: "kiosk-1", Token: "next-day-token-0123456"})
	if q.v.Day() != "2026-12-02" || len(q.v.Tickets()) != 1 || q.v.Serving("social-card") != 1 {
		t.Fatalf("day %s, %d tickets, %d serving", q.v.Day(), len(q.v.Tickets()), q.v.Serving("social-card"))
	}
	// A late event of the day before is ignored, not applied to today.
	if err := q.v.Apply(Event{Kind: Called, At: t0, Day: day, Number: "A001", Window: 1}); err != nil {
		t.Fatal(err)
	}
	if tk, _ := q.v.Ticket("A001"); tk.State != Waiting {
		t.Fatalf("yesterday's call changed today's A001 to %s", tk.State)
	}
}

func TestServiceDayTurnsAtTheResetHour(t *testing.T) {
	early := time.Date(2026, 12, 2, 5, 59, 0, 0, time.Local)
	if d := ServiceDay(early, 6); d != "2026-12-01" {
		t.Fatalf("05:59 belongs to %s, want the day before", d)
	}
	if s := DayStart(early, 6); !s.Equal(time.Date(2026, 12, 1, 6, 0, 0, 0, time.Local)) {
		t.Fatalf("day start %v", s)
	}
}
