// Package evdevtest is a touch device's twin: it hands out the bytes it is
// fed in the pieces they were fed in (short reads, events cut in two,
// garbage), answers state questions with the contacts it is told of, and
// can be unplugged, when its reads fail with ENODEV as a removed
// /dev/input node's do.
package evdevtest

import (
	"fmt"
	"sync"
	"syscall"

	"onetrip/hal/evdev"
)

// Device is a simulated touch device.
type Device struct {
	info   evdev.Info
	mu     sync.Mutex
	chunks [][]byte
	state  evdev.State
	gone   bool
	closed bool
	wake   chan struct{}
}

// New returns a device that reports info.
func New(info evdev.Info) *Device {
	return &Device{info: info, wake: make(chan struct{}, 1)}
}

// Feed queues bytes for a later Read; each Read returns at most one piece.
func (d *Device) Feed(chunks ...[]byte) {
	d.mu.Lock()
	for _, c := range chunks {
		if len(c) > 0 {
			d.chunks = append(d.chunks, c)
		}
	}
	d.mu.Unlock()
	d.poke()
}

// SetState sets the contacts State reports.
func (d *Device) SetState(s evdev.State) {
	d.mu.Lock()
	d.state = s
	d.mu.Unlock()
}

// Unplug removes the device: reads fail once the queued bytes are read.
func (d *Device) Unplug() {
	d.mu.Lock()
	d.gone = true
	d.mu.Unlock()
	d.poke()
}

func (d *Device) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Info is what the device reports of itself.
func (d *Device) Info() evdev.Info { return d.info }

// Read returns the next piece fed (or as much of it as fits), blocking
// until there is one.
func (d *Device) Read(p []byte) (int, error) {
	for {
		d.mu.Lock()
		switch {
		case d.closed:
			d.mu.Unlock()
			return 0, fmt.Errorf("read %s: file already closed", d.info.Path)
		case len(d.chunks) > 0:
			n := copy(p, d.chunks[0])
			if d.chunks[0] = d.chunks[0][n:]; len(d.chunks[0]) == 0 {
				d.chunks = d.chunks[1:]
			}
			d.mu.Unlock()
			return n, nil
		case d.gone:
			d.mu.Unlock()
			return 0, fmt.Errorf("read %s: %w", d.info.Path, syscall.ENODEV)
		}
		d.mu.Unlock()
		<-d.wake
	}
}

// State reports the contacts set with SetState; an unplugged device fails.
func (d *Device) State() (evdev.State, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gone {
		return nil, fmt.Errorf("touch %s: %w", d.info.Path, syscall.ENODEV)
	}
	return append(evdev.State(nil), d.state...), nil
}

// Close ends reads.
func (d *Device) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.poke()
	return nil
}
