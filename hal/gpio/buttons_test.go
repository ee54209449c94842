package gpio

import (
	"slices"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// waitReportingClock is the fake clock a gpiotest pin waits on; it reports each
// wait so the test moves time only while the watcher is parked in WaitForEdge.
type waitReportingClock struct {
	*clockwork.FakeClock
	waits chan time.Duration
}

func (c waitReportingClock) After(d time.Duration) <-chan time.Time {
	ch := c.FakeClock.After(d)
	c.waits <- d
	return ch
}

// rig is one watched active-low button on a gpiotest pin and a fake clock.
type rig struct {
	t       *testing.T
	clk     *clockwork.FakeClock
	pin     *gpiotest.Pin
	waits   chan time.Duration
	wakeAt  time.Time // when the watcher's current wait times out
	buttons Buttons
}

const debounce = 20 * time.Millisecond

func newRig(t *testing.T, cfg ButtonConfig) *rig {
	t.Helper()
	r := &rig{t: t, clk: clockwork.NewFakeClock(), waits: make(chan time.Duration, 8)}
	r.pin = &gpiotest.Pin{N: "GPIO17", Num: 17, EdgesChan: make(chan gpio.Level), Clock: waitReportingClock{r.clk, r.waits}}
	cfg.Name, cfg.Pin, cfg.Debounce = "help", r.pin, debounce
	b, err := WatchButtons([]ButtonConfig{cfg}, r.clk)
	if err != nil {
		t.Fatal(err)
	}
	r.buttons = b
	t.Cleanup(func() { b.Close() })
	r.idle() // the first wait settles the level found at start
	return r
}

// idle waits until the watcher is parked in WaitForEdge again.
func (r *rig) idle() {
	r.t.Helper()
	select {
	case d := <-r.waits:
		r.wakeAt = r.clk.Now().Add(d)
	case <-time.After(5 * time.Second):
		r.t.Fatal("watcher never went back to waiting for an edge")
	}
}

// edge injects one edge and waits until the watcher has taken it in.
func (r *rig) edge(l gpio.Level) {
	r.t.Helper()
	r.pin.EdgesChan <- l
	r.idle()
}

// advance moves the clock on by d, letting the watcher handle each wait that times out.
func (r *rig) advance(d time.Duration) {
	r.t.Helper()
	end := r.clk.Now().Add(d)
	for !r.wakeAt.After(end) {
		r.clk.Advance(r.wakeAt.Sub(r.clk.Now()))
		r.idle()
	}
	r.clk.Advance(end.Sub(r.clk.Now()))
}

// kinds drains the events delivered so far.
func (r *rig) kinds() []ButtonKind {
	var ks []ButtonKind
	for {
		select {
		case ev := <-r.buttons.Events():
			if ev.Button != "help" {
				r.t.Errorf("event for button %q, want help", ev.Button)
			}
			ks = append(ks, ev.Kind)
		default:
			return ks
		}
	}
}

func (r *rig) want(step string, want ...ButtonKind) {
	r.t.Helper()
	if got := r.kinds(); !slices.Equal(got, want) {
		r.t.Errorf("%s: events %v, want %v", step, got, want)
	}
}

// bounce injects a contact bounce ending at level l: five edges within 2 ms.
func (r *rig) bounce(l gpio.Level) {
	for _, e := range []gpio.Level{l, !l, l, !l, l} {
		r.edge(e)
		r.advance(500 * time.Microsecond)
	}
}

func TestBounceTrainIsOnePressAndOneRelease(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true})
	r.want("idle at start")

	r.bounce(gpio.Low)
	r.want("while bouncing down")
	r.advance(debounce)
	r.want("after debounce", Press)

	r.bounce(gpio.High)
	r.want("while bouncing up")
	r.advance(debounce)
	r.want("after release debounce", Release)

	r.advance(time.Minute)
	r.want("a minute later")
}

func TestPressIsTimedFromItsFirstEdge(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true})
	r.advance(time.Second)
	first := r.clk.Now()
	r.bounce(gpio.Low)
	r.advance(debounce)
	select {
	case ev := <-r.buttons.Events():
		if ev.Kind != Press || !ev.At.Equal(first) {
			t.Errorf("got %v at %v, want press at %v (first edge)", ev.Kind, ev.At, first)
		}
	default:
		t.Fatal("no press reported")
	}
}

