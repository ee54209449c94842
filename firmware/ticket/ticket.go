package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Ticket is one issued ticket as the citizen sees it on screen and paper.
type Ticket struct {
	ID      int64
	Day     string // service day "2006-01-02": the day that began at the reset hour
	Number  string // Prefix and Seq: A001 … A999, then A1000
	Prefix  string
	Seq     int
	Matter  string // matter id
	Green   bool   // green channel: priority
	Lang    string
	Issued  time.Time
	Ahead   int // people ahead at issue time
	WaitMin int // estimated wait in minutes at issue time
	Printed bool
}

// Request asks for a ticket for one matter.
type Request struct {
	Matter, Prefix string
	Green          bool
	Lang           string
	Now            time.Time
	ResetHour      int     // daily reset hour (local time of Now), 0-23
	AvgMinutes     float64 // the matter's average handling minutes
	Counters       int     // counters open, at least 1
}

// validate says what is wrong with r, if anything.
func (r Request) validate() error {
	switch {
	case r.Matter == "":
		return errors.New("ticket request: matter is empty")
	case len(r.Prefix) != 1 || r.Prefix[0] < 'A' || r.Prefix[0] > 'Z':
		return fmt.Errorf("ticket request for matter %s: prefix %q is not one uppercase letter A-Z", r.Matter, r.Prefix)
	case r.Counters < 1:
		return fmt.Errorf("ticket request for matter %s: %d counters open, need at least 1", r.Matter, r.Counters)
	case r.AvgMinutes < 0 || math.IsNaN(r.AvgMinutes) || math.IsInf(r.AvgMinutes, 0):
		return fmt.Errorf("ticket request for matter %s: average handling time %v minutes is not a duration", r.Matter, r.AvgMinutes)
	case r.Now.IsZero():
		return fmt.Errorf("ticket request for matter %s: time is not set", r.Matter)
	}
	return validateResetHour(r.ResetHour)
}

func validateResetHour(h int) error {
	if h < 0 || h > 23 {
		return fmt.Errorf("ticket: reset hour %d is not 0-23", h)
	}
	return nil
}

// serviceDay is the calendar date of now minus resetHour hours: before the
// reset hour a ticket still belongs to the previous day.
func serviceDay(now time.Time, resetHour int) string {
	return now.Add(-time.Duration(resetHour) * time.Hour).Format(time.DateOnly)
}

// number formats a ticket number: the prefix and at least three digits.
func number(prefix string, seq int) string {
	return fmt.Sprintf("%s%03d", prefix, seq)
}

// waitMinutes is ahead × avg / counters rounded up, ignoring float noise so
// that 10 × 0.7 minutes is 7, not 8.
func waitMinutes(ahead int, avg float64, counters int) int {
	m := float64(ahead) * avg / float64(counters)
	return int(math.Ceil(m - 1e-9))
}

// Issue gives the next number for r's prefix on its service day and commits
// the ticket before returning, so the number may be shown and printed.
// A normal ticket has everyone still waiting for the matter ahead of it; a
// green ticket only the green tickets, since priority goes first.
func (s *Store) Issue(ctx context.Context, r Request) (Ticket, error) {
	if err := r.validate(); err != nil {
		return Ticket{}, err
	}
	t := Ticket{
		Day:    serviceDay(r.Now, r.ResetHour),
		Prefix: r.Prefix,
		Matter: r.Matter,
		Green:  r.Green,
		Lang:   r.Lang,
		Issued: r.Now,
	}
	fail := func(err error) (Ticket, error) {
		return Ticket{}, fmt.Errorf("ticket store %s: issue %s ticket for matter %s on %s: %w", s.path, r.Prefix, r.Matter, t.Day, err)
	}

	// The store opens transactions with BEGIN IMMEDIATE: the write lock is
	// held from the sequence read to the commit, across processes too.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()

	err = tx.QueryRowContext(ctx,
		`SELECT coalesce(max(seq), 0) + 1 FROM tickets WHERE day = ? AND prefix = ?`,
		t.Day, t.Prefix).Scan(&t.Seq)
	if err != nil {
		return fail(err)
	}
	err = tx.QueryRowContext(ctx,
		`SELECT count(*) FROM tickets
		 WHERE day = ? AND matter = ? AND served IS NULL AND (? = 0 OR green = 1)`,
		t.Day, t.Matter, t.Green).Scan(&t.Ahead)
	if err != nil {
		return fail(err)
	}
	t.Number = number(t.Prefix, t.Seq)
	t.WaitMin = waitMinutes(t.Ahead, r.AvgMinutes, r.Counters)

	res, err := tx.ExecContext(ctx,
		`INSERT INTO tickets (day, prefix, seq, matter, green, lang, issued, ahead, wait_min)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Day, t.Prefix, t.Seq, t.Matter, t.Green, t.Lang, t.Issued.Format(time.RFC3339Nano), t.Ahead, t.WaitMin)
	if err != nil {
		return fail(err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return t, nil
}

// MarkPrinted records that ticket id came out of the printer.
func (s *Store) MarkPrinted(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tickets SET printed = 1 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("ticket store %s: mark ticket %d printed: %w", s.path, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ticket store %s: mark ticket %d printed: %w", s.path, id, err)
	}
	if n == 0 {
		return fmt.Errorf("ticket store %s: mark ticket %d printed: no such ticket", s.path, id)
	}
	return nil
}

// Unprinted returns the tickets issued but not printed, of any day, oldest
// first: after a restart or a paper jam these still owe the citizen a ticket.
func (s *Store) Unprinted(ctx context.Context) ([]Ticket, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, day, prefix, seq, matter, green, lang, issued, ahead, wait_min, printed
		 FROM tickets WHERE printed = 0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("ticket store %s: list unprinted tickets: %w", s.path, err)
	}
	defer rows.Close()
	var ts []Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("ticket store %s: list unprinted tickets: %w", s.path, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket store %s: list unprinted tickets: %w", s.path, err)
	}
	return ts, nil
}

func scanTicket(rows *sql.Rows) (Ticket, error) {
	var t Ticket
	var issued string
	err := rows.Scan(&t.ID, &t.Day, &t.Prefix, &t.Seq, &t.Matter, &t.Green, &t.Lang,
		&issued, &t.Ahead, &t.WaitMin, &t.Printed)
	if err != nil {
		return Ticket{}, err
	}
	if t.Issued, err = time.Parse(time.RFC3339Nano, issued); err != nil {
		return Ticket{}, fmt.Errorf("ticket %d: issue time: %w", t.ID, err)
	}
	t.Number = number(t.Prefix, t.Seq)
	return t, nil
}

// Waiting counts the people waiting for matter on the service day of now.
func (s *Store) Waiting(ctx context.Context, matter string, now time.Time, resetHour int) (int, error) {
	if err := validateResetHour(resetHour); err != nil {
		return 0, err
	}
	day := serviceDay(now, resetHour)
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM tickets WHERE day = ? AND matter = ? AND served IS NULL`,
		day, matter).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ticket store %s: count waiting for matter %s on %s: %w", s.path, matter, day, err)
	}
	return n, nil
}
