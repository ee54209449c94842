// Package serialtest opens raw pseudo-terminal pairs for tests and emulators:
// the master plays the device (a SAM module, a printer), the slave is the
// serial port the driver under test opens.
package serialtest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal.
type Pair struct {
	// Master is the device side, non-blocking so deadlines work and Close
	// interrupts a pending Read.
	Master *os.File
	// Slave is held open so the master never reads EIO while the port's user
	// closes and reopens it; open SlavePath to use the port.
	Slave *os.File
}

// SlavePath is the port's device path, e.g. /dev/pts/8.
func (p *Pair) SlavePath() string { return p.Slave.Name() }

// Open returns a new pair with the slave in raw mode, so bytes pass untouched.
func Open() (*Pair, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pty: %w", err)
	}
	master, err := pollable(ptmx)
	if err != nil {
		tty.Close()
		return nil, fmt.Errorf("pty master: %w", err)
	}
	if err := control(tty, setRaw); err != nil {
		master.Close()
		tty.Close()
		return nil, fmt.Errorf("pty %s raw mode: %w", tty.Name(), err)
	}
	return &Pair{Master: master, Slave: tty}, nil
}

// Close closes both ends.
func (p *Pair) Close() error {
	err := p.Master.Close()
	if serr := p.Slave.Close(); err == nil {
		err = serr
	}
	return err
}

// pollable replaces f, which pty.Open leaves blocking, by a non-blocking duplicate.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

func control(f *os.File, op func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = op(int(fd)) }); err != nil {
		return err
	}
	return opErr
}

// setRaw is cfmakeraw(3): no echo, no line editing, no CR/LF translation, 8 bits.
func setRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// New opens a pair for a test and closes it when the test ends.
func New(tb testing.TB) *Pair {
	tb.Helper()
	p, err := Open()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// Port is the slave end used directly as a port with read timeouts.
type Port struct{ *os.File }

// SetReadTimeout makes reads give up after d.
func (p Port) SetReadTimeout(d time.Duration) error {
	return p.SetReadDeadline(time.Now().Add(d))
}
