// Package ticket is the kiosk's durable ticket store: it numbers tickets per
// prefix and service day and commits each one to SQLite before the number is
// shown or printed, so a power cut never hands the same number out twice.
//
// Tickets carry no personal data: no name, no ID number.
package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotTicketStore reports a file that is not a ticket store: not SQLite at
// all, or an SQLite database written by something else.
var ErrNotTicketStore = errors.New("not a ticket store")

// Store is an open ticket store. Its methods are safe for concurrent use; other
// processes may open the same file and never get the same number.
type Store struct {
	path string
	db   *sql.DB
}

const (
	// applicationID marks the file as ours in the SQLite header ("otkt").
	applicationID = 0x6F746B74
	// schemaVersion is the PRAGMA user_version this code reads and writes.
	schemaVersion = 2
	// busyTimeout bounds how long a write waits for another process.
	busyTimeout = 5 * time.Second
)

// schema is version 1: the number is prefix and seq, unique per service day.
const schema = `
CREATE TABLE tickets (
	id       INTEGER PRIMARY KEY,
	day      TEXT    NOT NULL,
	prefix   TEXT    NOT NULL CHECK (length(prefix) = 1 AND prefix BETWEEN 'A' AND 'Z'),
	seq      INTEGER NOT NULL CHECK (seq >= 1),
	matter   TEXT    NOT NULL CHECK (matter <> ''),
	green    INTEGER NOT NULL CHECK (green IN (0, 1)),
	lang     TEXT    NOT NULL,
	issued   TEXT    NOT NULL,
	ahead    INTEGER NOT NULL,
	wait_min INTEGER NOT NULL,
	printed  INTEGER NOT NULL DEFAULT 0 CHECK (printed IN (0, 1)),
	served   TEXT,
	UNIQUE (day, prefix, seq)
);
CREATE INDEX tickets_unprinted ON tickets (id) WHERE printed = 0;
`

// migrations[i] takes the schema from version i+1 to i+2. Version 2 knows
// the hall bus: the phone token, what was known of the queue, tickets
// numbered offline from leased blocks and whether the bus has them.
var migrations = []string{`
ALTER TABLE tickets ADD COLUMN token       TEXT    NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN ahead_known INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN wait_known  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN approx      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN offline     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN synced      INTEGER NOT NULL DEFAULT 1;
CREATE INDEX tickets_unsynced ON tickets (id) WHERE synced = 0;
CREATE TABLE leases (
	day    TEXT    NOT NULL,
	prefix TEXT    NOT NULL,
	first  INTEGER NOT NULL CHECK (first >= 1),
	count  INTEGER NOT NULL CHECK (count >= 1),
	used   INTEGER NOT NULL DEFAULT 0 CHECK (used BETWEEN 0 AND count),
	PRIMARY KEY (day, prefix, first)
);
`}

// Open opens the ticket store at path, creating the file and its schema on
// first use. A file that is not a ticket store gives an error wrapping
// ErrNotTicketStore and naming the path.
func Open(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("ticket store %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("ticket store %s: %w", path, err)
	}
	// One connection: one writer in this process, and BEGIN IMMEDIATE
	// with the busy timeout orders writers across processes.
	db.SetMaxOpenConns(1)
	s := &Store{path: path, db: db}
	if err := s.prepare(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn is the driver's name for the file at abs: a file: URI (so any byte in
// the path survives) with the pragmas every connection needs. WAL mode is
// set by prepare, once the file is known to be ours.
func dsn(abs string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// prepare checks that the file is a ticket store of a version this code
// understands, creating the schema in an empty file, then switches it to WAL.
// A foreign file is left as it was.
func (s *Store) prepare(ctx context.Context) error {
	if err := s.checkSchema(ctx); err != nil {
		return err
	}
	return s.setWAL(ctx)
}

// checkSchema creates the schema in an empty file and rejects files that are
// not ticket stores or are newer than this code.
func (s *Store) checkSchema(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.openError(err)
	}
	defer tx.Rollback()

	var appID, version, objects int
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return s.openError(err)
	}
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.openError(err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return s.openError(err)
	}
	switch {
	case appID == applicationID && version == schemaVersion:
		return nil
	case appID == applicationID && version >= 1 && version < schemaVersion:
		return s.migrate(ctx, tx, version)
	case appID == applicationID && version > schemaVersion:
		return fmt.Errorf("ticket store %s: schema version %d is newer than this firmware's %d", s.path, version, schemaVersion)
	case appID != 0 || objects > 0:
		return fmt.Errorf("ticket store %s: %w (application id %#x, user version %d, %d schema objects)",
			s.path, ErrNotTicketStore, appID, version, objects)
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("ticket store %s: create schema: %w", s.path, err)
	}
	for _, m := range migrations {
		if _, err := tx.ExecContext(ctx, m); err != nil {
			return fmt.Errorf("ticket store %s: create schema: %w", s.path, err)
		}
	}
	stamp := fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, schemaVersion)
	if _, err := tx.ExecContext(ctx, stamp); err != nil {
		return fmt.Errorf("ticket store %s: stamp schema: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ticket store %s: create schema: %w", s.path, err)
	}
	return nil
}

// migrate brings a store written by older firmware up to this version,
// keeping every ticket.
func (s *Store) migrate(ctx context.Context, tx *sql.Tx, from int) error {
	for v := from; v < schemaVersion; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("ticket store %s: upgrade schema %d to %d: %w", s.path, v, v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("ticket store %s: upgrade schema: %w", s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ticket store %s: upgrade schema: %w", s.path, err)
	}
	return nil
}

// openError names the path and says plainly when the file is not SQLite.
func (s *Store) openError(err error) error {
	if resultCode(err) == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("ticket store %s: %w (not an SQLite database): %w", s.path, ErrNotTicketStore, err)
	}
	return fmt.Errorf("ticket store %s: %w", s.path, err)
}

// setWAL switches the file to WAL mode. SQLite answers busy at once, without
// its busy timeout, when another process holds the file during the switch
// (two kiosk processes opening a new store), so the switch is retried.
func (s *Store) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		switch {
		case err == nil && mode == "wal":
			return nil
		case err == nil:
			return fmt.Errorf("ticket store %s: journal mode is %q, want wal", s.path, mode)
		case resultCode(err) != sqlite3.SQLITE_BUSY || time.Now().After(deadline):
			return fmt.Errorf("ticket store %s: set WAL mode: %w", s.path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// resultCode is SQLite's primary result code in err, or 0.
func resultCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

// Close closes the store. Every issued ticket is already on disk.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("ticket store %s: close: %w", s.path, err)
	}
	return nil
}
