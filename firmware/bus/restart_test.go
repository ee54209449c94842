package bus_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
)

// The hall controller restarts while kiosks issue: while it is away their
// publishes fail as "not reachable" (a kiosk would issue from its lease);
// once it is back on the same port and data directory their connections
// come back by themselves, and the stream has every acknowledged ticket
// once, with no number skipped or given twice.
func TestControllerRestartLosesNothing(t *testing.T) {
	started := time.Now()
	dir := t.TempDir()
	h, keys := sampleHallKeys(t, filepath.Join(dir, "creds"))
	addr := freeAddr(t)
	opts := embedded.ServerOptions{Listen: addr, StoreDir: filepath.Join(dir, "js"), Name: "controller"}
	ns, err := embedded.Start(opts, h, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown() }) // whichever server runs at the end
	urls := []string{"nats://" + addr}
	admin := dialHall(t, h, keys, embedded.ControllerRole, "controller", urls, true)
	if err := admin.EnsureStreams(t.Context(), bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}

	since := time.Now().Add(-time.Minute)
	const kiosks, each = 4, 100
	run := newIssueRun()
	stop := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	var buses []*bus.Bus
	for k := range kiosks {
		b := dialHall(t, h, keys, "kiosk", fmt.Sprintf("kiosk-%d", k), urls, true)
		buses = append(buses, b)
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.kiosk(b, k, each, 20*time.Millisecond, 15*time.Second, stop)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	if !pollUntil(10*time.Second, func() bool { return run.ackedCount() >= kiosks*each/3 }) {
		t.Fatalf("only %d tickets issued before the restart", run.ackedCount())
	}
	before := run.ackedCount()
	ns.Shutdown()
	ns.WaitForShutdown()
	run.phase.Store(1)
	t.Logf("controller shut down after %d tickets", before)

	// Every kiosk is told of the outage (a failed publish) before the
	// controller comes back.
	if !pollUntil(5*time.Second, func() bool { return run.failedIn(1) == kiosks }) {
		t.Errorf("only %d of %d kiosks had a publish fail while the controller was down", run.failedIn(1), kiosks)
	}
	down := time.Now()
	ns, err = embedded.Start(opts, h, keys)
	if err != nil {
		t.Fatalf("restart on %s with the same data: %v", addr, err)
	}
	run.phase.Store(2)
	t.Logf("controller back after %v", time.Since(down).Round(time.Millisecond))
	if !pollUntil(10*time.Second, func() bool {
		for _, b := range buses {
			if !b.Online() {
				return false
			}
		}
		return true
	}) {
		t.Error("not every kiosk reconnected within 10 s")
	}

	select {
	case <-done:
	case <-time.After(time.Until(stop) + 5*time.Second):
		t.Fatal("the kiosks did not finish")
	}
	t.Logf("%s", run.summary())

	// What the kiosks were told while the controller was away.
	run.mu.Lock()
	for _, a := range run.attempts {
		if a.phase == 1 && a.ended == 1 {
			if a.err == nil {
				t.Errorf("ticket %s acknowledged while the controller was down", a.number)
			} else if !errors.Is(a.err, bus.ErrOffline) {
				t.Errorf("a publish during the outage failed with %v, not as ErrOffline: the kiosk would not know to issue from its lease", a.err)
			}
		}
	}
	run.mu.Unlock()
	for _, a := range run.healthyFailures() {
		t.Errorf("Publish failed before the restart: %v", a.err)
	}

	report := dialHall(t, h, keys, "report", "report", urls, false)
	evs := fetchAll(t, report, since, run, 10*time.Second)
	problems, phantoms := run.check(evs)
	for _, p := range problems {
		t.Error(p)
	}
	if len(phantoms) > 0 {
		t.Logf("%d tickets are stored although their Publish failed (the kiosk then retried under a new token): %v", len(phantoms), phantoms)
	}
	if run.ackedIn[2] == 0 {
		t.Error("no ticket issued after the restart")
	}
	if run.given > 0 {
		t.Errorf("%d tickets could not be issued within 15 s of trying", run.given)
	}
	t.Logf("%d tickets in the stream, %d acknowledged (%d after the restart); whole test %v",
		len(evs), run.ackedCount(), run.ackedIn[2], time.Since(started).Round(time.Millisecond))
}
