// Package sqlitefiletest checks, for the tests of the packages that keep an
// SQLite file, that their own connections run under what sqlitefile sets.
package sqlitefiletest

import (
	"context"
	"database/sql"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"onetrip/firmware/sqlitefile"
)

// CheckPragmas asserts, through db's own pool, WAL, synchronous FULL (a
// commit survives a power cut), the busy timeout, foreign keys and the
// file's identity as kind k.
func CheckPragmas(t testing.TB, db *sql.DB, k sqlitefile.Kind) {
	t.Helper()
	for _, p := range []struct {
		pragma string
		want   any
	}{
		{"journal_mode", "wal"},
		{"synchronous", int64(2)}, // FULL
		{"busy_timeout", sqlitefile.BusyTimeout.Milliseconds()},
		{"foreign_keys", int64(1)},
		{"application_id", int64(k.ApplicationID)},
		{"user_version", int64(k.Version())},
	} {
		var got any
		if err := db.QueryRowContext(context.Background(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
			t.Fatalf("%s: PRAGMA %s: %v", k.What, p.pragma, err)
		}
		if b, ok := got.([]byte); ok {
			got = string(b)
		}
		if got != p.want {
			t.Errorf("%s: PRAGMA %s = %v (%T), want %v", k.What, p.pragma, got, got, p.want)
		}
	}
}

// CheckBeginImmediate asserts that db's transactions take the write lock at
// BEGIN: while one is open, another writer on the file at path is refused.
func CheckBeginImmediate(t testing.TB, db *sql.DB, path, what string) {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := sql.Open("sqlite", "file:"+path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err = other.Exec("BEGIN IMMEDIATE"); sqlitefile.ResultCode(err) != sqlite3.SQLITE_BUSY {
		other.Exec("ROLLBACK")
		t.Fatalf("another writer began while the %s's transaction was open (err %v): its BEGIN is not IMMEDIATE", what, err)
	}
}
