package gpio

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
)

// ButtonKind says what a button did.
type ButtonKind int

const (
	Press     ButtonKind = iota // went down (after debounce)
	Release                     // came back up
	LongPress                   // has been held for ButtonConfig.LongPress
	Stuck                       // has been held for ButtonConfig.StuckAfter; nothing more until released
)

var kindNames = [...]string{Press: "press", Release: "release", LongPress: "long-press", Stuck: "stuck"}

func (k ButtonKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("ButtonKind(%d)", int(k))
	}
	return kindNames[k]
}

// ButtonEvent is one thing one button did, and when.
type ButtonEvent struct {
	Button string
	Kind   ButtonKind
	At     time.Time // for Press and Release, the first edge of the change
}

// Buttons delivers the events of a set of buttons on one channel.
type Buttons interface {
	// Events is closed after Close, once every button has stopped.
	Events() <-chan ButtonEvent
	Close() error
}

// ButtonConfig describes one button and how patient to be with it.
type ButtonConfig struct {
	Name       string
	Pin        gpio.PinIn
	ActiveLow  bool          // pressed pulls the line low; the internal pull-up is used, else the pull-down
	Debounce   time.Duration // a level counts once stable this long
	LongPress  time.Duration // 0: no long press; the service button uses 5 s
	StuckAfter time.Duration // 0: never stuck; held this long reports Stuck once, e.g. 60 s
}

// waitSlice bounds each WaitForEdge while nothing is due, so a watcher whose
// Halt raced its next wait still notices Close within this time.
const waitSlice = 10 * time.Second

// WatchButtons configures each pin for both edges and watches it in its own
// goroutine. A button held when watching starts reports Press once debounced.
func WatchButtons(cfgs []ButtonConfig, clk clockwork.Clock) (Buttons, error) {
	seen := map[string]bool{}
	for _, c := range cfgs {
		switch {
		case c.Name == "":
			return nil, errors.New("buttons: a button has no name")
		case seen[c.Name]:
			return nil, fmt.Errorf("button %s: named twice", c.Name)
		case c.Pin == nil:
			return nil, fmt.Errorf("button %s: no pin", c.Name)
		case c.Debounce < 0 || c.LongPress < 0 || c.StuckAfter < 0:
			return nil, fmt.Errorf("button %s: negative duration in %+v", c.Name, c)
		}
		seen[c.Name] = true
	}
	for _, c := range cfgs {
		pull := gpio.PullDown
		if c.ActiveLow {
			pull = gpio.PullUp
		}
		if err := c.Pin.In(pull, gpio.BothEdges); err != nil {
			return nil, fmt.Errorf("button %s on %s: %w", c.Name, c.Pin, err)
		}
	}
	w := &watchers{clk: clk, events: make(chan ButtonEvent, 16*len(cfgs)), done: make(chan struct{}), cfgs: cfgs}
	w.wg.Add(len(cfgs))
	for _, c := range cfgs {
		go w.watch(c)
	}
	go func() { w.wg.Wait(); close(w.events) }()
	return w, nil
}

type watchers struct {
	clk    clockwork.Clock
	events chan ButtonEvent
	done   chan struct{}
	cfgs   []ButtonConfig
	wg     sync.WaitGroup
	once   sync.Once
}

func (w *watchers) Events() <-chan ButtonEvent { return w.events }

// Close halts every pin, which ends its pending WaitForEdge, and stops the watchers.
func (w *watchers) Close() error {
	var errs []error
	w.once.Do(func() {
		close(w.done)
		for _, c := range w.cfgs {
			if err := c.Pin.Halt(); err != nil {
				errs = append(errs, fmt.Errorf("button %s on %s: halt: %w", c.Name, c.Pin, err))
			}
		}
	})
	return errors.Join(errs...)
}

// watch waits for edges on one pin, never longer than the button's next deadline.
func (w *watchers) watch(c ButtonConfig) {
	defer w.wg.Done()
	active := !gpio.Level(c.ActiveLow)
	b := &button{cfg: c}
	b.edge(c.Pin.Read() == active, w.clk.Now())
	for !w.closed() {
		now := w.clk.Now()
		wait := waitSlice
		if at, ok := b.deadline(); ok {
			if !at.After(now) {
				w.send(b.tick(now))
				continue
			}
			wait = min(wait, at.Sub(now))
		}
		if c.Pin.WaitForEdge(wait) {
			b.edge(c.Pin.Read() == active, w.clk.Now())
		}
	}
}

func (w *watchers) send(evs []ButtonEvent) {
	for _, ev := range evs {
		select {
		case w.events <- ev:
		case <-w.done:
			return
		}
	}
}

func (w *watchers) closed() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}
