// Package serial opens Linux serial ports raw, 8N1, at a chosen baud rate, with
// read and write timeouts; periph's host UART leaves the baud rate unset.
//
// A Port keeps its descriptor non-blocking so that the Go runtime poller waits
// for data, which gives deadlines: a Read or Write that runs out of time fails
// with an error matching os.ErrDeadlineExceeded (errors.Is) instead of hanging.
// ReopeningPort rides out a USB-serial adapter being unplugged and plugged back.
package serial

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Config is how a port is set up.
type Config struct {
	Baud         int           // one of 9600, 19200, 38400, 57600, 115200
	ReadTimeout  time.Duration // 0: a Read waits until data comes
	WriteTimeout time.Duration // 0: DefaultWriteTimeout
}

// DefaultWriteTimeout bounds each Write when Config.WriteTimeout is 0; a port
// without flow control only blocks this long when the device has wedged.
const DefaultWriteTimeout = 2 * time.Second

// ErrInUse means another open file already holds the port.
var ErrInUse = errors.New("port in use")

// speeds maps the supported baud rates to their termios codes. Linux's TCSETS
// takes the rate from the CBAUD bits of c_cflag; c_ispeed and c_ospeed only
// count with TCSETS2 and BOTHER, which standard rates do not need.
var speeds = map[int]uint32{
	9600:   unix.B9600,
	19200:  unix.B19200,
	38400:  unix.B38400,
	57600:  unix.B57600,
	115200: unix.B115200,
}

// Port is an open serial port. Read and Write may run concurrently with each other.
type Port struct {
	dev          string
	f            *os.File
	readTimeout  atomic.Int64
	writeTimeout atomic.Int64
}

// Open opens dev for this process alone, raw, 8N1, no flow control, at c.Baud,
// and discards whatever input was waiting.
func Open(dev string, c Config) (*Port, error) {
	speed, err := speedOf(c.Baud)
	if err != nil {
		return nil, fmt.Errorf("serial %s: %w", dev, err)
	}
	if c.ReadTimeout < 0 || c.WriteTimeout < 0 {
		return nil, fmt.Errorf("serial %s: negative timeout in %+v", dev, c)
	}
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if errors.Is(err, unix.EBUSY) {
		err = fmt.Errorf("%w: %w", ErrInUse, err)
	}
	if err != nil {
		return nil, fmt.Errorf("serial %s: open: %w", dev, err)
	}
	if err := setUp(fd, speed); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("serial %s: %w", dev, err)
	}
	p := &Port{dev: dev, f: os.NewFile(uintptr(fd), dev)}
	p.readTimeout.Store(int64(c.ReadTimeout))
	p.writeTimeout.Store(int64(c.WriteTimeout))
	return p, nil
}

// setUp claims the open tty exclusively and puts it in raw 8N1 mode.
func setUp(fd int, speed uint32) error {
	// TIOCEXCL refuses later opens, except by root, so an advisory lock backs it up.
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("lock: %w: %w", ErrInUse, err)
		}
		return fmt.Errorf("lock: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TIOCEXCL, 0); err != nil {
		return fmt.Errorf("exclusive (not a tty?): %w", err)
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios: %w", err)
	}
	makeRaw(t)
	setSpeed(t, speed)
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("set termios: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH); err != nil {
		return fmt.Errorf("flush input: %w", err)
	}
	return nil
}

// makeRaw is cfmakeraw plus 8N1, receiver on, modem lines ignored, no flow control.
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS
	t.Cflag |= unix.CS8 | unix.CLOCAL | unix.CREAD
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}

func setSpeed(t *unix.Termios, speed uint32) {
	t.Cflag = t.Cflag&^unix.CBAUD | speed
	t.Ispeed, t.Ospeed = speed, speed
}

func speedOf(baud int) (uint32, error) {
	s, ok := speeds[baud]
	if !ok {
		return 0, fmt.Errorf("unsupported baud rate %d (supported: %v)", baud, slices.Sorted(maps.Keys(speeds)))
	}
	return s, nil
}

// Read reads what has arrived, waiting at most the read timeout for the first byte.
func (p *Port) Read(b []byte) (int, error) {
	if err := p.f.SetReadDeadline(deadline(time.Duration(p.readTimeout.Load()))); err != nil {
		return 0, p.wrap("read", err)
	}
	n, err := p.f.Read(b)
	return n, p.wrap("read", err)
}

// Write writes all of b, or fails once the write timeout has passed.
func (p *Port) Write(b []byte) (int, error) {
	d := time.Duration(p.writeTimeout.Load())
	if d == 0 {
		d = DefaultWriteTimeout
	}
	if err := p.f.SetWriteDeadline(deadline(d)); err != nil {
		return 0, p.wrap("write", err)
	}
	n, err := p.f.Write(b)
	return n, p.wrap("write", err)
}

// SetReadTimeout changes how long later Reads wait; 0 waits until data comes.
func (p *Port) SetReadTimeout(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("serial %s: negative read timeout %v", p.dev, d)
	}
	p.readTimeout.Store(int64(d))
	return nil
}

// SetBaud changes the line speed at once, without waiting for output to drain.
func (p *Port) SetBaud(baud int) error {
	speed, err := speedOf(baud)
	if err != nil {
		return fmt.Errorf("serial %s: %w", p.dev, err)
	}
	return p.control("set baud", func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		setSpeed(t, speed)
		return unix.IoctlSetTermios(fd, unix.TCSETS, t)
	})
}

// Flush discards input received but not yet read, such as garbage after a bad frame.
func (p *Port) Flush() error {
	return p.control("flush", func(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) })
}

// Close releases the port; a Read or Write in progress returns os.ErrClosed.
func (p *Port) Close() error {
	return p.wrap("close", p.f.Close())
}

// String names the device.
func (p *Port) String() string { return p.dev }

// control runs an ioctl on the descriptor without taking it out of non-blocking
// mode, as os.File.Fd would.
func (p *Port) control(op string, f func(fd int) error) error {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return p.wrap(op, err)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return p.wrap(op, err)
	}
	return p.wrap(op, ferr)
}

// wrap names the port and operation, dropping os.File's own path prefix.
func (p *Port) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("serial %s: %s: %w", p.dev, op, err)
}

func deadline(d time.Duration) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}
