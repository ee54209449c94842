package evdev

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Device is an open touch device: its event bytes, what it is, and its
// contacts now (asked after a SYN_DROPPED).
type Device interface {
	io.Reader
	Info() Info
	State() (State, error)
	Close() error
}

// Info is what a touch device reports of itself.
type Info struct {
	Path       string
	Multitouch bool // protocol B slots
	Slots      int  // contacts it tracks (1 for single-touch)
	X, Y       Axis // its ranges in device units
}

// Node is a real /dev/input/event* device.
type Node struct {
	f    *os.File
	info Info
}

// ioctl numbers (include/uapi/linux/input.h): _IOR/_IOC(READ, 'E', nr, len).
func ior(nr, size uintptr) uintptr { return 2<<30 | size<<16 | 'E'<<8 | nr }

func eviocgbit(ev, size uintptr) uintptr { return ior(0x20+ev, size) }
func eviocgabs(abs uintptr) uintptr      { return ior(0x40+abs, unsafe.Sizeof(absInfo{})) }
func eviocgkey(size uintptr) uintptr     { return ior(0x18, size) }
func eviocgmtslots(size uintptr) uintptr { return ior(0x0a, size) }

type absInfo struct {
	Value, Minimum, Maximum, Fuzz, Flat, Resolution int32
}

// Open opens a touch device and learns its axes; a device that reports no
// absolute X and Y (a keyboard, a mouse) is refused.
func Open(path string) (*Node, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("touch %s: %w", path, err)
	}
	n := &Node{f: f, info: Info{Path: path, Slots: 1}}
	if err := n.probe(); err != nil {
		f.Close()
		return nil, fmt.Errorf("touch %s: %w", path, err)
	}
	return n, nil
}

func (n *Node) probe() error {
	var abs [8]byte // ABS_MAX is 0x3f
	if err := n.ioctl(eviocgbit(evAbs, uintptr(len(abs))), unsafe.Pointer(&abs[0])); err != nil {
		return fmt.Errorf("ask its axes: %w", err)
	}
	has := func(code int) bool { return abs[code/8]&(1<<(code%8)) != 0 }
	x, y := uintptr(absX), uintptr(absY)
	if has(absMTSlot) && has(absMTX) && has(absMTY) && has(absMTTracking) {
		n.info.Multitouch, x, y = true, absMTX, absMTY
		slot, err := n.abs(absMTSlot)
		if err != nil {
			return err
		}
		n.info.Slots = int(slot.Maximum) + 1
	} else if !has(absX) || !has(absY) {
		return errors.New("not a touchscreen or tablet (no absolute X and Y)")
	}
	ax, err := n.abs(x)
	if err != nil {
		return err
	}
	ay, err := n.abs(y)
	if err != nil {
		return err
	}
	n.info.X, n.info.Y = Axis{ax.Minimum, ax.Maximum}, Axis{ay.Minimum, ay.Maximum}
	return nil
}

func (n *Node) abs(code uintptr) (absInfo, error) {
	var a absInfo
	if err := n.ioctl(eviocgabs(code), unsafe.Pointer(&a)); err != nil {
		return a, fmt.Errorf("ask axis %#x: %w", code, err)
	}
	return a, nil
}

// Info is what the device reported at Open.
func (n *Node) Info() Info { return n.info }

// Read reads whole events; it parks only the calling goroutine.
func (n *Node) Read(p []byte) (int, error) { return n.f.Read(p) }

