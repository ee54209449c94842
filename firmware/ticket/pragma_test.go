package ticket

import (
	"database/sql"
	"fmt"
	"onetrip/firmware/sqlitefile/sqlitefiletest"
	"path/filepath"
	"testing"
	"time"
)

func TestStoreConnectionsHaveTheirPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	for _, when := range []string{"new file", "reopened"} {
		t.Run(when, func(t *testing.T) {
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sqlitefiletest.CheckPragmas(t, s.db, kind)
			// Synchronous, the busy timeout and foreign keys are per
			// connection: a connection the pool opens later (after the first
			// was dropped) must have them too, not only the one Open used.
			s.db.SetMaxIdleConns(0)
			sqlitefiletest.CheckPragmas(t, s.db, kind)
			issue(t, s, request("invoice", "K", time.Now()))
			sqlitefiletest.CheckPragmas(t, s.db, kind)
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
	sqlitefiletest.CheckPragmas(t, s.db, kind)
}

// Transactions begin IMMEDIATE: a kiosk that starts issuing holds the write
// lock from its first statement, so two processes never both read the same
// last number and then race to write it.
func TestStoreTransactionsBeginImmediate(t *testing.T) {
	s, path := openTemp(t)
	sqlitefiletest.CheckBeginImmediate(t, s.db, path, "ticket store")
}
