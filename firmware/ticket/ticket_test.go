package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// beijing is the halls' time zone; a fixed zone keeps tests free of tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

func at(day string, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, beijing)
	if err != nil {
		panic(err)
	}
	return t
}

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tickets.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// request is a valid request for matter with prefix at now; tests change what they need.
func request(matter, prefix string, now time.Time) Request {
	return Request{Matter: matter, Prefix: prefix, Lang: "zh-CN", Now: now, ResetHour: 6}
}

func issue(t testing.TB, s *Store, r Request) Ticket {
	t.Helper()
	tk, err := s.Issue(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestIssueNumbersPerPrefix(t *testing.T) {
	s, _ := openTemp(t)
	now := at("2024-05-06", "09:00")
	steps := []struct{ matter, prefix, want string }{
		{"hukou", "A", "A001"},
		{"hukou", "A", "A002"},
		{"tax", "B", "B001"},
		{"passport", "A", "A003"}, // another matter sharing prefix A continues its sequence
		{"tax", "B", "B002"},
	}
	for _, st := range steps {
		tk := issue(t, s, request(st.matter, st.prefix, now))
		if tk.Number != st.want || tk.Prefix != st.prefix || tk.Matter != st.matter || tk.Day != "2024-05-06" {
			t.Errorf("issue %s/%s = %s %s/%s day %s, want %s on 2024-05-06",
				st.matter, st.prefix, tk.Number, tk.Matter, tk.Prefix, tk.Day, st.want)
		}
	}
}

func TestIssueResetsAtResetHour(t *testing.T) {
	s, _ := openTemp(t)
	steps := []struct {
		now       time.Time
		resetHour int
		day, want string
	}{
		{at("2024-05-06", "09:00"), 6, "2024-05-06", "A001"},
		{at("2024-05-06", "23:59"), 6, "2024-05-06", "A002"},
		{at("2024-05-07", "05:59"), 6, "2024-05-06", "A003"}, // still the 6th's service day
		{at("2024-05-07", "06:00"), 6, "2024-05-07", "A001"},
		{at("2024-05-07", "06:01"), 6, "2024-05-07", "A002"},
		{at("2024-05-08", "00:00"), 0, "2024-05-08", "A001"},
	}
	for _, st := range steps {
		r := request("hukou", "A", st.now)
		r.ResetHour = st.resetHour
		tk := issue(t, s, r)
		if tk.Day != st.day || tk.Number != st.want {
			t.Errorf("issue at %s (reset %d) = %s on %s, want %s on %s",
				st.now.Format(time.DateTime), st.resetHour, tk.Number, tk.Day, st.want, st.day)
		}
	}
}

func TestIssueGoesPastA999(t *testing.T) {
	s, _ := openTemp(t)
	r := request("hukou", "A", at("2024-05-06", "09:00"))
	numbers := map[int]string{}
	for range 1001 {
		tk := issue(t, s, r)
		numbers[tk.Seq] = tk.Number
	}
	for seq, want := range map[int]string{1: "A001", 999: "A999", 1000: "A1000", 1001: "A1001"} {
		if numbers[seq] != want {
			t.Errorf("ticket %d is numbered %q, want %s", seq, numbers[seq], want)
		}
	}
}

func TestMarkPrintedAndUnprinted(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	a := issue(t, s, request("hukou", "A", at("2024-05-06", "09:00")))
	b := issue(t, s, request("tax", "B", at("2024-05-06", "09:01")))
	c := issue(t, s, request("hukou", "A", at("2024-05-07", "09:00")))

	if err := s.MarkPrinted(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unprinted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Ticket{a, c}
	if len(got) != len(want) {
		t.Fatalf("Unprinted = %d tickets %v, want %s and %s", len(got), got, a.Number, c.Number)
	}
	for i := range want {
		if !sameTicket(got[i], want[i]) {
			t.Errorf("Unprinted[%d] = %+v\nwant %+v", i, got[i], want[i])
		}
	}

	if err := s.MarkPrinted(ctx, 999); err == nil || !strings.Contains(err.Error(), "no such ticket") {
		t.Errorf("MarkPrinted(999) = %v, want a no such ticket error", err)
	}
}

func sameTicket(a, b Ticket) bool {
	issuedA, issuedB := a.Issued, b.Issued
	a.Issued, b.Issued = time.Time{}, time.Time{}
	return a == b && issuedA.Equal(issuedB)
}

func TestIssueRejectsBadRequests(t *testing.T) {
	s, _ := openTemp(t)
	good := request("hukou", "A", at("2024-05-06", "09:00"))
	cases := []struct {
		name    string
		change  func(*Request)
		mention string
	}{
		{"empty matter", func(r *Request) { r.Matter = "" }, "matter is empty"},
		{"lowercase prefix", func(r *Request) { r.Prefix = "a" }, `prefix "a"`},
		{"two-letter prefix", func(r *Request) { r.Prefix = "AB" }, `prefix "AB"`},
		{"empty prefix", func(r *Request) { r.Prefix = "" }, `prefix ""`},
		{"reset hour 24", func(r *Request) { r.ResetHour = 24 }, "reset hour 24"},
		{"negative reset hour", func(r *Request) { r.ResetHour = -1 }, "reset hour -1"},
		{"no time", func(r *Request) { r.Now = time.Time{} }, "time is not set"},
	}
	for _, c := range cases {
		r := good
		c.change(&r)
		_, err := s.Issue(context.Background(), r)
		if err == nil || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: Issue error = %v, want one mentioning %q", c.name, err, c.mention)
		}
	}
	if tk := issue(t, s, good); tk.Number != "A001" {
		t.Errorf("first good ticket after rejected requests is %s, want A001", tk.Number)
	}
}

func TestTicketsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	now := at("2024-05-06", "09:00")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	first := issue(t, s, request("hukou", "A", now))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if tk := issue(t, s, request("hukou", "A", now)); tk.Number != "A002" || tk.AheadKnown || tk.WaitKnown {
		t.Errorf("after reopen: issued %s (ahead known %v, wait known %v), want A002 with no invented queue figures", tk.Number, tk.AheadKnown, tk.WaitKnown)
	}
	got, err := s.Unprinted(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !sameTicket(got[0], first) {
		t.Errorf("after reopen Unprinted = %+v, want %+v first of 2", got, first)
	}
}

func TestOpenRejectsForeignFiles(t *testing.T) {
	dir := t.TempDir()

	text := filepath.Join(dir, "notes.txt")
	content := []byte(strings.Repeat("this is a technician's note, not a database\n", 100))
	if err := os.WriteFile(text, content, 0o644); err != nil {
		t.Fatal(err)
	}

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE audit (at TEXT, what TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, path := range []string{text, other} {
		s, err := Open(path)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", path)
			continue
		}
		if !errors.Is(err, ErrNotTicketStore) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s) = %v, want ErrNotTicketStore naming the path", path, err)
		}
	}
	if after, err := os.ReadFile(text); err != nil || string(after) != string(content) {
		t.Errorf("opening a text file as a ticket store changed it (read error %v)", err)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, kind.Version()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a store from newer firmware succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open = %v, want an error naming the path and the newer schema", err)
	}
}

