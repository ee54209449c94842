package evdev_test

import (
	"context"
	"image"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"onetrip/hal/evdev"
	"onetrip/hal/evdev/evdevtest"
)

// Event types and codes as the kernel numbers them.
const (
	synReport  = 0
	synDropped = 3
	btnLeft    = 0x110
	btnTouch   = 0x14a
	absX       = 0x00
	absY       = 0x01
	mtSlot     = 0x2f
	mtX        = 0x35
	mtY        = 0x36
	mtTracking = 0x39
)

func syn() evdev.Event                     { return evdev.Event{Type: 0, Code: synReport} }
func key(code uint16, v int32) evdev.Event { return evdev.Event{Type: 1, Code: code, Value: v} }
func abs(code uint16, v int32) evdev.Event { return evdev.Event{Type: 3, Code: code, Value: v} }

// track runs events through a tracker and returns the touches.
func track(tr *evdev.Tracker, evs ...evdev.Event) []evdev.Touch {
	var out []evdev.Touch
	for _, e := range evs {
		out = tr.Event(out, e)
	}
	return out
}

// A stream cut anywhere, even mid-event, decodes to the same events.
func TestDecoderKeepsEventsCutByShortReads(t *testing.T) {
	want := []evdev.Event{abs(absX, 100), abs(absY, -7), key(btnLeft, 1), syn(), abs(absX, 32767), key(btnLeft, 0), syn()}
	raw := evdev.Encode(want...)
	for cut := 1; cut <= len(raw); cut++ {
		var d evdev.Decoder
		var got []evdev.Event
		for p := raw; len(p) > 0; {
			n := min(cut, len(p))
			got = d.Decode(got, p[:n])
			p = p[n:]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("read %d bytes at a time: %v, want %v", cut, got, want)
		}
	}
}

// qemu's virtual tablets are single-touch: ABS_X/ABS_Y and BTN_LEFT;
// touchscreens without slots use BTN_TOUCH.
func TestSingleTouch(t *testing.T) {
	for _, btn := range []uint16{btnLeft, btnTouch} {
		tr := evdev.NewTracker(1, false)
		got := track(tr,
			abs(absX, 100), abs(absY, 200), syn(), // hovering: no touch
			key(btn, 1), syn(),
			abs(absX, 110), syn(),
			key(btn, 0), syn())
		want := []evdev.Touch{{evdev.Down, 100, 200}, {evdev.Move, 110, 200}, {evdev.Up, 110, 200}}
		if !slices.Equal(got, want) {
			t.Errorf("button %#x: %v, want %v", btn, got, want)
		}
	}
}

