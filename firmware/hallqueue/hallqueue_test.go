package hallqueue

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/ticket"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type rig struct {
	t     *testing.T
	h     *hall.Hall
	keys  *embedded.Keys
	addr  string
	store string
	ns    *server.Server
}

func (r *rig) start() {
	r.t.Helper()
	ns, err := embedded.Start(embedded.ServerOptions{Listen: r.addr, StoreDir: r.store, Name: "test"}, r.h, r.keys)
	if err != nil {
		r.t.Fatal(err)
	}
	r.ns = ns
}

func (r *rig) stop() {
	r.ns.Shutdown()
	r.ns.WaitForShutdown()
}

func (r *rig) connect(role string, retry bool) *bus.Bus {
	r.t.Helper()
	b, err := bus.Connect(context.Background(), bus.Config{URLs: []string{"nats://" + r.addr}, Creds: r.keys.Creds(role), Hall: r.h.ID, Terminal: role}, retry, quiet)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(b.Close)
	return b
}

func newRig(t *testing.T) *rig {
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys, err := embedded.LoadKeys(filepath.Join(dir, "creds"), h.ID, bus.Roles)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := &rig{t: t, h: h, keys: keys, addr: addr, store: filepath.Join(dir, "js")}
	r.start()
	t.Cleanup(func() { r.ns.Shutdown() })
	if err := r.connect(embedded.ControllerRole, false).EnsureStreams(context.Background(), bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The bus goes away mid-day: the kiosk issues from its lease, says the
// wait is approximate, and when the bus is back every ticket is there once.
func TestOfflineKioskIssuesFromItsLeaseAndResyncs(t *testing.T) {
	r := newRig(t)
	store, err := ticket.Open(filepath.Join(t.TempDir(), "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	onlineNow := make(chan bool, 16)
	l := New(Options{Bus: r.connect("kiosk", true), Store: store, Hall: r.h, Kiosk: "kiosk-1", Log: quiet, LeaseSize: 4,
		Online: func(on bool) { onlineNow <- on }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	day := queue.ServiceDay(time.Now(), r.h.ResetHour)
	eventually(t, "lease taken", func() bool { n, _ := store.Leased(ctx, day, "A"); return n == 4 })

	req := func() ticket.Request {
		return ticket.Request{Matter: "social-card", Prefix: "A", Lang: "zh-CN", Now: time.Now(), ResetHour: r.h.ResetHour}
	}
	online, err := l.Issue(ctx, req())
	if err != nil {
		t.Fatal(err)
	}
	if online.Number != "A001" || online.Offline || !online.Synced {
		t.Fatalf("online ticket %+v, want A001 synced", online)
	}

	r.stop()
	eventually(t, "kiosk notices", func() bool { return !l.o.Bus.Online() })
	var offline []ticket.Ticket
	for range 3 {
		tk, err := l.Issue(ctx, req())
		if err != nil {
			t.Fatal(err)
		}
		offline = append(offline, tk)
	}
	for i, tk := range offline {
		if !tk.Offline || tk.Synced || tk.Seq < bus.OfflineFloor || !tk.Approx {
			t.Fatalf("offline ticket %d: %+v, want a leased number ≥ %d, unsynced, approximate", i, tk, bus.OfflineFloor)
		}
		if tk.Ahead != i+1 {
			t.Errorf("offline ticket %s: %d ahead, want %d (A001 and the earlier offline ones)", tk.Number, tk.Ahead, i+1)
		}
	}
	if !l.Offline() || <-onlineNow {
		t.Fatal("the link does not say it is offline")
	}

	r.start()
	eventually(t, "offline tickets synced", func() bool { un, _ := store.Unsynced(ctx); return len(un) == 0 })
	eventually(t, "back online", func() bool { return !l.Offline() })

	report := r.connect("report", false)
	var evs []queue.Event
	eventually(t, "offline period reported", func() bool {
		evs, _, err = report.Fetch(ctx, time.Now().Add(-time.Hour), false)
		for _, e := range evs {
			if e.Kind == queue.Offline && e.Kiosk == "kiosk-1" {
				return true
			}
		}
		return false
	})
	seen := map[string]int{}
	for _, e := range evs {
		if e.Kind == queue.Issued {
			seen[e.Number]++
		}
	}
	for _, tk := range append(offline, online) {
		if seen[tk.Number] != 1 {
			t.Errorf("%s is on the bus %d times, want once", tk.Number, seen[tk.Number])
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d tickets on the bus, want 4: %v", len(seen), seen)
	}
	// A second sync (an answer lost the first time) changes nothing.
	if err := l.sync(ctx); err != nil {
		t.Fatal(err)
	}
}
