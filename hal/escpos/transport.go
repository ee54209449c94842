package escpos

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"onetrip/hal/serial"
)

// Conn is a byte link to a printer. A Read waits at most the last read
// timeout for its first byte; a Write gives up after the link's write
// timeout, fixed when it is opened. Both then fail with an error matching
// os.ErrDeadlineExceeded, so a printer that stops listening cannot hang the
// kiosk.
type Conn interface {
	io.ReadWriteCloser
	SetReadTimeout(d time.Duration) error
}

var _ Conn = (*serial.Port)(nil)

// WriteTimeout bounds each write of a job chunk on USB and TCP: a printer
// holding off data this long (paper out, a full TCP window) has stalled.
const WriteTimeout = 5 * time.Second

// DialTimeout bounds connecting to a network printer.
const DialTimeout = 3 * time.Second

// Dial opens the link a spec names.
func Dial(s Spec) (Conn, error) {
	var c Conn
	var err error
	switch s.Transport {
	case USB:
		c, err = openUSB(s.Addr)
	case Serial:
		// A chunk takes ~10 bits a byte on the wire; the write timeout adds
		// that to the time a printer may hold off flow control.
		baud := cmp.Or(s.Baud, DefaultBaud)
		wire := time.Duration(ChunkSize*10) * time.Second / time.Duration(baud)
		c, err = serial.Open(s.Addr, serial.Config{Baud: baud, WriteTimeout: WriteTimeout + wire})
	case TCP:
		c, err = dialTCP(s.Addr)
	default:
		err = fmt.Errorf("printer %s: unknown transport %q", s.Addr, s.Transport)
	}
	if err != nil {
		return nil, err // not a typed nil inside c
	}
	return c, nil
}

// dialTCP connects to a network printer (raw port 9100).
func dialTCP(addr string) (Conn, error) {
	c, err := net.DialTimeout("tcp", addr, DialTimeout)
	if err != nil {
		return nil, fmt.Errorf("printer %s: %w", addr, err)
	}
	return &deadlineConn{rw: c, name: addr}, nil
}

// USB printer class ioctls, from include/uapi/linux/lp.h (usblp implements
// both on /dev/usb/lp*).
const (
	// lpAbort is LPABORT (0x0604): with a non-zero argument a write to a
	// printer that reports an error (paper out) fails with ENOSPC instead of
	// retrying forever.
	lpAbort = 0x0604
	// lpGetStatus is LPGETSTATUS (0x060b): stores the IEEE 1284 port status
	// byte in an int.
	lpGetStatus = 0x060b
)

// usbConn is a USB printer class device (/dev/usb/lp*).
type usbConn struct {
	deadlineConn
	f *os.File
}

// openUSB opens a USB printer with LPABORT set, so a write to a printer out
// of paper fails instead of blocking for as long as the paper is out.
func openUSB(dev string) (*usbConn, error) {
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("printer %s: open: %w", dev, err)
	}
	if err := unix.IoctlSetInt(fd, lpAbort, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("printer %s: LPABORT (not a USB printer?): %w", dev, err)
	}
	f := os.NewFile(uintptr(fd), dev)
	return &usbConn{deadlineConn: deadlineConn{rw: f, name: dev}, f: f}, nil
}

// PortStatus asks the USB printer for its port status (LPGETSTATUS); it
// answers even when the printer cannot send DLE EOT replies.
func (u *usbConn) PortStatus() (Status, error) {
	rc, err := u.f.SyscallConn()
	if err != nil {
		return Status{}, fmt.Errorf("LPGETSTATUS %s: %w", u.name, err)
	}
	var b uint32
	var ioErr error
	if err := rc.Control(func(fd uintptr) { b, ioErr = unix.IoctlGetUint32(int(fd), lpGetStatus) }); err != nil {
		ioErr = err
	}
	if ioErr != nil {
		return Status{}, fmt.Errorf("LPGETSTATUS %s: %w", u.name, ioErr)
	}
	return ParsePortStatus(byte(b)), nil
}

// Write sends b; with LPABORT set, usblp reports a printer out of paper as
// ENOSPC, returned here as ErrPaperOut.
func (u *usbConn) Write(b []byte) (int, error) {
	n, err := u.deadlineConn.Write(b)
	if errors.Is(err, unix.ENOSPC) {
		err = fmt.Errorf("%w (%w)", ErrPaperOut, err)
	}
	return n, err
}

// deadlineFile is what deadlineConn needs: a net.Conn or a pollable *os.File.
type deadlineFile interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// deadlineConn turns per-call deadlines into a Conn's timeouts.
type deadlineConn struct {
	rw          deadlineFile
	name        string
	readTimeout atomic.Int64
}

func (c *deadlineConn) SetReadTimeout(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("printer %s: negative read timeout %v", c.name, d)
	}
	c.readTimeout.Store(int64(d))
	return nil
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	var t time.Time
	if d := time.Duration(c.readTimeout.Load()); d > 0 {
		t = time.Now().Add(d)
	}
	if err := c.rw.SetReadDeadline(t); err != nil {
		return 0, c.wrap("read", err)
	}
	n, err := c.rw.Read(b)
	return n, c.wrap("read", err)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	if err := c.rw.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return 0, c.wrap("write", err)
	}
	n, err := c.rw.Write(b)
	return n, c.wrap("write", err)
}

func (c *deadlineConn) Close() error { return c.wrap("close", c.rw.Close()) }

// wrap names the link and operation, dropping os.File's and net's own prefixes.
func (c *deadlineConn) wrap(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var pe *fs.PathError
	var oe *net.OpError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &oe):
		err = oe.Err
	}
	return fmt.Errorf("%s %s: %w", op, c.name, err)
}
