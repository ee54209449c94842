package bus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type hallBus struct {
	t    *testing.T
	h    *hall.Hall
	keys *embedded.Keys
	url  string
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startHall runs the embedded server with the sample hall's users and
// creates the streams, as the controller does.
func startHall(t *testing.T) *hallBus {
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys, err := embedded.LoadKeys(filepath.Join(dir, "creds"), h.ID, append(bus.Roles, bus.WindowRoles(h)...))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ns, err := embedded.Start(embedded.ServerOptions{Listen: addr, StoreDir: filepath.Join(dir, "js"), Name: "test"}, h, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	hb := &hallBus{t: t, h: h, keys: keys, url: "nats://" + addr}
	admin := hb.connect(embedded.ControllerRole)
	if err := admin.EnsureStreams(context.Background(), bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	return hb
}

func (hb *hallBus) connect(role string) *bus.Bus {
	hb.t.Helper()
	b, err := bus.Connect(context.Background(), bus.Config{URLs: []string{hb.url}, Creds: hb.keys.Creds(role), Hall: hb.h.ID, Terminal: role}, false, quiet)
	if err != nil {
		hb.t.Fatal(err)
	}
	hb.t.Cleanup(b.Close)
	return b
}

var day = "2026-12-01"
var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.Local)

func issued(kiosk string, i int, prefix, matter string) queue.Event {
	return queue.Event{Kind: queue.Issued, At: t0.Add(time.Duration(i) * time.Millisecond), Day: day,
		Prefix: prefix, Matter: matter, Kiosk: kiosk, Token: fmt.Sprintf("tok-%s-%08d-xxxx", kiosk, i)}
}

// Many kiosks issuing at once on one prefix get every number once, with no gap.
func TestConcurrentIssueGivesEveryNumberOnce(t *testing.T) {
	hb := startHall(t)
	const kiosks, each = 6, 40
	var mu sync.Mutex
	got := map[string]string{}
	at := map[int]time.Time{}
	var wg sync.WaitGroup
	for k := range kiosks {
		b := hb.connect("kiosk")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e, _, err := b.Publish(context.Background(), issued(fmt.Sprintf("k%d", k), i, "A", "social-card"), 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := got[e.Number]; dup {
					t.Errorf("%s issued twice (%s and %s)", e.Number, prev, e.Token)
				}
				got[e.Number] = e.Token
				at[e.Seq] = e.At
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for n := 1; n <= kiosks*each; n++ {
		if _, ok := got[queue.Number("A", n)]; !ok {
			t.Errorf("number %s missing: a gap", queue.Number("A", n))
		}
	}
	if len(got) != kiosks*each {
		t.Errorf("%d numbers, want %d", len(got), kiosks*each)
	}
	// Tickets are called by issue time: it must follow the numbers, whatever
	// the kiosks' clocks said (these kiosks' clocks disagree by design).
	for n := 2; n <= kiosks*each; n++ {
		if !at[n].After(at[n-1]) {
			t.Fatalf("A%03d is issued at %v, not after A%03d at %v: it would be called first", n, at[n], n-1, at[n-1])
		}
	}
}

// A lease takes a block from the top; online numbers go on from the bottom.
func TestLeaseReservesABlock(t *testing.T) {
	hb := startHall(t)
	b := hb.connect("kiosk")
	ctx := context.Background()
	first, _, _ := b.Publish(ctx, issued("k1", 0, "B", "medical-transfer"), 0)
	lease, _, err := b.Publish(ctx, queue.Event{Kind: queue.Leased, At: t0, Day: day, Prefix: "B", Kiosk: "k1", Count: 10}, 0)
	if err != nil {
		t.Fatal(err)
	}
	next, _, _ := b.Publish(ctx, issued("k2", 1, "B", "medical-transfer"), 0)
	lease2, _, err := b.Publish(ctx, queue.Event{Kind: queue.Leased, At: t0, Day: day, Prefix: "B", Kiosk: "k2", Count: 10}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if first.Number != "B001" || lease.Seq != 9990 || lease2.Seq != 9980 || next.Number != "B002" {
		t.Fatalf("want B001, leases B9990-B9999 and B9980-B9989, then B002; got %s, leases from %d and %d, %s",
			first.Number, lease.Seq, lease2.Seq, next.Number)
	}
	// The offline ticket from the lease syncs once; a second sync is refused.
	off := issued("k1", 2, "B", "medical-transfer")
	off.Offline, off.Seq, off.Number = true, 9990, "B9990"
	if _, _, err := b.Publish(ctx, off, 0); err != nil {
		t.Fatal(err)
	}
	again := hb.connect("kiosk")
	if _, _, err := again.Publish(ctx, off, 0); !errors.Is(err, queue.ErrConflict) {
		t.Fatalf("second sync of B9990: %v, want a conflict", err)
	}
}

// Two windows calling the same ticket from the same view: the second is
// refused by the server, and the first goes on from its own call.
func TestSecondCallOfATicketIsRefused(t *testing.T) {
	hb := startHall(t)
	ctx := context.Background()
	k := hb.connect("kiosk")
	tk, _, err := k.Publish(ctx, issued("k1", 0, "A", "social-card"), 0)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := hb.connect("counter-1"), hb.connect("counter-2")
	seq1, seq2 := bus.NewSequences(w1.Subjects), bus.NewSequences(w2.Subjects)
	call := func(b *bus.Bus, seqs *bus.Sequences, w int) error {
		e := queue.Event{Kind: queue.Called, At: t0, Day: day, Number: tk.Number, Window: w}
		e, seq, err := b.Publish(ctx, e, seqs.Expect(e))
		if err == nil {
			seqs.Published(e, seq)
		}
		return err
	}
	if err := call(w1, seq1, 1); err != nil {
		t.Fatal(err)
	}
	if err := call(w2, seq2, 2); !errors.Is(err, queue.ErrConflict) {
		t.Fatalf("window 2 calling %s after window 1: %v, want a conflict", tk.Number, err)
	}
	start := queue.Event{Kind: queue.Started, At: t0, Day: day, Number: tk.Number, Window: 1}
	if _, _, err := w1.Publish(ctx, start, seq1.Expect(start)); err != nil {
		t.Fatalf("start after its own call: %v", err)
	}
}

// Each role may do only its part.
func TestRolesAreHeldToTheirPermissions(t *testing.T) {
	hb := startHall(t)
	ctx := context.Background()
	k := hb.connect("kiosk")
	tk, _, err := k.Publish(ctx, issued("k1", 0, "C", "pension-cert"), 0)
	if err != nil {
		t.Fatal(err)
	}
	call := queue.Event{Kind: queue.Called, At: t0, Day: day, Number: tk.Number, Window: 7}
	start := time.Now()
	if _, _, err := k.Publish(ctx, call, 0); err == nil || !strings.Contains(err.Error(), "may not") {
		t.Errorf("a kiosk calling a ticket: %v, want a permission refusal", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the refusal took %v", d)
	}
	if _, _, err := hb.connect("display").Publish(ctx, call, 0); err == nil {
		t.Error("a display called a ticket")
	}
	if _, _, err := hb.connect("counter-1").Publish(ctx, call, 0); err == nil {
		t.Error("window 1 (social-card) called a pension-cert ticket")
	}
	if _, _, err := hb.connect("counter-7").Publish(ctx, call, 0); err != nil {
		t.Errorf("window 7 calling its own matter: %v", err)
	}
	if _, _, err := k.Fetch(ctx, t0.Add(-time.Hour), true); err == nil {
		t.Error("a kiosk read the ratings stream")
	}
}

func TestWrongCredentialsFailAtOnce(t *testing.T) {
	hb := startHall(t)
	other, err := embedded.LoadKeys(t.TempDir(), hb.h.ID, []string{"kiosk"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = bus.Connect(context.Background(), bus.Config{URLs: []string{hb.url}, Creds: other.Creds("kiosk"), Hall: hb.h.ID}, true, quiet)
	if !errors.Is(err, bus.ErrAuth) {
		t.Fatalf("connect with another hall's key: %v, want ErrAuth", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the refusal took %v", d)
	}
}

// A foreign message on a stream subject is dropped with a reason; the
// events after it still arrive.
func TestForeignMessageIsDropped(t *testing.T) {
	hb := startHall(t)
	admin := hb.connect(embedded.ControllerRole)
	if err := admin.Conn().Publish(admin.Window(3), []byte(`{"kind":"called","at":"yesterday"}`)); err != nil {
		t.Fatal(err)
	}
	admin.Conn().Flush()
	time.Sleep(50 * time.Millisecond)
	k := hb.connect("kiosk")
	if _, _, err := k.Publish(context.Background(), issued("k1", 0, "D", "residence-permit"), 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bad, good int
	err := k.Follow(context.Background(), t0.Add(-time.Hour), func(d bus.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case d.Err != nil:
			bad++
		case d.Event.Kind != "":
			good++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := good == 1
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if bad != 1 || good != 1 {
		t.Fatalf("%d dropped, %d delivered; want 1 and 1", bad, good)
	}
}
