package escpos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ChunkSize is the most of a job written at once, each write with its own
// timeout, so a printer that stops taking data is noticed within one chunk.
const ChunkSize = 4096

// StatusTimeout bounds the wait for each DLE EOT reply; printers answer
// real-time requests at once, even while busy.
const StatusTimeout = 500 * time.Millisecond

// Flow-control bytes a serial printer may send between status replies.
const (
	xon  = 0x11
	xoff = 0x13
)

// Driver is a Printer on the other end of a Conn. It asks for status (DLE EOT
// 1–4) before and after each job, never while one is being sent. Print,
// Status and Close may be called concurrently.
type Driver struct {
	name string

	mu    sync.Mutex // one exchange with the printer at a time
	c     Conn
	stale bool // a reply may still be on its way: drain before asking again
}

var _ Printer = (*Driver)(nil)

// NewDriver returns a driver talking over c; name (the device or address)
// appears in its errors.
func NewDriver(c Conn, name string) *Driver {
	return &Driver{c: c, name: name}
}

// Print refuses the job when the printer reports a fault, sends it in
// chunks, and then asks again, so that paper running out mid-job comes back
// as ErrPaperOut: the caller should reprint the whole ticket once the fault
// is cleared.
func (d *Driver) Print(ctx context.Context, job []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.ready(ctx); err != nil {
		return fmt.Errorf("printer %s: job not sent: %w", d.name, err)
	}
	for off := 0; off < len(job); {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("printer %s: job stopped after %d of %d bytes: %w", d.name, off, len(job), err)
		}
		n, err := d.c.Write(job[off:min(off+ChunkSize, len(job))])
		off += n
		if err != nil {
			return fmt.Errorf("printer %s: job stopped after %d of %d bytes: %w", d.name, off, len(job), err)
		}
	}
	if err := d.ready(ctx); err != nil {
		return fmt.Errorf("printer %s: job sent, then: %w", d.name, err)
	}
	return nil
}

// ready returns the fault that stops the printer, or why its status is unknown.
func (d *Driver) ready(ctx context.Context) error {
	st, err := d.status(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

// Status asks DLE EOT 1–4 and merges the replies.
func (d *Driver) Status(ctx context.Context) (Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, err := d.status(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("printer %s: %w", d.name, err)
	}
	return st, nil
}

// Close closes the link; a Print or Status waiting on it fails.
func (d *Driver) Close() error {
	if err := d.c.Close(); err != nil {
		return fmt.Errorf("printer %s: %w", d.name, err)
	}
	return nil
}

// portStatuser is a link with a status line of its own (USB's LPGETSTATUS).
type portStatuser interface {
	PortStatus() (Status, error)
}

func (d *Driver) status(ctx context.Context) (Status, error) {
	var st Status
	for n := 1; n <= 4; n++ {
		part, err := d.ask(ctx, n)
		if errors.Is(err, unix.EINVAL) {
			// usblp refuses reads from printers without a reply channel.
			if ps, ok := d.c.(portStatuser); ok {
				return ps.PortStatus()
			}
		}
		if err != nil {
			d.stale = true
			return Status{}, err
		}
		st = st.Merge(part)
	}
	return st, nil
}

// ask sends DLE EOT n and reads the reply, skipping XON/XOFF.
func (d *Driver) ask(ctx context.Context, n int) (Status, error) {
	if d.stale {
		d.drain()
	}
	if err := ctx.Err(); err != nil {
		return Status{}, fmt.Errorf("status request DLE EOT %d: %w", n, err)
	}
	timeout, ctxFirst := StatusTimeout, false
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout, ctxFirst = time.Until(dl), true
	}
	deadline := time.Now().Add(timeout)
	if _, err := d.c.Write([]byte{dle, 0x04, byte(n)}); err != nil {
		return Status{}, fmt.Errorf("status request DLE EOT %d: %w", n, err)
	}
	var b [1]byte
	for {
		err := d.c.SetReadTimeout(max(time.Until(deadline), time.Nanosecond))
		var k int
		if err == nil {
			k, err = d.c.Read(b[:])
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if ctxFirst {
				err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
			}
			return Status{}, fmt.Errorf("no answer to status request DLE EOT %d within %v: %w", n, timeout.Round(time.Millisecond), err)
		}
		if err != nil {
			return Status{}, fmt.Errorf("status request DLE EOT %d: %w", n, err)
		}
		if k == 0 || b[0] == xon || b[0] == xoff {
			continue
		}
		st, err := ParseStatus(n, b[0])
		if err != nil {
			return Status{}, fmt.Errorf("answers nonsense (wrong baud rate, or not an ESC/POS printer?): %w", err)
		}
		return st, nil
	}
}

// Draining waits drainWait for each late byte, drainMax in all.
const (
	drainWait = 20 * time.Millisecond
	drainMax  = 200 * time.Millisecond
)

// drain discards replies that came after their request timed out, and the
// rest of a nonsense answer, so they are not taken for the next reply.
func (d *Driver) drain() {
	var buf [64]byte
	if d.c.SetReadTimeout(drainWait) != nil {
		return
	}
	for end := time.Now().Add(drainMax); time.Now().Before(end); {
		if _, err := d.c.Read(buf[:]); err != nil {
			break
		}
	}
	d.stale = false
}
