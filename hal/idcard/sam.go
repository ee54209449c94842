package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Port is a serial line to the module: bytes both ways and a read timeout.
type Port interface {
	io.ReadWriter
	// SetReadTimeout bounds the following reads; a read that times out returns no
	// bytes and either no error or an error matching os.ErrDeadlineExceeded.
	SetReadTimeout(time.Duration) error
}

// ErrTimeout is returned when the module does not answer within a command's timeout.
var ErrTimeout = errors.New("idcard: SAM reply timed out")

// SAMOptions tune a SAM driver; the zero value is good.
type SAMOptions struct {
	Poll   time.Duration // how often to look for a card; 500 ms if zero
	Logger *slog.Logger  // for link failures and resynchronisation; none if nil
}

// SAM drives a GA 467 SAM module: it polls find → select → read and reports what it
// sees as Events. It implements Reader.
type SAM struct {
	*link
	id     SAMID
	poll   time.Duration
	log    *slog.Logger
	events chan Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	held    bool  // a card was read (or failed) and must leave before the next read
	linkErr error // the link failure last reported; nil while the module answers
}

var _ Reader = (*SAM)(nil)

// NewSAM checks the module's status, reads its ID and starts polling for cards.
func NewSAM(port Port, opts SAMOptions) (*SAM, error) {
	s := &SAM{
		link:   newLink(port),
		poll:   opts.Poll,
		log:    opts.Logger,
		events: make(chan Event, EventBuffer),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if s.poll <= 0 {
		s.poll = 500 * time.Millisecond
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if _, err := s.do(SAMStatus, nil); err != nil {
		return nil, fmt.Errorf("idcard: SAM not ready: %w", err)
	}
	r, err := s.do(ReadSAMID, nil)
	if err != nil {
		return nil, fmt.Errorf("idcard: SAM ID: %w", err)
	}
	if len(r.Data) != len(s.id) {
		return nil, fmt.Errorf("idcard: SAM ID is %d bytes, want %d", len(r.Data), len(s.id))
	}
	copy(s.id[:], r.Data)
	go s.run()
	return s, nil
}

// ID is the module's SAM ID, read at start.
func (s *SAM) ID() SAMID { return s.id }

// Events delivers what happens on the reader.
func (s *SAM) Events() <-chan Event { return s.events }

// Close stops polling, waiting for a command in flight, and closes Events. It does
// not close the port.
func (s *SAM) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *SAM) run() {
	defer close(s.done)
	defer close(s.events)
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		s.step()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// step is one poll: find, and for a new card select and read.
func (s *SAM) step() {
	_, err := s.do(FindCard, nil)
	if errors.Is(err, StatusNoCard) {
		s.linkUp()
		s.removed()
		return
	}
	if err != nil {
		s.linkDown(err)
		return
	}
	s.linkUp()
	if _, err := s.do(SelectCard, nil); errors.Is(err, StatusSelectFailed) {
		return // the card we read is still there, or a card passed by
	} else if err != nil {
		s.linkDown(err)
		return
	}
	s.removed() // a new presentation since the card we read
	s.held = true
	s.emit(Event{Kind: Present})
	card, err := s.readBase()
	if err != nil {
		if _, ferr := s.do(FindCard, nil); errors.Is(ferr, StatusNoCard) {
			err = errors.Join(ErrPulled, err)
			s.emit(Event{Kind: Failed, Err: err})
			s.removed()
			return
		}
		s.emit(Event{Kind: Failed, Err: err})
		return
	}
	s.emit(Event{Kind: Read, Card: card})
}

// readBase reads and parses the card's text and photo, wiping the reply buffer.
func (s *SAM) readBase() (*Card, error) {
	r, err := s.do(ReadBase, nil)
	if err != nil {
		return nil, err
	}
	defer clear(r.Data)
	if len(r.Data) < 4 {
		return nil, fmt.Errorf("idcard: %v: reply has no lengths", ReadBase)
	}
	tl, pl := int(binary.BigEndian.Uint16(r.Data)), int(binary.BigEndian.Uint16(r.Data[2:]))
	if tl != TextSize || len(r.Data) != 4+tl+pl {
		return nil, fmt.Errorf("idcard: %v: text %d and photo %d bytes do not fill the %d-byte reply", ReadBase, tl, pl, len(r.Data))
	}
	return Parse(r.Data[4:4+tl], r.Data[4+tl:])
}

// removed reports the held card gone.
func (s *SAM) removed() {
	if s.held {
		s.held = false
		s.emit(Event{Kind: Removed})
	}
}

// linkDown reports a module that stopped answering well, once per failure.
func (s *SAM) linkDown(err error) {
	if s.linkErr == nil {
		s.log.Warn("idcard: SAM link failed", "err", err)
		s.emit(Event{Kind: Failed, Err: err})
	}
	s.linkErr = err
}

func (s *SAM) linkUp() {
	if s.linkErr != nil {
		s.log.Info("idcard: SAM link recovered", "skipped", s.frames.Skipped)
		s.linkErr = nil
	}
}

func (s *SAM) emit(e Event) { Deliver(s.events, e) }

// link runs commands on a port: one frame out, one frame back within the command's
// timeout.
type link struct {
	port   Port
	in     deadlineReader
	frames *FrameReader
	out    []byte
	dirty  bool // the last command failed: a late reply may be on its way
}

func newLink(port Port) *link {
	l := &link{port: port, in: deadlineReader{port: port}}
	l.frames = NewFrameReader(&l.in)
	return l
}

// do sends cmd and returns its reply; the reply's data is valid until the next call.
func (l *link) do(cmd Command, data []byte) (Reply, error) {
	if l.dirty {
		l.drain()
	}
	l.out = AppendCommand(l.out[:0], cmd, data)
	if _, err := l.port.Write(l.out); err != nil {
		l.dirty = true
		return Reply{}, fmt.Errorf("idcard: %v: write: %w", cmd, err)
	}
	l.in.deadline = time.Now().Add(cmd.Timeout())
	payload, err := l.frames.Next()
	if err != nil {
		l.dirty = true
		return Reply{}, fmt.Errorf("idcard: %v: %w", cmd, err)
	}
	r, err := ParseReply(cmd, payload)
	l.dirty = err != nil && !errors.Is(err, StatusNoCard) && !errors.Is(err, StatusSelectFailed)
	return r, err
}

// drainTime is how long a late reply is waited for and thrown away after a failure.
const drainTime = 50 * time.Millisecond

// drain throws away what is buffered and what arrives within drainTime.
func (l *link) drain() {
	l.frames.Reset()
	l.in.deadline = time.Now().Add(drainTime)
	var junk [256]byte
	for {
		if _, err := l.in.Read(junk[:]); err != nil {
			break
		}
	}
	l.dirty = false
}

// deadlineReader reads a Port until an absolute deadline, then returns ErrTimeout.
type deadlineReader struct {
	port     Port
	deadline time.Time
}

func (d *deadlineReader) Read(b []byte) (int, error) {
	for {
		left := time.Until(d.deadline)
		if left <= 0 {
			return 0, ErrTimeout
		}
		if err := d.port.SetReadTimeout(left); err != nil {
			return 0, err
		}
		n, err := d.port.Read(b)
		if n > 0 || (err != nil && !errors.Is(err, os.ErrDeadlineExceeded)) {
			return n, err
		}
	}
}

// DetectBaud finds the module's baud by sending the SAM status command at each of bauds
// (Bauds if nil) until a well-formed reply comes back. Ports that open returns are
// closed after the trial if they are io.Closers.
func DetectBaud(open func(baud int) (Port, error), bauds []int) (int, error) {
	if bauds == nil {
		bauds = Bauds
	}
	var errs []error
	for _, baud := range bauds {
		p, err := open(baud)
		if err != nil {
			errs = append(errs, fmt.Errorf("%d baud: %w", baud, err))
			continue
		}
		l := newLink(p)
		_, err = l.do(SAMStatus, nil)
		if c, ok := p.(io.Closer); ok {
			c.Close()
		}
		var se *StatusError
		if err == nil || errors.As(err, &se) {
			return baud, nil
		}
		errs = append(errs, fmt.Errorf("%d baud: %w", baud, err))
	}
	return 0, fmt.Errorf("idcard: no SAM answered: %w", errors.Join(errs...))
}
