package serial

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// newPTY returns a pseudo-terminal: the master plays the device, the slave's
// path is the port, and the returned slave file reads back its settings.
func newPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

func open(t *testing.T, dev string, c Config) *Port {
	t.Helper()
	p, err := Open(dev, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readFull reads exactly n bytes from r, failing the test after a while.
func readFull(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	if f, ok := r.(*os.File); ok {
		f.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

func termios(t *testing.T, f *os.File, req uint) *unix.Termios {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var tio *unix.Termios
	var ioctlErr error
	if err := rc.Control(func(fd uintptr) { tio, ioctlErr = unix.IoctlGetTermios(int(fd), req) }); err != nil {
		t.Fatal(err)
	}
	if ioctlErr != nil {
		t.Fatal(ioctlErr)
	}
	return tio
}

func TestEveryByteValuePassesUntouchedBothWays(t *testing.T) {
	master, slave := newPTY(t)
	p := open(t, slave.Name(), Config{Baud: 115200, ReadTimeout: 5 * time.Second})

	up := make([]byte, 256) // device to port: 0x00..0xFF, with XON/XOFF, CR, LF, DEL, ^C, ^D
	down := make([]byte, 256)
	for i := range up {
		up[i], down[i] = byte(i), byte(255-i)
	}
	if _, err := master.Write(up); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, p, len(up)); !bytes.Equal(got, up) {
		t.Errorf("port read % x\nwant % x", got, up)
	}
	if _, err := p.Write(down); err != nil {
		t.Fatal(err)
	}
	// An echo of up, or CR/LF translation, would show here ahead of down.
	if got := readFull(t, master, len(down)); !bytes.Equal(got, down) {
		t.Errorf("device read % x\nwant % x", got, down)
	}
}

func TestOpenSetsBaudAnd8N1(t *testing.T) {
	for baud, code := range speeds {
		_, slave := newPTY(t)
		p := open(t, slave.Name(), Config{Baud: baud})
		tio := termios(t, slave, unix.TCGETS)
		if got := tio.Cflag & unix.CBAUD; got != code {
			t.Errorf("%d baud: CBAUD bits %#o, want %#o", baud, got, code)
		}
		if got := termios(t, slave, unix.TCGETS2); got.Ispeed != uint32(baud) || got.Ospeed != uint32(baud) {
			t.Errorf("%d baud: kernel speeds in %d out %d", baud, got.Ispeed, got.Ospeed)
		}
		want := uint32(unix.CS8 | unix.CLOCAL | unix.CREAD)
		if got := tio.Cflag & (unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CLOCAL | unix.CREAD); got != want {
			t.Errorf("%d baud: cflag %#o, want CS8|CLOCAL|CREAD %#o", baud, got, want)
		}
		if tio.Iflag&(unix.IXON|unix.IXOFF|unix.ICRNL|unix.ISTRIP) != 0 || tio.Oflag&unix.OPOST != 0 || tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 {
			t.Errorf("%d baud: not raw: iflag %#o oflag %#o lflag %#o", baud, tio.Iflag, tio.Oflag, tio.Lflag)
		}
		p.Close()
	}
}

func TestSetBaudChangesTheLine(t *testing.T) {
	_, slave := newPTY(t)
	p := open(t, slave.Name(), Config{Baud: 115200})
	if err := p.SetBaud(9600); err != nil {
		t.Fatal(err)
	}
	if got := termios(t, slave, unix.TCGETS2).Ospeed; got != 9600 {
		t.Errorf("after SetBaud(9600) the line runs at %d", got)
	}
	if err := p.SetBaud(250000); err == nil {
		t.Error("SetBaud(250000) accepted an unsupported rate")
	}
}

func TestUnsupportedBaudIsAClearError(t *testing.T) {
	_, slave := newPTY(t)
	_, err := Open(slave.Name(), Config{Baud: 12345})
	if err == nil || !strings.Contains(err.Error(), "12345") || !strings.Contains(err.Error(), slave.Name()) {
		t.Errorf("Open at 12345 baud = %v, want an error naming the rate and the device", err)
	}
}

func TestMissingDeviceIsNotExist(t *testing.T) {
	_, err := Open(t.TempDir()+"/ttyUSB9", Config{Baud: 9600})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing device = %v, want os.ErrNotExist", err)
	}
}

func TestReadTimesOutWhenNothingComes(t *testing.T) {
	master, slave := newPTY(t)
	p := open(t, slave.Name(), Config{Baud: 9600, ReadTimeout: 20 * time.Millisecond})
	if n, err := p.Read(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read with nothing sent = %d, %v; want os.ErrDeadlineExceeded", n, err)
	}
	// The port still works after a timeout, and with a new timeout.
	if err := p.SetReadTimeout(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	master.Write([]byte{0xAA})
	if got := readFull(t, p, 1); got[0] != 0xAA {
		t.Errorf("read % x after a timeout, want aa", got)
	}
}

func TestWriteTimesOutWhenTheDeviceStopsReading(t *testing.T) {
	_, slave := newPTY(t)
	p := open(t, slave.Name(), Config{Baud: 115200, WriteTimeout: 50 * time.Millisecond})
	n, err := p.Write(make([]byte, 1<<20)) // far more than the pty buffers
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= 1<<20 {
		t.Errorf("Write of 1 MiB nobody reads = %d, %v; want a partial write and os.ErrDeadlineExceeded", n, err)
	}
}

func TestSecondOpenIsRefusedUntilTheFirstCloses(t *testing.T) {
	_, slave := newPTY(t)
	first := open(t, slave.Name(), Config{Baud: 9600})
	if p, err := Open(slave.Name(), Config{Baud: 9600}); !errors.Is(err, ErrInUse) {
		if err == nil {
			p.Close()
		}
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	first.Close()
	open(t, slave.Name(), Config{Baud: 9600})
}

func TestFlushDiscardsWaitingInput(t *testing.T) {
	master, slave := newPTY(t)
	p := open(t, slave.Name(), Config{Baud: 9600, ReadTimeout: 5 * time.Second})
	garbage := []byte("\x02garbage\xff\xfe")
	master.Write(garbage)
	waitInput(t, slave, len(garbage))
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	master.Write([]byte("ok"))
	if got := readFull(t, p, 2); string(got) != "ok" {
		t.Errorf("after Flush read %q, want ok", got)
	}
}

// waitInput waits until the kernel has n bytes queued for the slave to read.
// The pty hands bytes over asynchronously, and no clock of ours drives that.
func waitInput(t *testing.T, slave *os.File, n int) {
	t.Helper()
	rc, _ := slave.SyscallConn()
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(time.Millisecond) {
		var queued int
		rc.Control(func(fd uintptr) { queued, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
		if queued >= n {
			return
		}
	}
	t.Fatalf("%d bytes never reached the port", n)
}
