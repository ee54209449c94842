package ticket

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
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
	Token   string // the phone page's unguessable key
	Printed bool

	// What the kiosk knew of the queue when it issued the ticket. A
	// standalone kiosk knows nothing of it: nothing there calls tickets.
	Ahead      int
	AheadKnown bool
	WaitMin    int
	WaitKnown  bool
	Approx     bool // estimated while the hall bus was away

	Offline bool // numbered from a lease while the hall bus was away
	Synced  bool // the hall bus has it (always true for standalone and online tickets)
}

// Request asks for a ticket for one matter.
type Request struct {
	Matter, Prefix string
	Green          bool
	Lang           string
	Now            time.Time
	ResetHour      int // daily reset hour (local time of Now), 0-23
}

// validate says what is wrong with r, if anything.
func (r Request) validate() error {
	switch {
	case r.Matter == "":
		return errors.New("ticket request: matter is empty")
	case len(r.Prefix) != 1 || r.Prefix[0] < 'A' || r.Prefix[0] > 'Z':
		return fmt.Errorf("ticket request for matter %s: prefix %q is not one uppercase letter A-Z", r.Matter, r.Prefix)
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

// Day is the service day of r.
func (r Request) Day() string { return ServiceDay(r.Now, r.ResetHour) }

// ServiceDay is the calendar date of now minus resetHour hours: before the
// reset hour a ticket still belongs to the previous day.
func ServiceDay(now time.Time, resetHour int) string {
	return now.Add(-time.Duration(resetHour) * time.Hour).Format(time.DateOnly)
}

// number formats a ticket number: the prefix and at least three digits.
func number(prefix string, seq int) string {
	return fmt.Sprintf("%s%03d", prefix, seq)
}

// NewToken returns a fresh phone-page key: 128 random bits, URL-safe.
func NewToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Issue gives the next number for r's prefix on its service day and commits
// the ticket before returning, so the number may be shown and printed. This
// is the standalone kiosk's numbering; on a hall bus numbers come from the
// bus (Record) or from a lease (IssueLeased).
func (s *Store) Issue(ctx context.Context, r Request) (Ticket, error) {
	if err := r.validate(); err != nil {
		return Ticket{}, err
	}
	t := r.ticket()
	t.Synced = true
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
	t.Number = number(t.Prefix, t.Seq)
	if err := insert(ctx, tx, &t); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return t, nil
}

func (r Request) ticket() Ticket {
	return Ticket{Day: r.Day(), Prefix: r.Prefix, Matter: r.Matter, Green: r.Green, Lang: r.Lang, Issued: r.Now, Token: NewToken()}
}

// Record commits a ticket numbered elsewhere (by the hall bus) so that it is
// printed even after a power cut; t.ID is set.
func (s *Store) Record(ctx context.Context, t Ticket) (Ticket, error) {
	t.Number = number(t.Prefix, t.Seq)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket store %s: record %s: %w", s.path, t.Number, err)
	}
	defer tx.Rollback()
	if err := insert(ctx, tx, &t); err != nil {
		return Ticket{}, fmt.Errorf("ticket store %s: record %s: %w", s.path, t.Number, err)
	}
	if err := tx.Commit(); err != nil {
		return Ticket{}, fmt.Errorf("ticket store %s: record %s: %w", s.path, t.Number, err)
	}
	return t, nil
}

func insert(ctx context.Context, tx *sql.Tx, t *Ticket) error {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO tickets (day, prefix, seq, matter, green, lang, issued, ahead, wait_min,
		   token, ahead_known, wait_known, approx, offline, synced)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Day, t.Prefix, t.Seq, t.Matter, t.Green, t.Lang, t.Issued.Format(time.RFC3339Nano), t.Ahead, t.WaitMin,
		t.Token, t.AheadKnown, t.WaitKnown, t.Approx, t.Offline, t.Synced)
	if err != nil {
		return err
	}
	t.ID, err = res.LastInsertId()
	return err
}

// ErrNoLease means the kiosk holds no unused leased number for the prefix
// today: offline, it cannot number a ticket without risking a collision.
var ErrNoLease = errors.New("no leased number left")