// Protocol B: the first finger down is followed; a second finger starts
// nothing, not even when the first lifts; a new finger after both lifted does.
func TestMultitouchFollowsTheFirstFinger(t *testing.T) {
	tr := evdev.NewTracker(10, true)
	got := track(tr,
		abs(mtSlot, 0), abs(mtTracking, 45), abs(mtX, 10), abs(mtY, 20), syn(),
		abs(mtSlot, 1), abs(mtTracking, 46), abs(mtX, 500), abs(mtY, 500), syn(),
		abs(mtSlot, 0), abs(mtX, 12), syn(),
		abs(mtSlot, 1), abs(mtX, 510), syn(), // the second finger moves: nothing
		abs(mtSlot, 0), abs(mtTracking, -1), syn(),
		abs(mtSlot, 1), abs(mtX, 520), syn(), // still the second: nothing
		abs(mtTracking, -1), syn(),
		abs(mtTracking, 47), abs(mtX, 300), abs(mtY, 301), syn(),
		abs(mtTracking, -1), syn())
	want := []evdev.Touch{{evdev.Down, 10, 20}, {evdev.Move, 12, 20}, {evdev.Up, 12, 20}, {evdev.Down, 300, 301}, {evdev.Up, 300, 301}}
	if !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

// After SYN_DROPPED the tracker skips to the next report and takes the
// device's state: a finger lifted while events were lost is lifted.
func TestDroppedEventsAreMadeUpFromTheDevicesState(t *testing.T) {
	tr := evdev.NewTracker(2, true)
	got := track(tr, abs(mtSlot, 0), abs(mtTracking, 3), abs(mtX, 10), abs(mtY, 10), syn(),
		evdev.Event{Type: 0, Code: synDropped}, abs(mtX, 999), abs(mtTracking, 9), syn())
	if want := []evdev.Touch{{evdev.Down, 10, 10}}; !slices.Equal(got, want) || tr.Dropped() {
		t.Fatalf("before resync %v (dropped %v), want %v", got, tr.Dropped(), want)
	}
	got = tr.Resync(nil, evdev.State{{ID: -1}, {ID: -1}})
	if want := []evdev.Touch{{evdev.Up, 10, 10}}; !slices.Equal(got, want) {
		t.Fatalf("resync to no finger: %v, want %v", got, want)
	}
	got = tr.Resync(nil, evdev.State{{ID: -1}, {ID: 12, X: 40, Y: 41}})
	if want := []evdev.Touch{{evdev.Down, 40, 41}}; !slices.Equal(got, want) {
		t.Fatalf("resync to a new finger: %v, want %v", got, want)
	}
}

// collector gathers touches from Run.
type collector struct {
	mu  sync.Mutex
	got []evdev.Touch
	ch  chan struct{}
}

func (c *collector) touch(t evdev.Touch, _ evdev.Info) {
	c.mu.Lock()
	c.got = append(c.got, t)
	c.mu.Unlock()
	c.ch <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int) []evdev.Touch {
	t.Helper()
	for {
		c.mu.Lock()
		got := slices.Clone(c.got)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		<-c.ch
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// A touchscreen unplugged with a finger down lifts the finger, and the
// one plugged in again is read.
func TestRunReopensAVanishedDevice(t *testing.T) {
	info := evdev.Info{Path: "/dev/input/event3", Slots: 1, X: evdev.Axis{Max: 32767}, Y: evdev.Axis{Max: 32767}}
	first, second := evdevtest.New(info), evdevtest.New(info)
	devs := []*evdevtest.Device{first, second}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &collector{ch: make(chan struct{}, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		evdev.Run(ctx, func() (evdev.Device, error) {
			d := devs[0]
			if len(devs) > 1 {
				devs = devs[1:]
			}
			return d, nil
		}, c.touch, quiet)
	}()
	first.Feed(evdev.Encode(abs(absX, 5), abs(absY, 6), key(btnLeft, 1), syn()))
	c.wait(t, 1)
	first.Unplug()
	second.Feed(evdev.Encode(abs(absX, 7), abs(absY, 8), key(btnLeft, 1), syn(), key(btnLeft, 0), syn()))
	got := c.wait(t, 4)
	want := []evdev.Touch{{evdev.Down, 5, 6}, {evdev.Up, 5, 6}, {evdev.Down, 7, 8}, {evdev.Up, 7, 8}}
	if !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	cancel()
	<-done
}

// Garbage (random bytes, cut anywhere) never breaks the touch sequence:
// every finger that goes down lifts before the next goes down, and every
// touch maps inside the panel.
func TestGarbageKeepsTouchesWellFormed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cal := evdev.Calibration{X: evdev.Axis{Max: 4095}, Y: evdev.Axis{Max: 4095}, Panel: image.Pt(1280, 800)}
	for _, mt := range []bool{false, true} {
		tr := evdev.NewTracker(4, mt)
		var d evdev.Decoder
		down := false
		for range 2000 {
			var evs []evdev.Event
			b := make([]byte, rng.IntN(3*evdev.EventSize))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			// Mostly plausible events, some noise.
			for range rng.IntN(4) {
				codes := []uint16{absX, absY, mtSlot, mtX, mtY, mtTracking}
				evs = append(evs, abs(codes[rng.IntN(len(codes))], rng.Int32N(5000)-500))
			}
			evs = append(evs, key(btnTouch, rng.Int32N(2)), syn())
			raw := append(b, evdev.Encode(evs...)...)
			for _, e := range d.Decode(nil, raw) {
				for _, touch := range tr.Event(nil, e) {
					switch {
					case touch.Kind == evdev.Down && down, touch.Kind != evdev.Down && !down:
						t.Fatalf("multitouch %v: %v while down=%v", mt, touch.Kind, down)
					}
					down = touch.Kind != evdev.Up
					if p := cal.Pixel(touch.X, touch.Y); !p.In(image.Rect(0, 0, 1280, 800)) {
						t.Fatalf("touch %v maps to %v, outside the panel", touch, p)
					}
				}
			}
		}
	}
}

// Run asks the device itself after lost events: the finger it says was
// lifted meanwhile is lifted.
func TestRunResyncsFromTheDevice(t *testing.T) {
	info := evdev.Info{Path: "/dev/input/event0", Multitouch: true, Slots: 2, X: evdev.Axis{Max: 4095}, Y: evdev.Axis{Max: 4095}}
	d := evdevtest.New(info)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &collector{ch: make(chan struct{}, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		evdev.Run(ctx, func() (evdev.Device, error) { return d, nil }, c.touch, quiet)
	}()
	d.Feed(evdev.Encode(abs(mtSlot, 0), abs(mtTracking, 1), abs(mtX, 100), abs(mtY, 200), syn()))
	c.wait(t, 1)
	d.SetState(evdev.State{{ID: -1}, {ID: -1}})
	d.Feed(evdev.Encode(evdev.Event{Type: 0, Code: synDropped}, abs(mtX, 4000)), evdev.Encode(syn()))
	got := c.wait(t, 2)
	if want := []evdev.Touch{{evdev.Down, 100, 200}, {evdev.Up, 100, 200}}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	cancel()
	<-done
}
