// Command evdevcheck runs in the kiosk's test virtual machine before the
// kiosk: it makes a multitouch touchscreen with the kernel's uinput, sends
// it two fingers in protocol B, and checks what hal/evdev makes of the real
// kernel's device: its slots and ranges (EVIOCGBIT, EVIOCGABS), the
// contacts it holds (EVIOCGMTSLOTS) and the followed finger's touches. It
// prints "evdevcheck: ok" or what went wrong.
package main

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"onetrip/hal/evdev"
)

// uinput ioctls (include/uapi/linux/uinput.h).
const (
	uiSetEvBit   = 0x40045564
	uiSetKeyBit  = 0x40045565
	uiSetAbsBit  = 0x40045567
	uiSetPropBit = 0x4004556e
	uiDevCreate  = 0x5501
)

const (
	evSyn, evKey, evAbs          = 0, 1, 3
	btnTouch                     = 0x14a
	absX, absY                   = 0, 1
	mtSlot, mtX, mtY, mtTracking = 0x2f, 0x35, 0x36, 0x39
	inputPropDirect              = 1
	slots                        = 4
	maxX, maxY                   = 4095, 2047
)

func main() {
	if err := check(); err != nil {
		fmt.Printf("evdevcheck: %v\n", err)
		return
	}
	fmt.Println("evdevcheck: ok")
}

func check() error {
	u, err := unix.Open("/dev/uinput", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(u) // destroys the device
	set := func(req, v uintptr) error {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(u), req, v)
		if e != 0 {
			return fmt.Errorf("uinput ioctl %#x %d: %w", req, v, e)
		}
		return nil
	}
	for _, s := range [][2]uintptr{{uiSetEvBit, evSyn}, {uiSetEvBit, evKey}, {uiSetEvBit, evAbs}, {uiSetKeyBit, btnTouch},
		{uiSetAbsBit, absX}, {uiSetAbsBit, absY}, {uiSetAbsBit, mtSlot}, {uiSetAbsBit, mtX}, {uiSetAbsBit, mtY}, {uiSetAbsBit, mtTracking},
		{uiSetPropBit, inputPropDirect}} {
		if err := set(s[0], s[1]); err != nil {
			return err
		}
	}
	// struct uinput_user_dev: name[80], input_id, ff_effects_max, then
	// absmax, absmin, absfuzz, absflat, 64 each.
	dev := make([]byte, 80+8+4+4*64*4)
	copy(dev, "onetrip test touchscreen")
	binary.NativeEndian.PutUint16(dev[80:], unix.BUS_VIRTUAL)
	absmax := func(code, v int) { binary.NativeEndian.PutUint32(dev[92+4*code:], uint32(v)) }
	absmax(absX, maxX)
	absmax(absY, maxY)
	absmax(mtSlot, slots-1)
	absmax(mtX, maxX)
	absmax(mtY, maxY)
	absmax(mtTracking, 65535)
	if _, err := unix.Write(u, dev); err != nil {
		return fmt.Errorf("uinput setup: %w", err)
	}
	if err := set(uiDevCreate, 0); err != nil {
		return err
	}
	n, err := openMultitouch()
	if err != nil {
		return err
	}
	defer n.Close()
	info := n.Info()
	if info.Slots != slots || info.X != (evdev.Axis{Max: maxX}) || info.Y != (evdev.Axis{Max: maxY}) {
		return fmt.Errorf("device reports %+v, want %d slots, X 0-%d, Y 0-%d", info, slots, maxX, maxY)
	}
	send := func(evs ...evdev.Event) error {
		_, err := unix.Write(u, evdev.Encode(evs...))
		return err
	}
	abs := func(code uint16, v int32) evdev.Event { return evdev.Event{Type: evAbs, Code: code, Value: v} }
	syn := evdev.Event{Type: evSyn}
	if err := send(abs(mtSlot, 0), abs(mtTracking, 7), abs(mtX, 100), abs(mtY, 200), syn,
		abs(mtSlot, 1), abs(mtTracking, 8), abs(mtX, 900), abs(mtY, 901), syn); err != nil {
		return err
	}
	state, err := n.State() // the kernel applied the events in the write

	if err != nil {
		return err
	}
	if want := (evdev.State{{ID: 7, X: 100, Y: 200}, {ID: 8, X: 900, Y: 901}, {ID: -1}, {ID: -1}}); !slices.Equal(state, want) {
		return fmt.Errorf("EVIOCGMTSLOTS: contacts %v, want %v", state, want)
	}
	if err := send(abs(mtSlot, 0), abs(mtX, 150), syn, abs(mtTracking, -1), syn); err != nil {
		return err
	}
	tr := evdev.NewTracker(info.Slots, info.Multitouch)
	var dec evdev.Decoder
	var got []evdev.Touch
	timer := time.AfterFunc(5*time.Second, func() { n.Close() })
	defer timer.Stop()
	buf := make([]byte, 64*evdev.EventSize)
	for len(got) < 3 {
		k, err := n.Read(buf)
		if err != nil {
			return fmt.Errorf("read after %v: %w", got, err)
		}
		for _, e := range dec.Decode(nil, buf[:k]) {
			got = tr.Event(got, e)
		}
	}
	if want := []evdev.Touch{{Kind: evdev.Down, X: 100, Y: 200}, {Kind: evdev.Move, X: 150, Y: 200}, {Kind: evdev.Up, X: 150, Y: 200}}; !slices.Equal(got, want) {
		return fmt.Errorf("touches %v, want %v", got, want)
	}
	return nil
}

// openMultitouch finds the device uinput made: the one multitouch node.
func openMultitouch() (*evdev.Node, error) {
	for range 100 {
		paths, _ := filepath.Glob("/dev/input/event*")
		for _, p := range paths {
			if n, err := evdev.Open(p); err == nil {
				if n.Info().Multitouch {
					return n, nil
				}
				n.Close()
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("no multitouch device appeared in /dev/input")
}
