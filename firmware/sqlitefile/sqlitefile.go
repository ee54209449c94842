// Package sqlitefile opens the SQLite files in which onetrip keeps what must
// not be lost (the ticket store, the audit trail): every commit synchronous,
// writers ordered across processes, the file stamped as ours and checked
// before anything is written, created or upgraded in place, and in WAL mode.
package sqlitefile

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

// BusyTimeout bounds how long a write waits for another process.
const BusyTimeout = 5 * time.Second

// Kind is one kind of file.
type Kind struct {
	What          string // the file in errors: "ticket store"
	ApplicationID int    // PRAGMA application_id: whose file it is
	Schema        string // version 1
	// Migrations[i] takes the schema from version i+1 to i+2; the file's
	// version is len(Migrations)+1.
	Migrations []string
	// Foreign is wrapped by the error for a file of another kind.
	Foreign error
}

// Version is the schema version this code reads and writes.
func (k Kind) Version() int { return len(k.Migrations) + 1 }

// Open opens path as a file of kind k, with one connection: one writer in
// this process, and BEGIN IMMEDIATE with the busy timeout orders writers
// across processes. A foreign file, or one written by newer firmware, is
// refused and left as it was.
func Open(path string, k Kind) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", k.What, path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", k.What, path, err)
	}
	db.SetMaxOpenConns(1)
	f := file{k, path, db}
	ctx := context.Background()
	if err := f.checkSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := f.setWAL(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dsn is the driver's name for the file at abs: a file: URI (so any byte in
// the path survives) with the pragmas every connection needs. WAL mode is
// set once the file is known to be ours.
func dsn(abs string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds()))
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

type file struct {
	Kind
	path string
	db   *sql.DB
}

// checkSchema creates the schema in an empty file, upgrades an older one
// and refuses files of another kind or a newer version.
func (f file) checkSchema(ctx context.Context) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return f.openError(err)
	}
	defer tx.Rollback()
	var appID, version, objects int
	for _, q := range []struct {
		sql string
		v   *int
	}{
		{"PRAGMA application_id", &appID},
		{"PRAGMA user_version", &version},
		{"SELECT count(*) FROM sqlite_schema", &objects},
	} {
		if err := tx.QueryRowContext(ctx, q.sql).Scan(q.v); err != nil {
			return f.openError(err)
		}
	}
	switch {
	case appID == f.ApplicationID && version == f.Version():
		return nil
	case appID == f.ApplicationID && version > f.Version():
		return fmt.Errorf("%s %s: schema version %d is newer than this firmware's %d", f.What, f.path, version, f.Version())
	case appID == f.ApplicationID && version >= 1:
		for v := version; v < f.Version(); v++ {
			if _, err := tx.ExecContext(ctx, f.Migrations[v-1]); err != nil {
				return fmt.Errorf("%s %s: upgrade schema %d to %d: %w", f.What, f.path, v, v+1, err)
			}
		}
	case appID != 0 || objects > 0:
		return fmt.Errorf("%s %s: %w (application id %#x, user version %d, %d schema objects)",
			f.What, f.path, f.Foreign, appID, version, objects)
	default:
		if _, err := tx.ExecContext(ctx, f.Schema); err != nil {
			return fmt.Errorf("%s %s: create schema: %w", f.What, f.path, err)
		}
		for _, m := range f.Migrations {
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return fmt.Errorf("%s %s: create schema: %w", f.What, f.path, err)
			}
		}
	}
	stamp := fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", f.ApplicationID, f.Version())
	if _, err := tx.ExecContext(ctx, stamp); err != nil {
		return fmt.Errorf("%s %s: stamp schema: %w", f.What, f.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s %s: create schema: %w", f.What, f.path, err)
	}
	return nil
}

// openError names the path and says plainly when the file is not SQLite.
func (f file) openError(err error) error {
	if ResultCode(err) == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("%s %s: %w (not an SQLite database): %w", f.What, f.path, f.Foreign, err)
	}
	return fmt.Errorf("%s %s: %w", f.What, f.path, err)
}

// setWAL switches the file to WAL mode. SQLite answers busy at once, without
// its busy timeout, when another process holds the file during the switch
// (two processes opening a new file), so the switch is retried.
func (f file) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(BusyTimeout)
	for {
		var mode string
		err := f.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		switch {
		case err == nil && mode == "wal":
			return nil
		case err == nil:
			return fmt.Errorf("%s %s: journal mode is %q, want wal", f.What, f.path, mode)
		case ResultCode(err) != sqlite3.SQLITE_BUSY || time.Now().After(deadline):
			return fmt.Errorf("%s %s: set WAL mode: %w", f.What, f.path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ResultCode is SQLite's primary result code in err, or 0.
func ResultCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}
