// Package gpiosim is the simulated twin of package gpio: buttons pressed from
// code (the kiosk maps keyboard keys to them, such as H for help) and a lamp and
// buzzer that log what they would show and remember it for tests.
package gpiosim

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/jonboulle/clockwork"

	"onetrip/hal/gpio"
)

// Buttons emits the same events as gpio.WatchButtons, already debounced.
type Buttons struct {
	clk    clockwork.Clock
	events chan gpio.ButtonEvent
	done   chan struct{}

	mu      sync.Mutex
	held    map[string]bool
	closed  bool
	sending sync.WaitGroup
}

var _ gpio.Buttons = (*Buttons)(nil)

// NewButtons returns simulated buttons stamping their events with clk.
func NewButtons(clk clockwork.Clock) *Buttons {
	return &Buttons{clk: clk, events: make(chan gpio.ButtonEvent, 16), done: make(chan struct{}), held: map[string]bool{}}
}

// Press pushes the button down; pressing a held button does nothing, as on hardware.
func (b *Buttons) Press(name string) { b.change(name, true, gpio.Press) }

// Release lets the button up; releasing a button that is up does nothing.
func (b *Buttons) Release(name string) { b.change(name, false, gpio.Release) }

// Tap presses and releases the button.
func (b *Buttons) Tap(name string) {
	b.Press(name)
	b.Release(name)
}

// Hold presses the button and reports it held long enough for a long press.
func (b *Buttons) Hold(name string) {
	b.Press(name)
	b.emit(name, gpio.LongPress)
}

// change moves the button to down or up and emits kind if it moved.
func (b *Buttons) change(name string, down bool, kind gpio.ButtonKind) {
	b.mu.Lock()
	moved := b.held[name] != down
	b.held[name] = down
	b.mu.Unlock()
	if moved {
		b.emit(name, kind)
	}
}

func (b *Buttons) emit(name string, kind gpio.ButtonKind) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.sending.Add(1)
	b.mu.Unlock()
	defer b.sending.Done()
	select {
	case b.events <- gpio.ButtonEvent{Button: name, Kind: kind, At: b.clk.Now()}:
	case <-b.done:
	}
}

// Events is closed by Close.
func (b *Buttons) Events() <-chan gpio.ButtonEvent { return b.events }

// Close stops the buttons; presses after Close are dropped.
func (b *Buttons) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.done)
	b.sending.Wait()
	close(b.events)
	return nil
}

// Lamp logs each pattern it is set to and remembers the current one.
type Lamp struct {
	name string
	log  *slog.Logger
	*recorder
}

var _ gpio.Lamp = (*Lamp)(nil)

// NewLamp returns a lamp that is off and logs to log.
func NewLamp(name string, log *slog.Logger) *Lamp {
	return &Lamp{name: name, log: log, recorder: &recorder{current: "off"}}
}

// Set checks the pattern against gpio.Patterns, logs it and makes it current.
func (l *Lamp) Set(pattern string) error {
	if err := l.record("lamp "+l.name, pattern, gpio.Patterns()); err != nil {
		return err
	}
	l.log.Info("lamp set", "lamp", l.name, "pattern", pattern)
	return nil
}

// Buzzer logs each beep and remembers the last one.
type Buzzer struct {
	log *slog.Logger
	*recorder
}

var _ gpio.Buzzer = (*Buzzer)(nil)

// NewBuzzer returns a buzzer that has not beeped and logs to log.
func NewBuzzer(log *slog.Logger) *Buzzer { return &Buzzer{log: log, recorder: &recorder{}} }

// Beep checks the pattern against gpio.BeepPatterns, logs it and remembers it.
func (b *Buzzer) Beep(pattern string) error {
	if err := b.record("buzzer", pattern, gpio.BeepPatterns()); err != nil {
		return err
	}
	b.log.Info("buzzer beep", "pattern", pattern)
	return nil
}

// recorder remembers the last valid pattern name.
type recorder struct {
	mu      sync.Mutex
	current string
}

// Pattern is the pattern last set, or last beeped ("" before the first beep).
func (r *recorder) Pattern() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

func (r *recorder) record(what, pattern string, known map[string]gpio.Pattern) error {
	if _, ok := known[pattern]; !ok {
		names := slices.Sorted(maps.Keys(known))
		return fmt.Errorf("%s: unknown pattern %q (known: %s)", what, pattern, strings.Join(names, ", "))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current = pattern
	return nil
}
