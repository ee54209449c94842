package kiosk

import (
	"context"
	"image"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"onetrip/firmware/flow"
	"onetrip/hal/escpos"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/idcard"
	"onetrip/ui/headless"
)

// timedPresenter notes when each frame is presented.
type timedPresenter struct {
	p    *headless.Presenter
	when chan time.Time
}

func (t *timedPresenter) Present(f *image.RGBA, dirty []image.Rectangle) error {
	err := t.p.Present(f, dirty)
	t.when <- time.Now()
	return err
}

// BenchmarkInputToFrame measures a touch (pointer down and up on the green
// channel toggle) until the updated frame has been presented, at 1280×800.
// Budget: 8 ms p99.
func BenchmarkInputToFrame(b *testing.B) {
	r := newRig(b, b.TempDir())
	tp := &timedPresenter{p: headless.New(1280, 800), when: make(chan time.Time, 64)}
	r.k.Do(context.Background(), func() { r.k.present = tp })
	r.tap("start")
	r.onScreen(flow.ID)
	r.tap("no-id")
	r.onScreen(flow.Matter)
	var p image.Point
	r.k.Do(context.Background(), func() {
		w, _ := r.k.Layout().Widget("green-channel")
		p = w.Rect.Min.Add(w.Rect.Size().Div(2))
	})
	drain := func() {
		for {
			select {
			case <-tp.when:
			case <-time.After(20 * time.Millisecond):
				return
			}
		}
	}
	drain()
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		r.k.Input(Input{Kind: PointerDown, X: p.X, Y: p.Y})
		r.k.Input(Input{Kind: PointerUp, X: p.X, Y: p.Y})
		// The first frame shows the button pressed, the second the toggle.
		<-tp.when
		t1 := <-tp.when
		lat = append(lat, t1.Sub(t0))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// capturePrinter hands the job back to the benchmark instead of printing.
type capturePrinter struct{ got chan time.Time }

func (c capturePrinter) Print(ctx context.Context, job []byte) error {
	c.got <- time.Now()
	return nil
}
func (capturePrinter) Status(context.Context) (escpos.Status, error) { return escpos.Status{}, nil }
func (capturePrinter) Close() error                                  { return nil }

// BenchmarkCardToTicketBytes measures the machine's share of a visit: from the
// card read being complete, through the citizen's taps (with no thinking time),
// the durable ticket and the ESC/POS encoding, to the bytes handed to the
// printer. Budget: 50 ms.
func BenchmarkCardToTicketBytes(b *testing.B) {
	r := newRig(b, b.TempDir())
	cp := capturePrinter{got: make(chan time.Time, 1)}
	r.k.Do(context.Background(), func() { r.k.dev.Printer = cp })
	var lat []time.Duration
	for b.Loop() {
		c := *citizen
		t0 := time.Now()
		r.k.Do(context.Background(), func() {
			r.k.card(idcard.Event{Kind: idcard.Read, Card: &c})
			for _, id := range []string{"continue", "matter:social-card", "take-ticket", "no-questions"} {
				r.k.step(flow.Tap{ID: id})
				r.k.redraw()
			}
		})
		lat = append(lat, (<-cp.got).Sub(t0))
		untilDone(r)
		r.k.Do(context.Background(), func() { r.k.step(flow.Tap{ID: "cancel"}) })
	}
	reportPercentiles(b, lat)
}

// BenchmarkSessions100k runs 100 000 complete visits — card, matter, ticket
// issued durably, encoded and printed, screen drawn after each step as on the
// kiosk — and reports how much the live heap grew. Budget: ≤ 1 MB. It takes
// several minutes.
func BenchmarkSessions100k(b *testing.B) {
	for b.Loop() {
		growth := sessions(b, 100_000)
		b.ReportMetric(float64(growth)/1e6, "heap-growth-MB")
	}
}

func sessions(b *testing.B, n int) int64 {
	// 100 000 fsyncs on a real disk take minutes; tmpfs keeps the SQLite
	// work (WAL, synchronous=FULL) without the disk's latency.
	dir := b.TempDir()
	if d, err := os.MkdirTemp("/dev/shm", "onetrip-bench"); err == nil {
		dir = d
		b.Cleanup(func() { os.RemoveAll(d) })
	}
	r := newRig(b, dir)
	cp := capturePrinter{got: make(chan time.Time, 1)}
	// A visit every three minutes, day after day: about 500 a day, as in a
	// busy hall, so each day's queue stays as long as a real one. Logs go
	// nowhere (the test rig keeps its log in memory, which would count).
	clock := time.Date(2026, 1, 5, 8, 0, 0, 0, time.Local)
	quiet := slog.New(slog.DiscardHandler)
	r.k.Do(context.Background(), func() {
		r.k.dev.Printer = cp
		r.k.log = quiet
		r.k.dev.Buzzer = gpiosim.NewBuzzer(quiet)
		r.k.dev.Lamps = map[string]Lamp{"status": gpiosim.NewLamp("status", quiet), "help": gpiosim.NewLamp("help", quiet)}
		r.k.now = func() time.Time { return clock }
	})
	matters := []string{"matter:social-card", "matter:pension-cert"}
	visit := func(i int) {
		r.k.Do(context.Background(), func() {
			clock = clock.Add(3 * time.Minute)
			c := *citizen
			r.k.card(idcard.Event{Kind: idcard.Read, Card: &c})
			for _, id := range []string{"continue", matters[i%2], "take-ticket", "no-questions"} {
				r.k.step(flow.Tap{ID: id})
			}
		})
		<-cp.got
		untilDone(r)
		r.k.Do(context.Background(), func() {
			r.k.step(flow.Tap{ID: "cancel"})
		})
	}
	for i := range 200 { // warm caches and the store
		visit(i)
	}
	before := heap()
	for i := range n {
		visit(i)
	}
	after := heap()
	if un, err := r.store.Unprinted(context.Background()); err != nil || len(un) != 0 {
		b.Fatalf("unprinted after sessions: %d %v", len(un), err)
	}
	return int64(after) - int64(before)
}

// untilDone waits for the printer's answer to reach the flow.
func untilDone(r *rig) {
	for done := false; !done; runtime.Gosched() {
		r.k.Do(context.Background(), func() { done = r.k.state.Screen == flow.Done })
	}
}

func heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
