package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"onetrip/firmware/sqlitefile"
	"path/filepath"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// checkPragmas asserts, through the store's own pool, the settings every
// ticket is written under: WAL (readers never block the issuing kiosk),
// synchronous FULL (a committed ticket survives a power cut, so its number
// is never handed out again), the busy timeout (another process's write is
// waited for, not failed), foreign keys, and the file's identity.
func checkPragmas(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []struct {
		pragma string
		want   any
	}{
		{"journal_mode", "wal"},
		{"synchronous", int64(2)}, // FULL
		{"busy_timeout", sqlitefile.BusyTimeout.Milliseconds()},
		{"foreign_keys", int64(1)},
		{"application_id", int64(applicationID)},
		{"user_version", int64(kind.Version())},
	} {
		var got any
		if err := db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", p.pragma, err)
		}
		if b, ok := got.([]byte); ok {
			got = string(b)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %v (%T), want %v", p.pragma, got, got, p.want)
		}
	}
}

func TestStoreConnectionsHaveTheirPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	for _, when := range []string{"new file", "reopened"} {
		t.Run(when, func(t *testing.T) {
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			checkPragmas(t, s.db)
			// Synchronous, the busy timeout and foreign keys are per
			// connection: a connection the pool opens later (after the first
			// was dropped) must have them too, not only the one Open used.
			s.db.SetMaxIdleConns(0)
			checkPragmas(t, s.db)
			issue(t, s, request("invoice", "K", time.Now()))
			checkPragmas(t, s.db)
		})
	}
}

// A file written by older firmware (rollback journal) is in WAL once opened.
func TestVersion1StoreUpgradedHasItsPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(schema + fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = 1;", applicationID)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkPragmas(t, s.db)
}

// Transactions begin IMMEDIATE: a kiosk that starts issuing holds the write
// lock from its first statement, so two processes never both read the same
// last number and then race to write it.
func TestStoreTransactionsBeginImmediate(t *testing.T) {
	s, path := openTemp(t)
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := sql.Open("sqlite", "file:"+path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Exec("BEGIN IMMEDIATE")
	if sqlitefile.ResultCode(err) != sqlite3.SQLITE_BUSY {
		other.Exec("ROLLBACK")
		t.Fatalf("another writer began while the store's transaction was open (err %v): the store's BEGIN is not IMMEDIATE", err)
	}
}
