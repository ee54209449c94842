package audit

import (
	"onetrip/firmware/sqlitefile/sqlitefiletest"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrailConnectionsHaveTheirPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.db")
	for _, when := range []string{"new file", "reopened"} {
		t.Run(when, func(t *testing.T) {
			tr, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			sqlitefiletest.CheckPragmas(t, tr.db, kind)
			// These pragmas are per connection: one the pool opens later
			// must have them too, not only the one Open used.
			tr.db.SetMaxIdleConns(0)
			sqlitefiletest.CheckPragmas(t, tr.db, kind)
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
	sqlitefiletest.CheckBeginImmediate(t, tr.db, path, "audit trail")
}
