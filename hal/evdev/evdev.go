// Package evdev reads touchscreens and tablets from the kernel's evdev
// interface (/dev/input/event*) with no desktop: multitouch protocol B
// (slots and tracking ids) and single-touch ABS_X/ABS_Y with BTN_TOUCH or
// BTN_LEFT (what qemu's virtual tablets send). It follows one finger, the
// first down, because the kiosk has no gestures. A SYN_DROPPED (the
// kernel's buffer overflowed) discards events up to the next report and
// resynchronises from the device's state. evdevtest holds its twin.
package evdev

import (
	"encoding/binary"
	"image"
	"math"
	"unsafe"
)

// Event types and codes (include/uapi/linux/input-event-codes.h).
const (
	evSyn = 0x00
	evKey = 0x01
	evAbs = 0x03

	synReport  = 0
	synDropped = 3

	btnLeft  = 0x110
	btnTouch = 0x14a

	absX          = 0x00
	absY          = 0x01
	absMTSlot     = 0x2f
	absMTX        = 0x35
	absMTY        = 0x36
	absMTTracking = 0x39
)

// Event is one input_event, without its time stamp.
type Event struct {
	Type, Code uint16
	Value      int32
}

// EventSize is the size of a struct input_event on this machine: two longs
// of time stamp, then type, code and value.
const EventSize = 2*int(unsafe.Sizeof(uintptr(0))) + 8

// Decoder cuts a byte stream into events. A read may end mid-event (the
// twin's short reads); the remainder waits for the next bytes.
type Decoder struct {
	part []byte
}

// Decode appends the whole events in p, after what was left over before,
// to evs.
func (d *Decoder) Decode(evs []Event, p []byte) []Event {
	if len(d.part) > 0 {
		need := EventSize - len(d.part)
		if len(p) < need {
			d.part = append(d.part, p...)
			return evs
		}
		d.part = append(d.part, p[:need]...)
		evs = append(evs, decode(d.part))
		d.part, p = d.part[:0], p[need:]
	}
	for len(p) >= EventSize {
		evs = append(evs, decode(p[:EventSize]))
		p = p[EventSize:]
	}
	d.part = append(d.part, p...)
	return evs
}

func decode(b []byte) Event {
	b = b[EventSize-8:]
	return Event{Type: binary.NativeEndian.Uint16(b), Code: binary.NativeEndian.Uint16(b[2:]), Value: int32(binary.NativeEndian.Uint32(b[4:]))}
}

// Encode is the bytes of events as the kernel writes them (time zero),
// for twins and tests.
func Encode(evs ...Event) []byte {
	out := make([]byte, 0, len(evs)*EventSize)
	for _, e := range evs {
		b := make([]byte, EventSize)
		t := b[EventSize-8:]
		binary.NativeEndian.PutUint16(t, e.Type)
		binary.NativeEndian.PutUint16(t[2:], e.Code)
		binary.NativeEndian.PutUint32(t[4:], uint32(e.Value))
		out = append(out, b...)
	}
	return out
}

// TouchKind is what a touch did.
type TouchKind int

const (
	Down TouchKind = iota
	Move
	Up
)

func (k TouchKind) String() string { return [...]string{"down", "move", "up"}[k] }

// Touch is the followed finger going down, moving or lifting, at a
// position in device units.
type Touch struct {
	Kind TouchKind
	X, Y int32
}

// Contact is one finger as the device holds it, for resynchronising.
type Contact struct {
	ID   int32 // tracking id, -1 when the slot is empty; single-touch: 0 down, -1 up
	X, Y int32
}

// State is the device's contacts now: one per slot (single-touch: one).
type State []Contact

// Tracker folds events into the followed finger's touches.
type Tracker struct {
	slots   []Contact // current, as reported so far
	slot    int       // ABS_MT_SLOT selects this one
	mt      bool      // the device speaks protocol B
	skip    []int32   // per slot: a tracking id that starts no touch
	follow  int       // the followed finger's slot, -1 when none
	x, y    int32     // where it was last told to be
	id      int32     // its tracking id
	dropped bool      // skipping to the SYN_REPORT after a SYN_DROPPED
}

