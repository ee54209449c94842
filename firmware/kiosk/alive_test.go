package kiosk

import (
	"image"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/firmware/flow"
)

// gate is a presenter that blocks once closed, like a window whose X server
// stopped answering.
type gate struct {
	inner   Presenter
	shut    atomic.Bool
	blocked chan struct{} // a Present is stuck
	release chan struct{}
}

func (g *gate) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	if g.shut.Load() {
		g.blocked <- struct{}{}
		<-g.release
	}
	return g.inner.Present(frame, dirty)
}

// TestTheLoopSaysItIsAliveOnlyWhileItTurns: an idle kiosk's loop still
// turns (and calls Alive) every AliveEvery; a loop stuck in presenting a
// frame calls it no more until it is free again.
func TestTheLoopSaysItIsAliveOnlyWhileItTurns(t *testing.T) {
	var turns atomic.Int64
	every := 5 * time.Millisecond
	g := &gate{blocked: make(chan struct{}, 1), release: make(chan struct{})}
	r := newRig(t, t.TempDir(), func(o *Options) {
		g.inner = o.Presenter
		o.Presenter = g
		o.Alive = func() { turns.Add(1) }
		o.AliveEvery = every
	})
	r.onScreen(flow.Attract)
	waitTurns := func(n int64, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for turns.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d turns, want %d", what, turns.Load(), n)
			}
			time.Sleep(every)
		}
	}
	// Idle on the attract screen: nothing happens, yet the loop turns.
	waitTurns(turns.Load()+5, "idle kiosk")

	g.shut.Store(true)
	r.k.Button("help")
	<-g.blocked
	stuck := turns.Load()
	time.Sleep(20 * every)
	if n := turns.Load(); n != stuck {
		t.Fatalf("the loop is stuck presenting, yet Alive was called %d more times", n-stuck)
	}
	g.shut.Store(false)
	close(g.release)
	waitTurns(stuck+3, "after the presenter came back")
}
