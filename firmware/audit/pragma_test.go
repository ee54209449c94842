package audit

import (
	"context"
	"database/sql"
	"onetrip/firmware/sqlitefile"
	"path/filepath"
	"strings"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"
)

// checkTrailPragmas asserts, through the trail's own pool, the settings the
// trail is written under: WAL (a replay reads while the kiosk writes),
// synchronous FULL (what the trail says happened is on disk), the busy
// timeout, foreign keys (entries belong to a session), and the file's
// identity.
func checkTrailPragmas(t *testing.T, db *sql.DB) {
	t.Helper()
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
		if err := db.QueryRowContext(context.Background(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
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

func TestTrailConnectionsHaveTheirPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	for _, when := range []string{"new file", "reopened"} {
		t.Run(when, func(t *testing.T) {
			tr, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			checkTrailPragmas(t, tr.db)
			// These pragmas are per connection: one the pool opens later
			// must have them too, not only the one Open used.
			tr.db.SetMaxIdleConns(0)
			checkTrailPragmas(t, tr.db)
		})
	}
}

// An entry of no session is refused: the foreign key is enforced on the
// trail's connection.
func TestTrailRefusesAnEntryOfNoSession(t *testing.T) {
	tr, err := Open(filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	_, err = tr.db.Exec(`INSERT INTO entries (session, seq, time, kind, screen) VALUES (42, 1, 'x', 'tap', 'attract')`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("an entry of session 42, which does not exist: %v, want a foreign key failure", err)
	}
}

// Transactions begin IMMEDIATE, like the ticket store's.
func TestTrailTransactionsBeginImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	tr, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tx, err := tr.db.BeginTx(context.Background(), nil)
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
		t.Fatalf("another writer began while the trail's transaction was open (err %v): the trail's BEGIN is not IMMEDIATE", err)
	}
}
