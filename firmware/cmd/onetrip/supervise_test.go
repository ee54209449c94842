package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"onetrip/firmware/metrics"
	"onetrip/firmware/service"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/ui/render"
)

// TestAWindowThatStopsDrawingStopsTheWatchdog: a frame presented to a window
// and not drawn by its main loop within the grace time stops the pings
// until the window draws again; without a window nothing is held back.
func TestAWindowThatStopsDrawingStopsTheWatchdog(t *testing.T) {
	const grace = time.Second
	t0 := time.Unix(1_800_000_000, 0)
	var w screenWatch
	w.presented(t0)
	if !w.keepsUp(t0.Add(time.Hour), grace) {
		t.Fatal("a terminal without a window (Present shows the frame itself) held back the watchdog")
	}

	drawn := int64(7)
	w.follow(func() int64 { return drawn })
	w.presented(t0)
	if !w.keepsUp(t0.Add(grace/2), grace) {
		t.Error("a frame presented half the grace time ago stops the watchdog")
	}
	w.presented(t0.Add(grace)) // more frames while the first waits
	if w.keepsUp(t0.Add(2*grace), grace) {
		t.Error("a frame not drawn for twice the grace time does not stop the watchdog")
	}
	drawn++
	if !w.keepsUp(t0.Add(3*grace), grace) {
		t.Error("the window drew again, yet the watchdog stays stopped")
	}
	w.presented(t0.Add(4 * grace))
	drawn++
	if !w.keepsUp(t0.Add(10*grace), grace) {
		t.Error("a frame that was drawn still counts as waiting")
	}
}

// TestTheStatusLineSaysWhatIsWrong: systemd's status line names the
// terminal, then the paper and the hall bus when they are a problem; it is
// sent again only when it changes.
func TestTheStatusLineSaysWhatIsWrong(t *testing.T) {
	socket, notes := notifySocket(t)
	t.Setenv("NOTIFY_SOCKET", socket)
	online := false
	n, err := service.FromEnv(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := &supervision{notify: n, metrics: metrics.New(metrics.Build{Role: "kiosk"}, time.Now())}
	s.metrics.WatchBus(func() bool { return online })
	profile, _ := escpos.LoadProfile("80mm")
	sim, err := escpossim.New(t.TempDir(), profile, render.DefaultFont().XFace)
	if err != nil {
		t.Fatal(err)
	}
	p := s.printer(sim)
	sim.SetPaperOut(true)
	p.Status(context.Background())

	s.ready("kiosk on screen, hall hz-sc")()
	s.restate(n.Status)
	online = true
	s.restate(n.Status)
	s.restate(n.Status)
	want := []string{
		"READY=1\nSTATUS=kiosk on screen, hall hz-sc; printer out of paper; hall bus away",
		"STATUS=kiosk on screen, hall hz-sc; printer out of paper",
	}
	for _, w := range want {
		select {
		case got := <-notes:
			if got.state != w {
				t.Fatalf("notification %q, want %q", got.state, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no notification; want %q", w)
		}
	}
	select {
	case got := <-notes:
		t.Fatalf("the unchanged status was sent again: %q", got.state)
	case <-time.After(100 * time.Millisecond):
	}
}