// State asks the device for its contacts now.
func (n *Node) State() (State, error) {
	if !n.info.Multitouch {
		var keys [96]byte // KEY_MAX is 0x2ff
		if err := n.ioctl(eviocgkey(uintptr(len(keys))), unsafe.Pointer(&keys[0])); err != nil {
			return nil, fmt.Errorf("touch %s: ask its buttons: %w", n.info.Path, err)
		}
		down := func(code int) bool { return keys[code/8]&(1<<(code%8)) != 0 }
		ax, err := n.abs(absX)
		if err != nil {
			return nil, err
		}
		ay, err := n.abs(absY)
		if err != nil {
			return nil, err
		}
		c := Contact{ID: -1, X: ax.Value, Y: ay.Value}
		if down(btnTouch) || down(btnLeft) {
			c.ID = 0
		}
		return State{c}, nil
	}
	s := make(State, n.info.Slots)
	for _, code := range []uint32{absMTTracking, absMTX, absMTY} {
		buf := make([]int32, 1+n.info.Slots) // code, then one value per slot
		buf[0] = int32(code)
		if err := n.ioctl(eviocgmtslots(uintptr(4*len(buf))), unsafe.Pointer(&buf[0])); err != nil {
			return nil, fmt.Errorf("touch %s: ask its slots: %w", n.info.Path, err)
		}
		for i, v := range buf[1:] {
			switch code {
			case absMTTracking:
				s[i].ID = v
			case absMTX:
				s[i].X = v
			case absMTY:
				s[i].Y = v
			}
		}
	}
	return s, nil
}

// Close closes the device; a Read blocked on it returns.
func (n *Node) Close() error { return n.f.Close() }

func (n *Node) ioctl(req uintptr, arg unsafe.Pointer) error {
	rc, err := n.f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// Find opens the first touch device among dir's event* nodes (in number
// order), skipping keyboards, mice and nodes it may not open.
func Find(dir string) (*Node, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "event*"))
	slices.SortFunc(paths, func(a, b string) int { return cmp.Or(len(a)-len(b), strings.Compare(a, b)) })
	var errs []error
	for _, p := range paths {
		n, err := Open(p)
		if err == nil {
			return n, nil
		}
		errs = append(errs, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("touch: no input devices in %s (is the evdev module loaded?)", dir)
	}
	return nil, fmt.Errorf("touch: none of %d input devices in %s is a touchscreen: %w", len(paths), dir, errors.Join(errs...))
}

// Run reads touches from the device open returns and hands each, with the
// device's Info, to touch until ctx ends. A device that vanishes (unplugged,
// its driver reloaded) is opened again, once a second, and the finger it
// held is lifted.
func Run(ctx context.Context, open func() (Device, error), touch func(Touch, Info), log *slog.Logger) error {
	var last error
	for ctx.Err() == nil {
		d, err := open()
		if err != nil {
			if last == nil || err.Error() != last.Error() {
				log.Warn("touchscreen unavailable; looking again every second", "err", err)
			}
			last = err
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if last != nil {
			log.Info("touchscreen back", "device", d.Info().Path)
		}
		last = nil
		err = follow(ctx, d, touch)
		if ctx.Err() == nil {
			log.Warn("touchscreen lost", "device", d.Info().Path, "err", err)
			last = err
		}
	}
	return nil
}

// follow reads one device until it fails or ctx ends.
func follow(ctx context.Context, d Device, touch func(Touch, Info)) error {
	stop := context.AfterFunc(ctx, func() { d.Close() })
	defer func() {
		if stop() {
			d.Close()
		}
	}()
	info := d.Info()
	t := NewTracker(info.Slots, info.Multitouch)
	var dec Decoder
	buf := make([]byte, 64*EventSize)
	var evs []Event
	var out []Touch
	for {
		n, err := d.Read(buf)
		evs = dec.Decode(evs[:0], buf[:n])
		out = out[:0]
		for _, e := range evs {
			dropped := t.Dropped()
			out = t.Event(out, e)
			if dropped && !t.Dropped() {
				// Events were lost: the report after them is skipped
				// and the device asked what it holds now.
				s, serr := d.State()
				if serr != nil {
					return serr
				}
				out = t.Resync(out, s)
			}
		}
		for _, o := range out {
			touch(o, info)
		}
		if err != nil {
			if t.follow >= 0 {
				touch(Touch{Kind: Up, X: t.x, Y: t.y}, info)
			}
			return err
		}
	}
}
