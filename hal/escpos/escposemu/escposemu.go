// Package escposemu is an ESC/POS ticket printer on the far end of a serial
// line (a pty master) or a TCP connection, for testing the real driver: it
// reads the byte stream command by command, answers DLE EOT at once from its
// current state, and hands each job it prints to a sink. Its faults (paper
// out, mid-job too; offline; cover open; a dead or garbled status line) can
// be switched at any time.
package escposemu

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
)

// Emulator is one emulated printer.
type Emulator struct {
	rw   io.ReadWriter
	sink func(job []byte)

	mu        sync.Mutex
	paperOut  bool
	paperLeft int // bytes of job data the roll still holds; < 0: plenty
	offline   bool
	coverOpen bool
	noAnswer  bool
	garbage   bool
}

// New returns a printer reading commands from rw and writing its replies to
// it. sink gets each job printed in full: from its first command (ESC @) to
// its cut, or to the status request or end of stream that follows it.
// It is called on Run's goroutine and owns the slice.
func New(rw io.ReadWriter, sink func(job []byte)) *Emulator {
	return &Emulator{rw: rw, sink: sink, paperLeft: -1}
}

// SetPaperOut empties the roll (true) or loads a fresh one (false).
func (e *Emulator) SetPaperOut(out bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paperOut, e.paperLeft = out, -1
}

// PaperOutAfter makes the roll run out once n more bytes of jobs have come:
// the job that crosses it is lost (the rest of it is discarded) and status
// says paper out until SetPaperOut(false).
func (e *Emulator) PaperOutAfter(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paperLeft = max(n, 0)
}

// SetOffline takes the printer offline (true) or back online.
func (e *Emulator) SetOffline(off bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offline = off
}

// SetCoverOpen opens (true) or closes the paper cover.
func (e *Emulator) SetCoverOpen(open bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.coverOpen = open
}

// SetNoAnswer makes the printer ignore status requests, like a TTL printer
// with its TX line unconnected. It still prints.
func (e *Emulator) SetNoAnswer(silent bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.noAnswer = silent
}

// SetGarbage makes the printer answer status requests with bytes that are no
// status, like a printer at another baud rate.
func (e *Emulator) SetGarbage(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.garbage = on
}

// garbageReply fails the DLE EOT reply pattern 0xx1xx10.
const garbageReply = 0xff

// reply is the answer to DLE EOT n, if any. Out of paper or with the cover
// open the printer is offline too, as real ones are.
func (e *Emulator) reply(n byte) (byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.noAnswer || n < 1 || n > 4:
		return 0, false
	case e.garbage:
		return garbageReply, true
	}
	b := byte(0x12)
	switch n {
	case 1:
		if e.offline || e.paperOut || e.coverOpen {
			b |= 0x08
		}
	case 2:
		if e.coverOpen {
			b |= 0x04
		}
		if e.paperOut {
			b |= 0x20
		}
	case 4:
		if e.paperOut {
			b |= 0x0c | 0x60 // near end and end
		}
	}
	return b, true
}

// take counts n bytes of job data onto the paper and reports whether they
// print: not while a fault stops the printer, nor past the end of the roll.
func (e *Emulator) take(n int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.paperOut || e.offline || e.coverOpen {
		return false
	}
	if e.paperLeft >= 0 {
		if n > e.paperLeft {
			e.paperOut, e.paperLeft = true, -1
			return false
		}
		e.paperLeft -= n
	}
	return true
}

// Run serves rw until reading it fails; the end of the stream or closing it
// returns nil.
func (e *Emulator) Run() error { return e.serve(e.rw) }

// serve reads commands from rw until it fails.
func (e *Emulator) serve(rw io.ReadWriter) error {
	var (
		pending []byte // bytes of a command not yet complete
		job     []byte
		inJob   bool
		spoiled bool // part of the job did not print
	)
	end := func() {
		if inJob && !spoiled {
			e.sink(job)
		}
		job, inJob = nil, false
	}
	buf := make([]byte, 32<<10)
	for {
		k, rerr := rw.Read(buf)
		pending = append(pending, buf[:k]...)
		i := 0
		for i < len(pending) {
			n, ok := frame(pending[i:])
			if !ok || i+n > len(pending) {
				break
			}
			cmd := pending[i : i+n]
			i += n
			switch {
			case len(cmd) == 3 && cmd[0] == dle && cmd[1] == eot:
				end() // the driver asks only between jobs
				if b, ok := e.reply(cmd[2]); ok {
					if _, err := rw.Write([]byte{b}); err != nil {
						return fmt.Errorf("escposemu: status reply: %w", err)
					}
				}
			case cmd[0] == dle: // other real-time commands: recover, pulse, clear
			case cmd[0] == nul && !inJob:
			default:
				if !inJob {
					inJob, spoiled = true, false
				}
				if !e.take(len(cmd)) {
					spoiled, job = true, nil
				}
				if !spoiled {
					job = append(job, cmd...)
				}
				if isCut(cmd) {
					end()
				}
			}
		}
		pending = pending[:copy(pending, pending[i:])]
		if rerr != nil {
			if len(pending) == 0 {
				end()
			}
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, os.ErrClosed) || errors.Is(rerr, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("escposemu: %w", rerr)
		}
	}
}

// isCut reports whether cmd cuts the paper (GS V, or the old ESC i / ESC m).
func isCut(cmd []byte) bool {
	return len(cmd) >= 2 && (cmd[0] == gs && cmd[1] == 'V' || cmd[0] == esc && (cmd[1] == 'i' || cmd[1] == 'm'))
}

// Server is an emulated network printer: one connection at a time on a TCP
// port, the state shared between them.
type Server struct {
	*Emulator
	ln   net.Listener
	done chan struct{}

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// ListenTCP starts a network printer on addr ("127.0.0.1:0" picks a port).
func ListenTCP(addr string, sink func(job []byte)) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("escposemu: %w", err)
	}
	s := &Server{Emulator: New(nil, sink), ln: ln, done: make(chan struct{})}
	go s.accept()
	return s, nil
}

// Addr is the address the printer listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func (s *Server) accept() {
	defer close(s.done)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conn = c
		s.mu.Unlock()
		s.serve(c) // a connection that fails is over; the next one starts afresh
		c.Close()
	}
}

// Close stops listening and drops the connection being served.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	s.closed = true
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	<-s.done
	return err
}
