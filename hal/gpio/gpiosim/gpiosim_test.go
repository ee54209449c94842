package gpiosim

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"onetrip/hal/gpio"
)

func drain(b *Buttons) []gpio.ButtonEvent {
	var evs []gpio.ButtonEvent
	for {
		select {
		case ev := <-b.Events():
			evs = append(evs, ev)
		default:
			return evs
		}
	}
}

func TestTapIsPressThenRelease(t *testing.T) {
	clk := clockwork.NewFakeClock()
	b := NewButtons(clk)
	defer b.Close()
	b.Tap("help")
	want := []gpio.ButtonEvent{{Button: "help", Kind: gpio.Press, At: clk.Now()}, {Button: "help", Kind: gpio.Release, At: clk.Now()}}
	if got := drain(b); !slices.Equal(got, want) {
		t.Errorf("Tap(help) = %v, want %v", got, want)
	}
}

func TestButtonsBehaveLikeHardware(t *testing.T) {
	b := NewButtons(clockwork.NewFakeClock())
	defer b.Close()
	b.Press("help")
	b.Press("help") // already down
	b.Release("print")
	b.Release("help")
	b.Hold("service")
	var got []string
	for _, ev := range drain(b) {
		got = append(got, ev.Button+" "+ev.Kind.String())
	}
	want := []string{"help press", "help release", "service press", "service long-press"}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestCloseEndsEventsAndDropsLaterPresses(t *testing.T) {
	b := NewButtons(clockwork.NewFakeClock())
	b.Close()
	b.Tap("help")
	select {
	case ev, open := <-b.Events():
		if open {
			t.Errorf("event %v after Close", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Events still open after Close")
	}
}

func TestLampLogsAndRemembersPattern(t *testing.T) {
	var logs bytes.Buffer
	l := NewLamp("help", slog.New(slog.NewTextHandler(&logs, nil)))
	if err := l.Set("attention"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "lamp=help pattern=attention") {
		t.Errorf("log %q lacks lamp=help pattern=attention", logs.String())
	}
	if err := l.Set("disco"); err == nil || !strings.Contains(err.Error(), "disco") {
		t.Errorf("Set(disco) = %v, want an unknown-pattern error", err)
	}
	if got := l.Pattern(); got != "attention" {
		t.Errorf("Pattern() = %q after a bad Set, want attention", got)
	}
}

func TestBuzzerLogsAndRemembersBeep(t *testing.T) {
	var logs bytes.Buffer
	bz := NewBuzzer(slog.New(slog.NewTextHandler(&logs, nil)))
	if err := bz.Beep("error"); err != nil {
		t.Fatal(err)
	}
	if err := bz.Beep("fault"); err == nil {
		t.Error("buzzer accepted a lamp pattern")
	}
	if got := bz.Pattern(); got != "error" || !strings.Contains(logs.String(), "pattern=error") {
		t.Errorf("Pattern() = %q, log %q; want error beep logged", got, logs.String())
	}
}
