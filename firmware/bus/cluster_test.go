package bus_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

// sampleHallKeys loads the sample hall and creates its users' keys in dir: every
// server started with them knows the same users.
func sampleHallKeys(tb testing.TB, dir string) (*hall.Hall, *embedded.Keys) {
	tb.Helper()
	h, err := hall.Sample()
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := embedded.LoadKeys(dir, h.ID, append(bus.Roles, bus.WindowRoles(h)...))
	if err != nil {
		tb.Fatal(err)
	}
	return h, keys
}

// dialHall connects as role to any of urls; the connection is closed at the
// end of the test.
func dialHall(tb testing.TB, h *hall.Hall, keys *embedded.Keys, role, terminal string, urls []string, retry bool) *bus.Bus {
	tb.Helper()
	b, err := bus.Connect(context.Background(), bus.Config{URLs: urls, Creds: keys.Creds(role), Hall: h.ID, Terminal: terminal}, retry, quiet)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	return b
}

// pollUntil polls cond every 50 ms until it holds or d has passed.
func pollUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// kioskMix is the matters the test kiosks issue for: a busy one and two quiet ones.
var kioskMix = []struct{ prefix, matter string }{
	{"A", "social-card"}, {"A", "social-card"}, {"A", "social-card"},
	{"B", "medical-transfer"}, {"D", "residence-permit"},
}

// issueAttempt is one Publish of an issued ticket by a test kiosk.
type issueAttempt struct {
	kiosk  int
	token  string
	phase  int32 // the run's phase when the attempt began and when it ended
	ended  int32
	err    error
	number string
}

// issueRun is kiosks issuing tickets while the test disrupts the bus. A
// kiosk whose Publish fails tries again with a new token, as a kiosk would
// with a new attempt (a real one would soon issue from its lease instead).
type issueRun struct {
	phase atomic.Int32 // set by the test: 0 before the disruption, then 1, 2 …

	mu       sync.Mutex
	acked    map[string]queue.Event // token → the ticket as acknowledged
	attempts []issueAttempt
	ackedIn  map[int32]int // acknowledgements per phase
	given    int           // tickets a kiosk gave up on (it would issue offline)
}

func newIssueRun() *issueRun {
	return &issueRun{acked: map[string]queue.Event{}, ackedIn: map[int32]int{}}
}

func (r *issueRun) ackedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// failedIn is how many kiosks had a publish fail within phase.
func (r *issueRun) failedIn(phase int32) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[int]bool{}
	for _, a := range r.attempts {
		if a.err != nil && a.phase == phase && a.ended == phase {
			seen[a.kiosk] = true
		}
	}
	return len(seen)
}

// healthyFailures are the failed attempts that began and ended before the
// disruption.
func (r *issueRun) healthyFailures() []issueAttempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []issueAttempt
	for _, a := range r.attempts {
		if a.err != nil && a.phase == 0 && a.ended == 0 {
			out = append(out, a)
		}
	}
	return out
}

func apiCode(err error) jetstream.ErrorCode {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode
	}
	return 0
}

// kiosk issues each tickets from b, one every gap (the next citizen at
// the kiosk), retrying a failed one for up to patience, and stops early at
// stop.
func (r *issueRun) kiosk(b *bus.Bus, k, each int, gap, patience time.Duration, stop time.Time) {
	name := fmt.Sprintf("k%d", k)
	for i := 0; i < each && time.Now().Before(stop); i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		m := kioskMix[(i+k)%len(kioskMix)]
		giveUp := time.Now().Add(patience)
		for try := 0; ; try++ {
			e := issued(name, i, m.prefix, m.matter)
			e.Token = fmt.Sprintf("tok-%s-%05d-try%03d", name, i, try)
			a := issueAttempt{kiosk: k, token: e.Token, phase: r.phase.Load()}
			got, _, err := b.Publish(context.Background(), e, 0)
			a.ended, a.err, a.number = r.phase.Load(), err, got.Number
			r.mu.Lock()
			r.attempts = append(r.attempts, a)
			if err == nil {
				r.acked[e.Token] = got
				r.ackedIn[a.ended]++
			}
			r.mu.Unlock()
			if err == nil {
				break
			}
			if time.Now().After(giveUp) || time.Now().After(stop) {
				r.mu.Lock()
				r.given++
				r.mu.Unlock()
				break
			}
			time.Sleep(50 * time.Millisecond) // a kiosk's pause before the next try, not a timing assertion
		}
	}
}

