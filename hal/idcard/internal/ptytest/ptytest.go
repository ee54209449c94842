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
	module, tty, err := pty.Open()
	if err != nil {
		tb.Fatalf("open pty: %v", err)
	}
	tb.Cleanup(func() { tty.Close(); module.Close() })
	if err := makeRaw(tty); err != nil {
		tb.Fatalf("pty raw mode: %v", err)
	}
	return Port{tty}, module
}

// makeRaw is cfmakeraw(3): no echo, no line editing, no CR/LF translation, 8 bits.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
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