func TestGlitchShorterThanDebounceIsIgnored(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true})
	r.edge(gpio.Low)
	r.advance(debounce / 2)
	r.edge(gpio.High)
	r.advance(time.Second)
	r.want("after a 10 ms glitch")
}

func TestActiveHighButtonPressesOnHigh(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: false})
	r.edge(gpio.High)
	r.advance(debounce)
	r.edge(gpio.Low)
	r.advance(debounce)
	r.want("high then low", Press, Release)
}

func TestLongPressIsReportedOnceWhileHeld(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true, LongPress: 5 * time.Second})
	r.bounce(gpio.Low)
	r.advance(debounce)
	r.want("pressed", Press)
	r.advance(5*time.Second - debounce - 5*time.Millisecond)
	r.want("just before 5 s")
	r.advance(10 * time.Millisecond)
	r.want("at 5 s", LongPress)
	r.advance(time.Minute)
	r.want("held a minute more")
	r.edge(gpio.High)
	r.advance(debounce)
	r.want("released", Release)
}

func TestShortPressHasNoLongPress(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true, LongPress: 5 * time.Second})
	r.edge(gpio.Low)
	r.advance(time.Second)
	r.edge(gpio.High)
	r.advance(time.Minute)
	r.want("one-second press", Press, Release)
}

func TestStuckButtonReportsOnceThenResumesAfterRelease(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true, LongPress: 5 * time.Second, StuckAfter: time.Minute})
	r.edge(gpio.Low)
	r.advance(10 * time.Minute)
	r.want("held 10 minutes", Press, LongPress, Stuck)

	r.bounce(gpio.Low) // noise on the stuck line
	r.advance(10 * time.Minute)
	r.want("still stuck, with noise")

	r.edge(gpio.High)
	r.advance(debounce)
	r.want("released", Release)

	r.edge(gpio.Low)
	r.advance(debounce)
	r.edge(gpio.High)
	r.advance(debounce)
	r.want("tapped after release", Press, Release)
}

// heldPin is a line held high by a pressed button, whatever pull it is given.
type heldPin struct{ *gpiotest.Pin }

func (p heldPin) In(pull gpio.Pull, edge gpio.Edge) error {
	err := p.Pin.In(pull, edge)
	p.Pin.Out(gpio.High)
	return err
}

func TestButtonHeldAtStartIsPressed(t *testing.T) {
	clk := clockwork.NewFakeClock()
	waits := make(chan time.Duration, 8)
	pin := heldPin{&gpiotest.Pin{N: "GPIO5", EdgesChan: make(chan gpio.Level), Clock: waitReportingClock{clk, waits}}}
	b, err := WatchButtons([]ButtonConfig{{Name: "service", Pin: pin, Debounce: debounce}}, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	<-waits
	clk.Advance(debounce)
	if ev := <-b.Events(); ev.Kind != Press || ev.Button != "service" {
		t.Errorf("got %+v, want service press", ev)
	}
}

func TestCloseEndsEvents(t *testing.T) {
	r := newRig(t, ButtonConfig{ActiveLow: true})
	if err := r.buttons.Close(); err != nil {
		t.Fatal(err)
	}
	// gpiotest's Halt cannot interrupt WaitForEdge; the wait's timeout ends it.
	r.clk.Advance(waitSlice)
	select {
	case _, open := <-r.buttons.Events():
		if open {
			t.Error("event after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Events not closed after Close")
	}
}

func TestWatchButtonsRejectsBadConfig(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO6", EdgesChan: make(chan gpio.Level)}
	for name, cfgs := range map[string][]ButtonConfig{
		"no name":  {{Pin: pin}},
		"no pin":   {{Name: "help"}},
		"twice":    {{Name: "help", Pin: pin}, {Name: "help", Pin: pin}},
		"negative": {{Name: "help", Pin: pin, Debounce: -time.Millisecond}},
		"edgeless": {{Name: "help", Pin: &gpiotest.Pin{N: "GPIO7"}}},
	} {
		if b, err := WatchButtons(cfgs, clockwork.NewFakeClock()); err == nil {
			b.Close()
			t.Errorf("%s: WatchButtons accepted %+v", name, cfgs)
		}
	}
}
