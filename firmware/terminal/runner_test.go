package terminal_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/display"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
)

type frames struct{ n atomic.Int64 }

func (f *frames) Present(*image.RGBA, []image.Rectangle) error { f.n.Add(1); return nil }

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// hallBus runs the embedded bus with the sample hall and returns a
// connection for role.
func hallBus(t *testing.T) (*hall.Hall, func(role string) *bus.Bus) {
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys, err := embedded.LoadKeys(filepath.Join(dir, "creds"), h.ID, bus.Roles)
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ns, err := embedded.Start(embedded.ServerOptions{Listen: addr, StoreDir: filepath.Join(dir, "js"), Name: "t", SyncInterval: time.Minute}, h, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	connect := func(role string) *bus.Bus {
		b, err := bus.Connect(context.Background(), bus.Config{URLs: []string{"nats://" + addr}, Creds: keys.Creds(role), Hall: h.ID, Terminal: role},
			false, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	if err := connect(embedded.ControllerRole).EnsureStreams(context.Background(), bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	return h, connect
}

// A display started on a busy day catches up in a few frames, not one per
// ticket, and a foreign message on the way is logged once and dropped.
func TestDisplayCatchesUpAndDropsForeignMessages(t *testing.T) {
	h, connect := hallBus(t)
	ctx := context.Background()
	kiosk := connect("kiosk")
	const n = 600
	day := queue.ServiceDay(time.Now(), h.ResetHour)
	for i := range n {
		if i == n/2 {
			admin := connect(embedded.ControllerRole)
			admin.Conn().Publish(admin.Window(2), []byte("not an event"))
			admin.Conn().Flush()
		}
		_, _, err := kiosk.Publish(ctx, queue.Event{Kind: queue.Issued, At: time.Now(), Day: day, Prefix: "A", Matter: "social-card",
			Kiosk: "kiosk-1", Token: fmt.Sprintf("token-%06d-0123456789", i)}, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &frames{}
	log := &logBuf{}
	r := terminal.New(terminal.Options{Role: display.New(h, cats, "zh-CN"), RoleName: "display", Terminal: "display-1", Hall: h,
		Bus: connect("display"), Presenter: f, Log: slog.New(slog.NewTextHandler(log, nil))})
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.Run(rctx)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting int
		r.Do(ctx, func() { waiting = r.View().WaitingFor("social-card") })
		if waiting == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the display shows %d of %d waiting", waiting, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var shown []string
	r.Do(ctx, func() {
		for _, tx := range r.Layout().Texts {
			shown = append(shown, tx.S)
		}
	})
	if !strings.Contains(strings.Join(shown, "|"), fmt.Sprintf("%d 人等候", n)) {
		t.Fatalf("the screen does not show %d waiting: %v", n, shown)
	}
	if got := f.n.Load(); got > n/10 {
		t.Errorf("%d frames presented while catching up with %d tickets: want a few, not one per ticket", got, n)
	}
	if c := strings.Count(log.String(), "dropped a message"); c != 1 {
		t.Errorf("the foreign message was logged %d times, want once:\n%s", c, log.String())
	}
}
