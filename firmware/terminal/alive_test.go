package terminal_test

import (
	"context"
	"image"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/firmware/display"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
)

// stuckPresenter blocks every Present once shut, like a window whose X
// server stopped answering.
type stuckPresenter struct {
	shut    atomic.Bool
	blocked chan struct{}
	release chan struct{}
}

func (p *stuckPresenter) Present(*image.RGBA, []image.Rectangle) error {
	if p.shut.Load() {
		p.blocked <- struct{}{}
		<-p.release
	}
	return nil
}

// TestTheRunnerSaysItIsAliveOnlyWhileItTurns: an idle display's loop turns
// (and calls Alive) every AliveEvery; stuck presenting a frame, it calls it
// no more until the frame is through.
func TestTheRunnerSaysItIsAliveOnlyWhileItTurns(t *testing.T) {
	h, connect := hallBus(t)
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	var turns atomic.Int64
	const every = 5 * time.Millisecond
	p := &stuckPresenter{blocked: make(chan struct{}, 1), release: make(chan struct{})}
	r := terminal.New(terminal.Options{Role: display.New(h, cats, "zh-CN"), RoleName: "display", Terminal: "display-1", Hall: h,
		Bus: connect("display"), Presenter: p, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Alive: func() { turns.Add(1) }, AliveEvery: every})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	waitTurns := func(n int64, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for turns.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d turns, want %d", what, turns.Load(), n)
			}
			time.Sleep(every)
		}
	}
	waitTurns(5, "idle display")

	p.shut.Store(true)
	day := queue.ServiceDay(time.Now(), h.ResetHour)
	if _, _, err := connect("kiosk").Publish(ctx, queue.Event{Kind: queue.Issued, At: time.Now(), Day: day, Prefix: "A",
		Matter: "social-card", Kiosk: "kiosk-1", Token: "token-000001-0123456789"}, 0); err != nil {
		t.Fatal(err)
	}
	<-p.blocked
	stuck := turns.Load()
	time.Sleep(20 * every)
	if n := turns.Load(); n != stuck {
		t.Fatalf("the loop is stuck presenting, yet Alive was called %d more times", n-stuck)
	}
	p.shut.Store(false)
	close(p.release)
	waitTurns(stuck+3, "after the presenter came back")
}
