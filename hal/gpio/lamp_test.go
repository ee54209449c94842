package gpio

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// outPin is a gpiotest pin that also hands every level written to it to the test.
type outPin struct {
	*gpiotest.Pin
	outs chan gpio.Level
}

func newOutPin() outPin { return outPin{&gpiotest.Pin{N: "GPIO22"}, make(chan gpio.Level, 16)} }

func (p outPin) Out(l gpio.Level) error {
	err := p.Pin.Out(l)
	p.outs <- l
	return err
}

// written returns the levels written so far.
func (p outPin) written() []gpio.Level {
	var ls []gpio.Level
	for {
		select {
		case l := <-p.outs:
			ls = append(ls, l)
		default:
			return ls
		}
	}
}

// next waits for the next level written.
func (p outPin) next(t *testing.T) gpio.Level {
	t.Helper()
	select {
	case l := <-p.outs:
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written to the pin")
		return gpio.Low
	}
}

// tick waits until the pattern is waiting on its next step, then advances by d.
func tick(t *testing.T, clk *clockwork.FakeClock, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clk.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal("pattern is not waiting on the clock:", err)
	}
	clk.Advance(d)
}

// settle waits until the pattern has written its next step and is waiting again.
func settle(t *testing.T, clk *clockwork.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clk.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal("pattern stopped waiting on the clock:", err)
	}
}

func TestAttentionBlinksOnTheClock(t *testing.T) {
	clk := clockwork.NewFakeClock()
	pin := newOutPin()
	lamp := NewLamp("help", pin, false, clk)
	if err := lamp.Set("attention"); err != nil {
		t.Fatal(err)
	}
	half := Patterns()["attention"].Steps[0].For
	want := gpio.High
	for i := range 4 {
		if got := pin.Read(); got != want {
			t.Fatalf("half-period %d: lamp pin %v, want %v", i, got, want)
		}
		tick(t, clk, half-time.Millisecond)
		if got := pin.Read(); got != want {
			t.Fatalf("half-period %d, 1 ms early: lamp pin %v, want %v", i, got, want)
		}
		clk.Advance(time.Millisecond)
		settle(t, clk)
		want = !want
	}
	if got, w := pin.written(), []gpio.Level{gpio.High, gpio.Low, gpio.High, gpio.Low, gpio.High}; !slices.Equal(got, w) {
		t.Errorf("writes %v, want %v", got, w)
	}
}

func TestSetReplacesTheRunningPattern(t *testing.T) {
	clk := clockwork.NewFakeClock()
	pin := newOutPin()
	lamp := NewLamp("help", pin, false, clk)
	if err := lamp.Set("fault"); err != nil {
		t.Fatal(err)
	}
	settle(t, clk)
	if err := lamp.Set("ready"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if got, w := pin.written(), []gpio.Level{gpio.High, gpio.High}; !slices.Equal(got, w) {
		t.Errorf("writes %v, want fault's first step then steady ready %v", got, w)
	}
}

func TestActiveLowLampInverts(t *testing.T) {
	pin := newOutPin()
	lamp := NewLamp("status", pin, true, clockwork.NewFakeClock())
	for _, c := range []struct {
		pattern string
		want    gpio.Level
	}{{"ready", gpio.Low}, {"off", gpio.High}} {
		if err := lamp.Set(c.pattern); err != nil {
			t.Fatal(err)
		}
		if got := pin.Read(); got != c.want {
			t.Errorf("active-low lamp %s: pin %v, want %v", c.pattern, got, c.want)
		}
	}
}

func TestUnknownPatternIsAnErrorAndChangesNothing(t *testing.T) {
	pin := newOutPin()
	lamp := NewLamp("help", pin, false, clockwork.NewFakeClock())
	if err := lamp.Set("ready"); err != nil {
		t.Fatal(err)
	}
	err := lamp.Set("disco")
	if err == nil || !strings.Contains(err.Error(), `"disco"`) || !strings.Contains(err.Error(), "lamp help") {
		t.Errorf("Set(disco) = %v, want an error naming the lamp and the pattern", err)
	}
	if got := pin.Read(); got != gpio.High {
		t.Errorf("after a bad Set the lamp is %v, want still on", got)
	}
	if err := NewBuzzer(pin, false, clockwork.NewFakeClock()).Beep("ready"); err == nil {
		t.Error("buzzer accepted a lamp pattern")
	}
}

func TestErrorBeepPlaysOnceAndEndsSilent(t *testing.T) {
	clk := clockwork.NewFakeClock()
	pin := newOutPin()
	bz := NewBuzzer(pin, false, clk)
	if err := bz.Beep("error"); err != nil {
		t.Fatal(err)
	}
	for _, s := range BeepPatterns()["error"].Steps {
		if got := pin.next(t); got != gpio.Level(s.On) {
			t.Fatalf("step %+v: wrote %v", s, got)
		}
		tick(t, clk, s.For)
	}
	if got := pin.next(t); got != gpio.Low {
		t.Errorf("after the last step wrote %v, want low (silent)", got)
	}
	clk.Advance(time.Hour)
	if got := pin.written(); len(got) != 0 {
		t.Errorf("wrote %v after the pattern ended", got)
	}
}

func TestPatternTablesAreWellFormed(t *testing.T) {
	for table, ps := range map[string]map[string]Pattern{"lamp": Patterns(), "beep": BeepPatterns()} {
		for name, p := range ps {
			if p.Name != name || len(p.Steps) == 0 {
				t.Errorf("%s pattern %q: name %q, %d steps", table, name, p.Name, len(p.Steps))
			}
			for i, s := range p.Steps {
				if s.For < 0 || (s.For == 0 && i != len(p.Steps)-1) {
					t.Errorf("%s pattern %q step %d: %v; only the last step may hold", table, name, i, s.For)
				}
			}
			if p.Repeat && p.Steps[len(p.Steps)-1].For == 0 {
				t.Errorf("%s pattern %q repeats but its last step holds forever", table, name)
			}
		}
	}
}