// AddLease keeps a block of numbers the hall bus reserved for this kiosk.
func (s *Store) AddLease(ctx context.Context, day, prefix string, first, count int) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT OR IGNORE INTO leases (day, prefix, first, count) VALUES (?, ?, ?, ?)`, day, prefix, first, count)
	if err != nil {
		return fmt.Errorf("ticket store %s: keep lease %s%d+%d on %s: %w", s.path, prefix, first, count, day, err)
	}
	return nil
}

// Leased counts the unused leased numbers of prefix on day.
func (s *Store) Leased(ctx context.Context, day, prefix string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT coalesce(sum(count - used), 0) FROM leases WHERE day = ? AND prefix = ?`, day, prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ticket store %s: count leased numbers: %w", s.path, err)
	}
	return n, nil
}

// IssueLeased numbers a ticket from the kiosk's leases while the hall bus
// is away, in one transaction with taking the number: each leased number is
// used once. The ticket waits to be synced.
func (s *Store) IssueLeased(ctx context.Context, r Request, ahead, waitMin int, waitKnown bool) (Ticket, error) {
	if err := r.validate(); err != nil {
		return Ticket{}, err
	}
	t := r.ticket()
	t.Offline, t.Ahead, t.AheadKnown, t.WaitMin, t.WaitKnown, t.Approx = true, ahead, true, waitMin, waitKnown, true
	fail := func(err error) (Ticket, error) {
		return Ticket{}, fmt.Errorf("ticket store %s: issue offline %s ticket on %s: %w", s.path, r.Prefix, t.Day, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	var first, used int
	err = tx.QueryRowContext(ctx,
		`SELECT first, used FROM leases WHERE day = ? AND prefix = ? AND used < count ORDER BY first DESC LIMIT 1`,
		t.Day, t.Prefix).Scan(&first, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return fail(ErrNoLease)
	}
	if err != nil {
		return fail(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE leases SET used = used + 1 WHERE day = ? AND prefix = ? AND first = ?`,
		t.Day, t.Prefix, first); err != nil {
		return fail(err)
	}
	t.Seq = first + used
	t.Number = number(t.Prefix, t.Seq)
	if err := insert(ctx, tx, &t); err != nil {
		return fail(err)
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return t, nil
}

// Unsynced returns the offline tickets the hall bus does not have yet, oldest first.
func (s *Store) Unsynced(ctx context.Context) ([]Ticket, error) {
	return s.list(ctx, "list unsynced tickets", `synced = 0`)
}

// MarkSynced records that the hall bus has ticket id.
func (s *Store) MarkSynced(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE tickets SET synced = 1 WHERE id = ?`, id); err != nil {
		return fmt.Errorf("ticket store %s: mark ticket %d synced: %w", s.path, id, err)
	}
	return nil
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
	return s.list(ctx, "list unprinted tickets", `printed = 0`)
}

func (s *Store) list(ctx context.Context, what, where string) ([]Ticket, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, day, prefix, seq, matter, green, lang, issued, ahead, wait_min, printed,
		   token, ahead_known, wait_known, approx, offline, synced
		 FROM tickets WHERE `+where+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("ticket store %s: %s: %w", s.path, what, err)
	}
	defer rows.Close()
	var ts []Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("ticket store %s: %s: %w", s.path, what, err)
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticket store %s: %s: %w", s.path, what, err)
	}
	return ts, nil
}

func scanTicket(rows *sql.Rows) (Ticket, error) {
	var t Ticket
	var issued string
	err := rows.Scan(&t.ID, &t.Day, &t.Prefix, &t.Seq, &t.Matter, &t.Green, &t.Lang,
		&issued, &t.Ahead, &t.WaitMin, &t.Printed,
		&t.Token, &t.AheadKnown, &t.WaitKnown, &t.Approx, &t.Offline, &t.Synced)
	if err != nil {
		return Ticket{}, err
	}
	if t.Issued, err = time.Parse(time.RFC3339Nano, issued); err != nil {
		return Ticket{}, fmt.Errorf("ticket %d: issue time: %w", t.ID, err)
	}
	t.Number = number(t.Prefix, t.Seq)
	return t, nil
}
