package serial

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrUnavailable means the device is gone (unplugged) and not yet back.
var ErrUnavailable = errors.New("device unavailable")

// State is a change in whether a ReopeningPort's device can be used.
type State struct {
	Dev       string
	Available bool
	Err       error // why it is unavailable
}

// Retry is how often a lost device is looked for: First after the loss, then
// doubling up to Max. Zero fields take DefaultRetry's.
type Retry struct {
	First, Max time.Duration
}

// DefaultRetry looks four times a second at first and every five seconds at most.
var DefaultRetry = Retry{First: 250 * time.Millisecond, Max: 5 * time.Second}

// ReopeningPort is a port that survives its device going away: when a Read or
// Write finds it gone it closes it, reports State{Available: false}, and reopens
// it in the background, reporting State{Available: true} once it is back. In
// between, Read and Write fail at once with ErrUnavailable. A loss is noticed
// by the next Read or Write, so keep a reader running on ports that matter.
type ReopeningPort struct {
	dev    string
	cfg    Config
	retry  Retry
	events chan<- State

	lost    chan error    // a loss, for the supervisor
	closing chan struct{} // closed by Close
	done    chan struct{} // closed when the supervisor has ended

	mu     sync.Mutex
	port   *Port // nil while unavailable
	closed bool
}

var _ io.ReadWriteCloser = (*ReopeningPort)(nil)

// Reopening opens dev now if it can and keeps reopening it after losses.
// Every change, starting with the first open's outcome, is sent on events
// (which may be nil); sends wait for the receiver, so keep events drained.
func Reopening(dev string, c Config, r Retry, events chan<- State) *ReopeningPort {
	if r.First <= 0 {
		r.First = DefaultRetry.First
	}
	if r.Max < r.First {
		r.Max = max(r.First, DefaultRetry.Max)
	}
	rp := &ReopeningPort{
		dev: dev, cfg: c, retry: r, events: events,
		lost: make(chan error, 1), closing: make(chan struct{}), done: make(chan struct{}),
	}
	p, err := Open(dev, c)
	rp.port = p
	go rp.supervise(err)
	return rp
}

// supervise reports the first open's outcome, then reopens after each loss.
func (r *ReopeningPort) supervise(openErr error) {
	defer close(r.done)
	err := openErr
	for {
		if err == nil {
			r.report(State{Dev: r.dev, Available: true})
			select {
			case err = <-r.lost:
			case <-r.closing:
				return
			}
		}
		r.report(State{Dev: r.dev, Err: err})
		if !r.reopen() {
			return
		}
		err = nil
	}
}

// reopen tries to open the device with backoff until it opens (true) or Close is called.
func (r *ReopeningPort) reopen() bool {
	for delay := r.retry.First; ; delay = min(2*delay, r.retry.Max) {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.closing:
			t.Stop()
			return false
		}
		r.mu.Lock()
		cfg := r.cfg
		r.mu.Unlock()
		p, err := Open(r.dev, cfg)
		if err != nil {
			continue
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			p.Close()
			return false
		}
		r.port = p
		r.mu.Unlock()
		return true
	}
}

func (r *ReopeningPort) report(s State) {
	if r.events == nil {
		return
	}
	select {
	case r.events <- s:
	case <-r.closing:
	}
}

// Read reads from the device, or fails at once with ErrUnavailable while it is gone.
func (r *ReopeningPort) Read(b []byte) (int, error) {
	p, err := r.current()
	if err != nil {
		return 0, err
	}
	n, err := p.Read(b)
	return n, r.check(p, err)
}

// Write writes to the device, or fails at once with ErrUnavailable while it is gone.
func (r *ReopeningPort) Write(b []byte) (int, error) {
	p, err := r.current()
	if err != nil {
		return 0, err
	}
	n, err := p.Write(b)
	return n, r.check(p, err)
}

// SetReadTimeout sets the read timeout now and for every reopened port.
func (r *ReopeningPort) SetReadTimeout(d time.Duration) error {
	r.mu.Lock()
	r.cfg.ReadTimeout = d
	p := r.port
	r.mu.Unlock()
	if p == nil {
		return nil
	}
	return r.check(p, p.SetReadTimeout(d))
}

// Flush discards unread input, if the device is there.
func (r *ReopeningPort) Flush() error {
	p, err := r.current()
	if err != nil {
		return err
	}
	return r.check(p, p.Flush())
}

// Close stops reopening and closes the device.
func (r *ReopeningPort) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	p := r.port
	r.port = nil
	r.mu.Unlock()
	close(r.closing)
	<-r.done
	if p == nil {
		return nil
	}
	return p.Close()
}

func (r *ReopeningPort) current() (*Port, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return nil, fmt.Errorf("serial %s: %w", r.dev, os.ErrClosed)
	case r.port == nil:
		return nil, fmt.Errorf("serial %s: %w", r.dev, ErrUnavailable)
	}
	return r.port, nil
}

// check turns an error saying the device is gone into ErrUnavailable and
// starts reopening; other errors, such as timeouts, pass through.
func (r *ReopeningPort) check(p *Port, err error) error {
	if err == nil || !gone(err) {
		return err
	}
	r.mu.Lock()
	mine := r.port == p
	if mine {
		r.port = nil
	}
	r.mu.Unlock()
	if mine {
		p.Close()
		r.lost <- err // buffered, and only the port's one loss is sent
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// gone says whether err means the device went away: a hung-up tty reads EOF
// and writes EIO; a closing USB adapter gives ENXIO or ENODEV.
func gone(err error) bool {
	for _, g := range []error{io.EOF, unix.EIO, unix.ENXIO, unix.ENODEV, unix.ENOENT, os.ErrClosed} {
		if errors.Is(err, g) {
			return true
		}
	}
	return false
}