// check compares the stream's issued tickets with what the kiosks were
// told, and returns what does not add up (empty: nothing lost, nothing
// twice, no gap) and the tickets stored although their Publish failed.
func (r *issueRun) check(evs []queue.Event) (problems []string, phantoms []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tried := map[string]bool{}
	for _, a := range r.attempts {
		tried[a.token] = true
	}
	byToken := map[string][]queue.Event{}
	byNumber := map[string][]string{}
	seqs := map[string]map[int]bool{}
	for _, e := range evs {
		if e.Kind != queue.Issued {
			continue
		}
		byToken[e.Token] = append(byToken[e.Token], e)
		byNumber[e.Number] = append(byNumber[e.Number], e.Token)
		if seqs[e.Prefix] == nil {
			seqs[e.Prefix] = map[int]bool{}
		}
		seqs[e.Prefix][e.Seq] = true
	}
	for tok, want := range r.acked {
		got := byToken[tok]
		switch {
		case len(got) == 0:
			problems = append(problems, fmt.Sprintf("ticket %s (%s) was acknowledged but is not in the stream: lost", want.Number, tok))
		case len(got) > 1:
			problems = append(problems, fmt.Sprintf("ticket %s (%s) is in the stream %d times", want.Number, tok, len(got)))
		case got[0].Number != want.Number:
			problems = append(problems, fmt.Sprintf("ticket %s was acknowledged as %s but stored as %s", tok, want.Number, got[0].Number))
		}
	}
	for tok, got := range byToken {
		if _, ok := r.acked[tok]; ok {
			continue
		}
		if !tried[tok] {
			problems = append(problems, fmt.Sprintf("ticket %s (%s) is in the stream but no kiosk issued it", got[0].Number, tok))
			continue
		}
		phantoms = append(phantoms, got[0].Number+" ("+tok+")")
	}
	for n, toks := range byNumber {
		if len(toks) > 1 {
			problems = append(problems, fmt.Sprintf("number %s given %d times: %v", n, len(toks), toks))
		}
	}
	for p, s := range seqs {
		top := 0
		for n := range s {
			top = max(top, n)
		}
		for n := 1; n <= top; n++ {
			if !s[n] {
				problems = append(problems, fmt.Sprintf("number %s missing: a gap before %s", queue.Number(p, n), queue.Number(p, top)))
			}
		}
	}
	sort.Strings(problems)
	sort.Strings(phantoms)
	return problems, phantoms
}

// summary is the retries as the test log reports them.
func (r *issueRun) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	kinds := map[string]int{}
	failed := map[int32]int{}
	for _, a := range r.attempts {
		if a.err == nil {
			continue
		}
		failed[a.ended]++
		msg := a.err.Error()
		if i := strings.Index(msg, ": "); i > 0 && strings.HasPrefix(msg, "hall bus") {
			msg = msg[i+2:]
		}
		if len(msg) > 90 {
			msg = msg[:90] + "…"
		}
		kinds[msg]++
	}
	var lines []string
	for m, n := range kinds {
		lines = append(lines, fmt.Sprintf("  %4d × %s", n, m))
	}
	sort.Strings(lines)
	return fmt.Sprintf("%d attempts, %d acknowledged (per phase %v), failed and retried per phase %v, %d given up:\n%s",
		len(r.attempts), len(r.acked), r.ackedIn, failed, r.given, strings.Join(lines, "\n"))
}

