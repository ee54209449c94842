// Package ticket is the kiosk's durable ticket store: it numbers tickets per
// prefix and service day and commits each one to SQLite before the number is
// shown or printed, so a power cut never hands the same number out twice.
//
// Tickets carry no personal data: no name, no ID number.
package ticket

import (
	"database/sql"
	"errors"
	"fmt"
	"onetrip/firmware/sqlitefile"
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

// applicationID marks the file as ours in the SQLite header ("otkt").
const applicationID = 0x6F746B74

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

// kind is the ticket store as an SQLite file.
var kind = sqlitefile.Kind{
	What: "ticket store", ApplicationID: applicationID, Schema: schema, Migrations: migrations, Foreign: ErrNotTicketStore,
}

// Open opens the ticket store at path, creating the file and its schema on
// first use and upgrading one written by older firmware. A file that is not
// a ticket store gives an error wrapping ErrNotTicketStore and naming the path.
func Open(path string) (*Store, error) {
	db, err := sqlitefile.Open(path, kind)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, db: db}, nil
}

// Close closes the store. Every issued ticket is already on disk.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("ticket store %s: close: %w", s.path, err)
	}
	return nil
}
