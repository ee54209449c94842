// Package servicepin guards the kiosk's service mode: it checks a PIN
// against the provisioned bcrypt hash and locks out after repeated wrong
// PINs. The lockout lives in an SQLite file in the data directory, so
// pulling the plug does not give a guesser five more tries.
package servicepin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/sqlitefile"
)

// Lockout policy: after Tries wrong PINs in a row the pad locks for
// FirstLock, and each further lock before a right PIN lasts twice as long
// as the one before, up to LongestLock.
const (
	Tries       = 5
	FirstLock   = 5 * time.Minute
	LongestLock = 24 * time.Hour
)

// PIN lengths the pad accepts.
const (
	MinDigits = 4
	MaxDigits = 8
)

var (
	// ErrNoPIN means no PIN hash was provisioned: service mode stays shut.
	ErrNoPIN = errors.New("no service PIN is configured")
	// ErrNotPINFile reports a file that is not a service PIN lockout file.
	ErrNotPINFile = errors.New("not a service PIN lockout file")
)

// Kind is the lockout file's SQLite kind.
var Kind = sqlitefile.Kind{
	What:          "service PIN lockout",
	ApplicationID: 0x6F74706E, // "otpn"
	Schema: `
CREATE TABLE lockout (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	failures INTEGER NOT NULL CHECK (failures >= 0),
	locks    INTEGER NOT NULL CHECK (locks >= 0),
	until    TEXT    NOT NULL
);
INSERT INTO lockout (id, failures, locks, until) VALUES (1, 0, 0, '');
`,
	Foreign: ErrNotPINFile,
}

// Verdict is the answer to one PIN.
type Verdict struct {
	OK     bool
	Locked bool      // the pad is locked (this PIN was not even checked, or it was the last try)
	Until  time.Time // when a lock ends
	Left   int       // tries left before the pad locks
}

// Store checks PINs and keeps the lockout. It is safe for concurrent use.
type Store struct {
	path string
	db   *sql.DB
	hash []byte
	now  func() time.Time
}

// Open opens (or creates) the lockout file at path for the PIN whose bcrypt
// hash is hash; an empty hash opens a store whose Check says ErrNoPIN. now
// is the clock (time.Now when nil).
func Open(path, hash string, now func() time.Time) (*Store, error) {
	if hash != "" {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("service PIN hash: not a bcrypt hash: %w", err)
		}
	}
	if now == nil {
		now = time.Now
	}
	db, err := sqlitefile.Open(path, Kind)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, db: db, hash: []byte(hash), now: now}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Configured reports whether a PIN was provisioned.
func (s *Store) Configured() bool { return len(s.hash) > 0 }

// Locked returns when the current lock ends, or the zero time.
func (s *Store) Locked() (time.Time, error) {
	st, err := s.read(context.Background(), s.db)
	if err != nil {
		return time.Time{}, err
	}
	if st.until.After(s.now()) {
		return st.until, nil
	}
	return time.Time{}, nil
}

// Check checks pin. While the pad is locked nothing is checked and nothing
// counts; a right PIN clears the count and the doubling.
func (s *Store) Check(pin string) (Verdict, error) {
	if !s.Configured() {
		return Verdict{}, ErrNoPIN
	}
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Verdict{}, fmt.Errorf("%s %s: %w", Kind.What, s.path, err)
	}
	defer tx.Rollback()
	st, err := s.read(ctx, tx)
	if err != nil {
		return Verdict{}, err
	}
	now := s.now()
	if st.until.After(now) {
		return Verdict{Locked: true, Until: st.until}, nil
	}
	var v Verdict
	if bcrypt.CompareHashAndPassword(s.hash, []byte(pin)) == nil {
		st.failures, st.locks, st.until = 0, 0, time.Time{}
		v.OK = true
	} else {
		st.failures++
		if st.failures >= Tries {
			st.locks++
			st.failures = 0
			st.until = now.Add(lockFor(st.locks))
			v.Locked, v.Until = true, st.until
		} else {
			v.Left = Tries - st.failures
		}
	}
	until := ""
	if !st.until.IsZero() {
		until = st.until.UTC().Format(time.RFC3339Nano)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE lockout SET failures = ?, locks = ?, until = ? WHERE id = 1",
		st.failures, st.locks, until); err != nil {
		return Verdict{}, fmt.Errorf("%s %s: %w", Kind.What, s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return Verdict{}, fmt.Errorf("%s %s: %w", Kind.What, s.path, err)
	}
	return v, nil
}

// lockFor is how long the n-th lock in a row lasts.
func lockFor(n int) time.Duration {
	d := FirstLock
	for i := 1; i < n && d < LongestLock; i++ {
		d *= 2
	}
	return min(d, LongestLock)
}

type state struct {
	failures, locks int
	until           time.Time
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) read(ctx context.Context, q querier) (state, error) {
	var st state
	var until string
	if err := q.QueryRowContext(ctx, "SELECT failures, locks, until FROM lockout WHERE id = 1").Scan(&st.failures, &st.locks, &until); err != nil {
		return st, fmt.Errorf("%s %s: %w", Kind.What, s.path, err)
	}
	if until != "" {
		t, err := time.Parse(time.RFC3339Nano, until)
		if err != nil {
			return st, fmt.Errorf("%s %s: lock end %q: %w", Kind.What, s.path, until, err)
		}
		st.until = t
	}
	return st, nil
}

// Hash returns the bcrypt hash of pin for the provisioning file, after
// checking that it is MinDigits to MaxDigits digits.
func Hash(pin string) (string, error) {
	if err := Valid(pin); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("service PIN: %w", err)
	}
	return string(h), nil
}

// Valid checks that pin is MinDigits to MaxDigits decimal digits.
func Valid(pin string) error {
	if len(pin) < MinDigits || len(pin) > MaxDigits {
		return fmt.Errorf("service PIN: %d digits; it must have %d to %d", len(pin), MinDigits, MaxDigits)
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return fmt.Errorf("service PIN: %q is not a digit; only 0-9 are on the pad", c)
		}
	}
	return nil
}