// fetchAll reads the stream from b until it holds every acknowledged
// ticket or d has passed (a new stream leader may still be catching up).
func fetchAll(t *testing.T, b *bus.Bus, since time.Time, r *issueRun, d time.Duration) []queue.Event {
	t.Helper()
	var evs []queue.Event
	var lastErr error
	pollUntil(d, func() bool {
		got, bad, err := b.Fetch(context.Background(), since, false)
		if err != nil {
			lastErr = err
			return false
		}
		for _, e := range bad {
			t.Errorf("unreadable event in the stream: %v", e)
		}
		evs, lastErr = got, nil
		have := map[string]bool{}
		for _, e := range got {
			have[e.Token] = true
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for tok := range r.acked {
			if !have[tok] {
				return false
			}
		}
		return true
	})
	if evs == nil && lastErr != nil {
		t.Fatalf("read the stream: %v", lastErr)
	}
	return evs
}

// A hall on a three-node cluster loses the node that leads its stream
// while kiosks issue: the kiosks carry on through the other two, and no
// acknowledged ticket is lost, none is there twice and no number is skipped.
func TestClusterSurvivesALostNode(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node cluster takes some 15 s")
	}
	started := time.Now()
	dir := t.TempDir()
	h, keys := sampleHallKeys(t, filepath.Join(dir, "creds"))
	const nodes = 3
	var clients, routes [nodes]string
	for i := range nodes {
		clients[i], routes[i] = freeAddr(t), freeAddr(t)
	}
	servers := map[string]*server.Server{}
	var urls []string
	for i := range nodes {
		var others []string
		for j := range nodes {
			if j != i {
				others = append(others, "nats://"+routes[j])
			}
		}
		name := fmt.Sprintf("n%d", i+1)
		ns, err := embedded.Start(embedded.ServerOptions{
			Listen: clients[i], StoreDir: filepath.Join(dir, name), Name: name,
			Cluster: routes[i], Routes: others, ClusterName: "hall",
		}, h, keys)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ns.Shutdown)
		servers[name] = ns
		urls = append(urls, "nats://"+clients[i])
	}

	admin := dialHall(t, h, keys, embedded.ControllerRole, "controller", urls, false)
	var err error
	if !pollUntil(20*time.Second, func() bool {
		err = admin.EnsureStreams(context.Background(), bus.StreamOptions{Replicas: 3})
		return err == nil
	}) {
		t.Fatalf("create the streams with 3 replicas: %v", err)
	}
	js, err := jetstream.New(admin.Conn())
	if err != nil {
		t.Fatal(err)
	}
	var leader string
	if !pollUntil(15*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := js.Stream(ctx, admin.Stream())
		if err != nil {
			return false
		}
		ci := st.CachedInfo().Cluster
		if ci == nil || ci.Leader == "" || len(ci.Replicas) != nodes-1 {
			return false
		}
		for _, p := range ci.Replicas {
			if !p.Current {
				return false
			}
		}
		leader = ci.Leader
		return true
	}) {
		t.Fatal("the event stream has no leader with two current replicas after 15 s")
	}
	t.Logf("cluster up in %v; stream %s led by %s", time.Since(started).Round(time.Millisecond), admin.Stream(), leader)

	since := time.Now().Add(-time.Minute)
	const kiosks, each = 5, 50
	run := newIssueRun()
	stop := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	for k := range kiosks {
		b := dialHall(t, h, keys, "kiosk", fmt.Sprintf("kiosk-%d", k), urls, false)
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.kiosk(b, k, each, 5*time.Millisecond, 12*time.Second, stop)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	// Mid-run, the stream's leader goes away.
	if !pollUntil(10*time.Second, func() bool { return run.ackedCount() >= kiosks*each/3 }) {
		t.Fatalf("only %d tickets issued before the failover", run.ackedCount())
	}
	lost := servers[leader]
	killedAt := time.Now()
	lost.Shutdown()
	run.phase.Store(1)
	t.Logf("shut down %s after %d tickets", leader, run.ackedCount())

	select {
	case <-done:
	case <-time.After(time.Until(stop) + 5*time.Second):
		t.Fatal("the kiosks did not finish")
	}
	t.Logf("kiosks finished %v after the node was lost; %s", time.Since(killedAt).Round(time.Millisecond), run.summary())

	var survivors []string
	for i, name := range []string{"n1", "n2", "n3"} {
		if name != leader {
			survivors = append(survivors, urls[i])
		}
	}
	report := dialHall(t, h, keys, "report", "report", survivors[:1], false)
	evs := fetchAll(t, report, since, run, 10*time.Second)
	problems, phantoms := run.check(evs)
	for _, p := range problems {
		t.Error(p)
	}
	if len(phantoms) > 0 {
		t.Logf("%d tickets are stored although their Publish failed (the kiosk then retried under a new token): %v", len(phantoms), phantoms)
	}
	// With all three nodes up, a kiosk must never be told the bus failed:
	// it would print tickets from its lease while the hall is fine.
	hint := false
	for _, a := range run.healthyFailures() {
		t.Errorf("Publish failed with all three nodes up: %v", a.err)
		hint = hint || apiCode(a.err) == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	if hint {
		t.Log("error 10164 is how a replicated stream reports a compare-and-set conflict (another claim on the subject in flight); bus.append treats only 10071 as queue.ErrConflict, so claim gives up instead of reading again")
	}
	if run.ackedIn[1] == 0 {
		t.Errorf("no ticket issued after %s was lost: the hall did not survive it", leader)
	}
	if run.given > 0 {
		t.Errorf("%d tickets could not be issued within 12 s of trying: the failover took too long", run.given)
	}
	t.Logf("%d tickets in the stream, %d acknowledged (%d after the failover); whole test %v",
		len(evs), run.ackedCount(), run.ackedIn[1], time.Since(started).Round(time.Millisecond))
}
