package gpio

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
)

// Lamp shows one of the lamp patterns (see Patterns) until told otherwise.
type Lamp interface {
	// Set replaces the running pattern; an unknown name is an error and changes nothing.
	Set(pattern string) error
}

// Buzzer sounds one of the beep patterns (see BeepPatterns).
type Buzzer interface {
	// Beep starts the pattern and returns at once, cutting short any beep still sounding.
	Beep(pattern string) error
}

// NewLamp drives a lamp on pin, blinking on clk; activeLow lamps light when the pin is low.
func NewLamp(name string, pin gpio.PinOut, activeLow bool, clk clockwork.Clock) Lamp {
	return &lamp{newPlayer("lamp "+name, pin, activeLow, clk, Patterns())}
}

// NewBuzzer drives a buzzer on pin, timing beeps on clk; activeLow buzzers sound when the pin is low.
func NewBuzzer(pin gpio.PinOut, activeLow bool, clk clockwork.Clock) Buzzer {
	return &buzzer{newPlayer("buzzer", pin, activeLow, clk, BeepPatterns())}
}

type lamp struct{ *player }

func (l *lamp) Set(pattern string) error { return l.play(pattern) }

type buzzer struct{ *player }

func (b *buzzer) Beep(pattern string) error { return b.play(pattern) }

// player plays patterns on one output pin; at most one pattern runs at a time,
// and steady patterns need no goroutine at all.
type player struct {
	what     string
	pin      gpio.PinOut
	on, off  gpio.Level
	clk      clockwork.Clock
	patterns map[string]Pattern

	mu   sync.Mutex
	stop chan struct{} // closed to end the running pattern
	done chan struct{} // closed when it has ended
}

func newPlayer(what string, pin gpio.PinOut, activeLow bool, clk clockwork.Clock, patterns map[string]Pattern) *player {
	return &player{what: what, pin: pin, on: !gpio.Level(activeLow), off: gpio.Level(activeLow), clk: clk, patterns: patterns}
}

// play stops the running pattern, sets the first step at once and times the rest.
func (p *player) play(name string) error {
	pat, ok := p.patterns[name]
	if !ok {
		return fmt.Errorf("%s: unknown pattern %q (known: %s)", p.what, name, strings.Join(names(p.patterns), ", "))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop, p.done = nil, nil
	}
	first := pat.Steps[0]
	if err := p.set(first.On); err != nil {
		return err
	}
	if first.For == 0 {
		return nil
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.run(pat, p.stop, p.done)
	return nil
}

// run walks the pattern from its first step (already set) until it ends or stop closes.
func (p *player) run(pat Pattern, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for i := 0; ; {
		t := p.clk.NewTimer(pat.Steps[i].For)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.Chan():
		}
		i++
		if i == len(pat.Steps) {
			if !pat.Repeat {
				p.report(p.set(false))
				return
			}
			i = 0
		}
		p.report(p.set(pat.Steps[i].On))
		if pat.Steps[i].For == 0 {
			return
		}
	}
}

func (p *player) set(on bool) error {
	l := p.off
	if on {
		l = p.on
	}
	if err := p.pin.Out(l); err != nil {
		return fmt.Errorf("%s on %s: %w", p.what, p.pin, err)
	}
	return nil
}

// report logs a pin error met while no caller is waiting for the result.
func (p *player) report(err error) {
	if err != nil {
		slog.Warn("pattern step failed", "err", err)
	}
}
