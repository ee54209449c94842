package ticket

import (
	"context"
	"database/sql"
	"errors"
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
	return Request{Matter: matter, Prefix: prefix, Lang: "zh-CN", Now: now, ResetHour: 6, AvgMinutes: 4, Counters: 2}
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

func TestIssueAheadAndWait(t *testing.T) {
	s, _ := openTemp(t)
	now := at("2024-05-06", "09:00")
	normal := request("hukou", "A", now) // 4 minutes each, 2 counters
	green := normal
	green.Green = true
	other := request("tax", "A", now) // same prefix, different queue

	steps := []struct {
		name              string
		r                 Request
		ahead, waitMin    int
		waitingAfterIssue int
	}{
		{"first normal", normal, 0, 0, 1},
		{"second normal", normal, 1, 2, 2},
		{"first green goes before normal tickets", green, 0, 0, 3},
		{"other matter has its own queue", other, 0, 0, 3},
		{"third normal is behind everyone", normal, 3, 6, 4},
		{"second green is behind the first green only", green, 1, 2, 5},
	}
	for _, st := range steps {
		tk := issue(t, s, st.r)
		if tk.Ahead != st.ahead || tk.WaitMin != st.waitMin {
			t.Errorf("%s: ahead %d wait %d min, want ahead %d wait %d min", st.name, tk.Ahead, tk.WaitMin, st.ahead, st.waitMin)
		}
		n, err := s.Waiting(context.Background(), "hukou", now, 6)
		if err != nil {
			t.Fatal(err)
		}
		if n != st.waitingAfterIssue {
			t.Errorf("%s: %d waiting for hukou, want %d", st.name, n, st.waitingAfterIssue)
		}
	}
	tomorrow, err := s.Waiting(context.Background(), "hukou", now.AddDate(0, 0, 1), 6)
	if err != nil {
		t.Fatal(err)
	}
	if tomorrow != 0 {
		t.Errorf("%d waiting for hukou tomorrow, want 0", tomorrow)
	}
}

func TestIssueWaitRoundsUp(t *testing.T) {
	cases := []struct {
		ahead    int
		avg      float64
		counters int
		want     int
	}{
		{1, 5, 3, 2},    // 1.67 minutes shows as 2
		{3, 4, 2, 6},    // exact
		{10, 0.7, 1, 7}, // 7.000000000000001 in floating point, still 7
		{4, 2.5, 4, 3},  // 2.5 shows as 3
	}
	for _, c := range cases {
		s, _ := openTemp(t)
		r := request("hukou", "A", at("2024-05-06", "09:00"))
		r.AvgMinutes, r.Counters = c.avg, c.counters
		var tk Ticket
		for range c.ahead + 1 {
			tk = issue(t, s, r)
		}
		if tk.Ahead != c.ahead || tk.WaitMin != c.want {
			t.Errorf("%d ahead × %v min / %d counters: ahead %d, wait %d min, want %d min",
				c.ahead, c.avg, c.counters, tk.Ahead, tk.WaitMin, c.want)
		}
	}
}

// Nothing marks tickets served yet; the calling step will set the served
// column, and the queue must already shrink when it does.
func TestServedTicketsNoLongerWait(t *testing.T) {
	s, path := openTemp(t)
	now := at("2024-05-06", "09:00")
	first := issue(t, s, request("hukou", "A", now))
	issue(t, s, request("hukou", "A", now))

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE tickets SET served = ? WHERE id = ?`, now.Format(time.RFC3339), first.ID); err != nil {
		t.Fatal(err)
	}

	if n, err := s.Waiting(context.Background(), "hukou", now, 6); err != nil || n != 1 {
		t.Errorf("Waiting after serving one of two = %d, %v; want 1", n, err)
	}
	if tk := issue(t, s, request("hukou", "A", now)); tk.Ahead != 1 {
		t.Errorf("new ticket has %d ahead after serving one of two, want 1", tk.Ahead)
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
		{"no counters", func(r *Request) { r.Counters = 0 }, "0 counters"},
		{"reset hour 24", func(r *Request) { r.ResetHour = 24 }, "reset hour 24"},
		{"negative reset hour", func(r *Request) { r.ResetHour = -1 }, "reset hour -1"},
		{"negative handling time", func(r *Request) { r.AvgMinutes = -1 }, "-1 minutes"},
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
	if _, err := s.Waiting(context.Background(), "hukou", good.Now, 25); err == nil {
		t.Error("Waiting with reset hour 25 succeeded")
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
	if tk := issue(t, s, request("hukou", "A", now)); tk.Number != "A002" || tk.Ahead != 1 {
		t.Errorf("after reopen: issued %s with %d ahead, want A002 with 1 ahead", tk.Number, tk.Ahead)
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
	if _, err := db.Exec(`PRAGMA user_version = 2`); err != nil {
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