// NewTracker follows a device with slots contacts (1 for single-touch;
// multitouch devices say how many in ABS_MT_SLOT's maximum + 1).
func NewTracker(slots int, multitouch bool) *Tracker {
	n := max(slots, 1)
	t := &Tracker{slots: make([]Contact, n), skip: make([]int32, n), mt: multitouch, follow: -1}
	for i := range t.slots {
		t.slots[i].ID, t.skip[i] = -1, -1
	}
	return t
}

// Dropped reports whether events were lost and the tracker waits for the
// next SYN_REPORT to Resync.
func (t *Tracker) Dropped() bool { return t.dropped }

// Event takes one event and appends the touches it completes (at a
// SYN_REPORT) to out.
func (t *Tracker) Event(out []Touch, e Event) []Touch {
	if t.dropped {
		if e.Type == evSyn && e.Code == synReport {
			t.dropped = false
		}
		return out
	}
	switch e.Type {
	case evSyn:
		switch e.Code {
		case synReport:
			return t.report(out)
		case synDropped:
			t.dropped = true
		}
	case evKey:
		if !t.mt && (e.Code == btnTouch || e.Code == btnLeft) {
			t.slots[0].ID = -1
			if e.Value != 0 {
				t.slots[0].ID = 0
			}
		}
	case evAbs:
		t.abs(e)
	}
	return out
}

func (t *Tracker) abs(e Event) {
	if !t.mt {
		switch e.Code {
		case absX:
			t.slots[0].X = e.Value
		case absY:
			t.slots[0].Y = e.Value
		}
		return
	}
	if e.Code == absMTSlot {
		t.slot = int(e.Value)
		return
	}
	if t.slot < 0 || t.slot >= len(t.slots) {
		return // a slot the device did not announce
	}
	c := &t.slots[t.slot]
	switch e.Code {
	case absMTTracking:
		c.ID = e.Value
	case absMTX:
		c.X = e.Value
	case absMTY:
		c.Y = e.Value
	}
}

// Resync replaces the tracker's idea of the contacts with the device's
// (after a SYN_DROPPED) and appends the touches that makes up.
func (t *Tracker) Resync(out []Touch, s State) []Touch {
	for i := range t.slots {
		if i < len(s) {
			t.slots[i] = s[i]
		} else {
			t.slots[i] = Contact{ID: -1}
		}
	}
	t.dropped = false
	return t.report(out)
}

// report compares the followed finger with what was last told, and
// follows a new finger when none is. Fingers already down when the followed
// one lifts start no touch of their own (a palm resting on the glass).
func (t *Tracker) report(out []Touch) []Touch {
	if t.follow >= 0 {
		c := t.slots[t.follow]
		if c.ID == t.id {
			if c.X != t.x || c.Y != t.y {
				t.x, t.y = c.X, c.Y
				out = append(out, Touch{Kind: Move, X: c.X, Y: c.Y})
			}
			return out
		}
		out = append(out, Touch{Kind: Up, X: t.x, Y: t.y})
		for i, o := range t.slots {
			if i != t.follow {
				t.skip[i] = o.ID
			}
		}
		t.follow = -1
	}
	for i, c := range t.slots {
		if c.ID >= 0 && c.ID != t.skip[i] {
			t.follow, t.id, t.x, t.y = i, c.ID, c.X, c.Y
			return append(out, Touch{Kind: Down, X: c.X, Y: c.Y})
		}
	}
	return out
}

// Axis is a touch axis's range in device units. Min may exceed Max on a
// panel mounted mirrored.
type Axis struct {
	Min, Max int32
}

// Calibration maps device units to panel pixels.
type Calibration struct {
	X, Y  Axis
	Panel image.Point // the panel's size in pixels
}

// Pixel is the panel pixel under a touch at device position (x, y),
// clamped to the panel.
func (c Calibration) Pixel(x, y int32) image.Point {
	return image.Pt(scale(x, c.X, c.Panel.X), scale(y, c.Y, c.Panel.Y))
}

func scale(v int32, a Axis, n int) int {
	if a.Max == a.Min || n <= 1 {
		return 0
	}
	p := int(math.Round(float64(v-a.Min) * float64(n-1) / float64(a.Max-a.Min)))
	return min(max(p, 0), n-1)
}
