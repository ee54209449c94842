// Package ptytest gives tests a raw pseudo-terminal: the host end as an idcard.Port,
// like a real serial port, and the module end for an emulated peer.
package ptytest

import (
	"os"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Port is a terminal file with read timeouts, an idcard.Port.
type Port struct{ *os.File }

// SetReadTimeout makes reads give up after d.
func (p Port) SetReadTimeout(d time.Duration) error {
	return p.SetReadDeadline(time.Now().Add(d))
}

// Open returns both ends of a new pseudo-terminal in raw mode, so bytes pass untouched.
// Both are closed when the test ends.
func Open(tb testing.TB) (host Port, module *os.File) {
	tb.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		tb.Fatalf("open pty: %v", err)
	}
	tb.Cleanup(func() { tty.Close() })
	if module, err = pollable(ptmx); err != nil {
		tb.Fatalf("pty master: %v", err)
	}
	tb.Cleanup(func() { module.Close() })
	if err := makeRaw(tty); err != nil {
		tb.Fatalf("pty raw mode: %v", err)
	}
	return Port{tty}, module
}

// pollable replaces f, which pty.Open leaves blocking, by a non-blocking duplicate, so
// that deadlines work and Close interrupts a pending Read.
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

// makeRaw is cfmakeraw(3): no echo, no line editing, no CR/LF translation, 8 bits.
// It goes through SyscallConn, as f.Fd would make the file blocking and lose deadlines.
func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	if err := rc.Control(func(fd uintptr) { ioErr = setRaw(int(fd)) }); err != nil {
		return err
	}
	return ioErr
}

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