func BenchmarkIssue(b *testing.B) {
	s, _ := openTemp(b)
	r := request("hukou", "A", at("2024-05-06", "09:00"))
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Issue(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// Offline, a kiosk numbers tickets only from its leases, each number once,
// and they wait to be synced; with no lease left it refuses rather than guess.
func TestLeasedTicketsAreNumberedOnceAndWaitForSync(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	r := request("hukou", "A", at("2024-05-06", "09:00"))
	if _, err := s.IssueLeased(ctx, r, 0, 0, false); !errors.Is(err, ErrNoLease) {
		t.Fatalf("offline issue without a lease: %v, want ErrNoLease", err)
	}
	if err := s.AddLease(ctx, r.Day(), "A", 9998, 2); err != nil {
		t.Fatal(err)
	}
	a, err := s.IssueLeased(ctx, r, 3, 12, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.IssueLeased(ctx, r, 4, 16, true)
	if err != nil {
		t.Fatal(err)
	}
	if a.Number != "A9998" || b.Number != "A9999" || !a.Offline || a.Synced || !a.Approx || a.Ahead != 3 {
		t.Fatalf("leased tickets %+v and %+v: want A9998 and A9999, offline, unsynced, approximate", a, b)
	}
	if _, err := s.IssueLeased(ctx, r, 0, 0, false); !errors.Is(err, ErrNoLease) {
		t.Fatalf("third offline issue from a lease of two: %v, want ErrNoLease", err)
	}
	un, err := s.Unsynced(ctx)
	if err != nil || len(un) != 2 || un[0].Token != a.Token {
		t.Fatalf("Unsynced = %+v, %v; want both, oldest first", un, err)
	}
	if err := s.MarkSynced(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if un, _ := s.Unsynced(ctx); len(un) != 1 || un[0].Number != "A9999" {
		t.Fatalf("after syncing A9998, Unsynced = %+v", un)
	}
	if n, _ := s.Leased(ctx, r.Day(), "A"); n != 0 {
		t.Fatalf("%d leased numbers left, want 0", n)
	}
}

// A store written by the first firmware opens with its tickets intact.
func TestVersion1StoreIsUpgraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tickets.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	v1 := schema + fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = 1;", applicationID) +
		`INSERT INTO tickets (day, prefix, seq, matter, green, lang, issued, ahead, wait_min)
		 VALUES ('2024-05-06', 'A', 7, 'hukou', 0, 'zh-CN', '2024-05-06T09:00:00+08:00', 0, 0);`
	if _, err := db.Exec(v1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	un, err := s.Unprinted(context.Background())
	if err != nil || len(un) != 1 || un[0].Number != "A007" || !un[0].Synced {
		t.Fatalf("after upgrade Unprinted = %+v, %v; want A007", un, err)
	}
	if tk := issue(t, s, request("hukou", "A", at("2024-05-06", "10:00"))); tk.Number != "A008" {
		t.Fatalf("next ticket after upgrade is %s, want A008", tk.Number)
	}
}
