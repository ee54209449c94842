package bus

import (
	"fmt"
	"strconv"
	"strings"

	"onetrip/firmware/queue"
)

// Subjects names everything one hall puts on the bus. A hall is a subject
// prefix ("ot.<hall>."), so many halls can share one NATS cluster.
type Subjects struct{ Hall string }

func (s Subjects) p(parts ...string) string {
	return "ot." + s.Hall + "." + strings.Join(parts, ".")
}

// Stream is the hall's event stream; Ratings holds the 好差评 ratings apart,
// so that roles that may not read them (kiosk, display) get no access.
func (s Subjects) Stream() string  { return "ONETRIP-" + s.Hall }
func (s Subjects) Ratings() string { return "ONETRIP-" + s.Hall + "-RATINGS" }

// Issue is where a prefix's numbers are claimed: each issued ticket and each
// leased block is one message, published only if the subject still ends at
// the message the claimer read.
func (s Subjects) Issue(day, prefix string) string { return s.p("issue", day, prefix) }

// Lease is where a prefix's offline blocks are leased, from the top of the
// numbers down (9999, 9998, …) so they never meet the online numbers.
func (s Subjects) Lease(day, prefix string) string { return s.p("lease", day, prefix) }

// Ticket is the subject of one event of one ticket; TicketAll matches them
// all, the family whose last sequence guards the ticket's next step.
func (s Subjects) Ticket(day, prefix string, seq int, kind queue.Kind) string {
	return s.p("t", day, prefix, strconv.Itoa(seq), string(kind))
}
func (s Subjects) TicketAll(day, prefix string, seq int) string {
	return s.p("t", day, prefix, strconv.Itoa(seq), "*")
}

// Rating is a ticket's rating, at most one.
func (s Subjects) Rating(day, prefix string, seq int) string {
	return s.p("rate", day, prefix, strconv.Itoa(seq))
}

// Help is one step of a help request; HelpAll its family.
func (s Subjects) Help(id string, kind queue.Kind) string { return s.p("help", id, string(kind)) }
func (s Subjects) HelpAll(id string) string               { return s.p("help", id, "*") }

// Window carries a window's sign-ins and sign-outs.
func (s Subjects) Window(n int) string { return s.p("win", strconv.Itoa(n)) }

// Kiosk carries a kiosk's reports (its offline periods).
func (s Subjects) Kiosk(id string) string { return s.p("kiosk", id, "offline") }

// Config holds the hall configuration the controller publishes.
func (s Subjects) Config() string { return s.p("config") }

// Live is a terminal's heartbeat: plain NATS, never stored.
func (s Subjects) Live(role, terminal string) string { return s.p("live", role, terminal) }

// Events are the stream subjects a view folds.
func (s Subjects) Events() []string {
	return []string{s.p("issue", ">"), s.p("lease", ">"), s.p("t", ">"), s.p("help", ">"), s.p("win", ">"), s.p("kiosk", ">")}
}

// StreamSubjects are all subjects of the event stream.
func (s Subjects) StreamSubjects() []string { return append(s.Events(), s.Config()) }

// RatingSubjects are the subjects of the ratings stream.
func (s Subjects) RatingSubjects() []string { return []string{s.p("rate", ">")} }

// For returns the subject an event is published on and the family whose
// last sequence must not have moved (empty: no compare-and-set).
func (s Subjects) For(e queue.Event) (subject, family string, err error) {
	switch e.Kind {
	case queue.Leased:
		subj := s.Lease(e.Day, e.Prefix)
		return subj, subj, nil
	case queue.Issued:
		if e.Offline {
			// Issued from a lease while the bus was away: its number is
			// already its own; it may only be synced once.
			return s.Ticket(e.Day, e.Prefix, e.Seq, e.Kind), s.TicketAll(e.Day, e.Prefix, e.Seq), nil
		}
		subj := s.Issue(e.Day, e.Prefix)
		return subj, subj, nil
	case queue.Called, queue.Recalled, queue.NoShow, queue.Started, queue.Finished, queue.Priority:
		p, seq, err := split(e.Number)
		if err != nil {
			return "", "", err
		}
		return s.Ticket(e.Day, p, seq, e.Kind), s.TicketAll(e.Day, p, seq), nil
	case queue.Rated:
		p, seq, err := split(e.Number)
		if err != nil {
			return "", "", err
		}
		subj := s.Rating(e.Day, p, seq)
		return subj, subj, nil
	case queue.HelpAsked, queue.HelpAcked:
		return s.Help(e.Help, e.Kind), s.HelpAll(e.Help), nil
	case queue.SignedIn, queue.SignedOut:
		return s.Window(e.Window), "", nil
	case queue.Offline:
		return s.Kiosk(e.Kiosk), "", nil
	}
	return "", "", fmt.Errorf("%w: no subject for kind %q", queue.ErrMalformed, e.Kind)
}

// Family returns the compare-and-set family of a delivered stream subject.
func (s Subjects) Family(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 3 {
		return ""
	}
	switch parts[2] {
	case "t", "help":
		parts[len(parts)-1] = "*"
		return strings.Join(parts, ".")
	case "issue", "lease", "rate":
		return subject
	}
	return ""
}

// split takes A023 apart into its prefix and sequence.
func split(number string) (string, int, error) {
	if len(number) < 2 {
		return "", 0, fmt.Errorf("%w: ticket number %q", queue.ErrMalformed, number)
	}
	seq, err := strconv.Atoi(number[1:])
	if err != nil || seq < 1 {
		return "", 0, fmt.Errorf("%w: ticket number %q", queue.ErrMalformed, number)
	}
	return number[:1], seq, nil
}
