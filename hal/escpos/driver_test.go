package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escposemu"
	"onetrip/hal/serial/serialtest"
)

// rig is the real driver talking to an emulated printer.
type rig struct {
	printer escpos.Printer
	emu     *escposemu.Emulator
	name    string      // the device or address the driver names
	jobs    chan []byte // what the printer printed
}

// overPTY opens the driver with its spec on a pseudo-terminal whose master
// end is the emulator.
func overPTY(tb testing.TB) *rig {
	tb.Helper()
	pair, err := serialtest.Open()
	if err != nil {
		tb.Fatal(err)
	}
	r := &rig{name: pair.SlavePath(), jobs: make(chan []byte, 64)}
	r.emu = escposemu.New(pair.Master, func(job []byte) { r.jobs <- job })
	done := make(chan error, 1)
	go func() { done <- r.emu.Run() }()
	tb.Cleanup(func() {
		pair.Close()
		if err := <-done; err != nil {
			tb.Errorf("emulator: %v", err)
		}
	})
	p, prof, err := escpos.Open("escpos:" + r.name + "?profile=80mm&baud=115200")
	if err != nil {
		tb.Fatal(err)
	}
	if prof.Name != "80mm" {
		tb.Fatalf("profile %q, want 80mm", prof.Name)
	}
	tb.Cleanup(func() { p.Close() })
	r.printer = p
	return r
}

// overTCP opens the driver on a loopback network printer.
func overTCP(tb testing.TB) *rig {
	tb.Helper()
	r := &rig{jobs: make(chan []byte, 64)}
	srv, err := escposemu.ListenTCP("127.0.0.1:0", func(job []byte) { r.jobs <- job })
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	r.emu, r.name = srv.Emulator, srv.Addr().String()
	p, _, err := escpos.Open("escpos+tcp://" + r.name + "?profile=80mm")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	r.printer = p
	return r
}

// printed returns the jobs printed so far. The driver asks for status after
// each job and the printer prints a job before it answers, so when Print has
// returned its job is here or never will be.
func (r *rig) printed() [][]byte {
	var jobs [][]byte
	for {
		select {
		case j := <-r.jobs:
			jobs = append(jobs, j)
		default:
			return jobs
		}
	}
}

// ticket is an 80 mm native ticket: Chinese text, a size change, a QR code and a cut.
func ticket(tb testing.TB) []byte {
	tb.Helper()
	p, err := escpos.LoadProfile("80mm")
	if err != nil {
		tb.Fatal(err)
	}
	e := escpos.NewEncoder(p)
	e.Init()
	e.Align(escpos.Centre)
	e.Line("市民中心 政务服务大厅")
	e.Size(4, 4)
	e.Line("A023")
	e.Size(1, 1)
	e.Line("前面还有 5 人")
	if err := e.QR("https://example.com/t/A023", 6, escpos.ECMedium); err != nil {
		tb.Fatal(err)
	}
	e.Line("请保管好您的号票，留意叫号")
	e.Cut()
	return bytes.Clone(e.Bytes())
}

var transports = []struct {
	name string
	open func(testing.TB) *rig
}{{"pty", overPTY}, {"tcp", overTCP}}

func TestTicketIsPrintedByteForByte(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := tr.open(t)
			job := ticket(t)
			for range 2 {
				if err := r.printer.Print(context.Background(), job); err != nil {
					t.Fatal(err)
				}
			}
			got := r.printed()
			if len(got) != 2 || !bytes.Equal(got[0], job) || !bytes.Equal(got[1], job) {
				t.Fatalf("printed %d jobs, want the %d-byte ticket twice", len(got), len(job))
			}
		})
	}
}

func TestLargeRasterJobIsSentInChunks(t *testing.T) {
	r := overPTY(t)
	p, _ := escpos.LoadProfile("80mm-raster")
	e := escpos.NewEncoder(p)
	e.Init()
	img := image.NewGray(image.Rect(0, 0, 576, 600))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := e.Raster(img); err != nil {
		t.Fatal(err)
	}
	e.Cut()
	job := e.Bytes()
	if len(job) < 4*escpos.ChunkSize {
		t.Fatalf("job of %d bytes does not need several chunks", len(job))
	}
	if err := r.printer.Print(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if got := r.printed(); len(got) != 1 || !bytes.Equal(got[0], job) {
		t.Errorf("the %d-byte raster job did not arrive whole", len(job))
	}
}

func TestFaultsRefuseTheJob(t *testing.T) {
	for _, tc := range []struct {
		name     string
		set      func(e *escposemu.Emulator)
		want     error
		notWant  error
		statusOK func(escpos.Status) bool
	}{
		{"paper out", func(e *escposemu.Emulator) { e.SetPaperOut(true) }, escpos.ErrPaperOut, escpos.ErrOffline,
			func(s escpos.Status) bool { return s.PaperOut && s.PaperNearEnd }},
		{"cover open", func(e *escposemu.Emulator) { e.SetCoverOpen(true) }, escpos.ErrCoverOpen, escpos.ErrOffline,
			func(s escpos.Status) bool { return s.CoverOpen && !s.PaperOut }},
		{"offline", func(e *escposemu.Emulator) { e.SetOffline(true) }, escpos.ErrOffline, escpos.ErrPaperOut,
			func(s escpos.Status) bool { return s.Offline && !s.CoverOpen }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := overPTY(t)
			tc.set(r.emu)
			err := r.printer.Print(context.Background(), ticket(t))
			if !errors.Is(err, tc.want) || errors.Is(err, tc.notWant) {
				t.Errorf("Print: %v; want %v and not %v", err, tc.want, tc.notWant)
			}
			if err != nil && !strings.Contains(err.Error(), r.name) {
				t.Errorf("error %q does not name the printer %s", err, r.name)
			}
			if jobs := r.printed(); len(jobs) != 0 {
				t.Errorf("printed %d jobs", len(jobs))
			}
			st, err := r.printer.Status(context.Background())
			if err != nil || !tc.statusOK(st) {
				t.Errorf("Status = %v, %v", st, err)
			}
		})
	}
}

func TestPaperOutMidJobThenReloaded(t *testing.T) {
	r := overPTY(t)
	job := ticket(t)
	r.emu.PaperOutAfter(len(job) / 2)
	err := r.printer.Print(context.Background(), job)
	if !errors.Is(err, escpos.ErrPaperOut) || !strings.Contains(err.Error(), "job sent") {
		t.Fatalf("Print: %v; want ErrPaperOut after the job was sent", err)
	}
	if jobs := r.printed(); len(jobs) != 0 {
		t.Fatalf("printed %d jobs from a roll that ran out", len(jobs))
	}
	if err := r.printer.Print(context.Background(), job); !errors.Is(err, escpos.ErrPaperOut) {
		t.Fatalf("reprint before reloading: %v, want ErrPaperOut", err)
	}

	r.emu.SetPaperOut(false)
	if err := r.printer.Print(context.Background(), job); err != nil {
		t.Fatalf("reprint after reloading: %v", err)
	}
	if jobs := r.printed(); len(jobs) != 1 || !bytes.Equal(jobs[0], job) {
		t.Errorf("reprint: printed %d jobs, want the ticket", len(jobs))
	}
}

func TestNoAnswerIsADeadlineErrorNamingThePrinter(t *testing.T) {
	r := overPTY(t)
	r.emu.SetNoAnswer(true)
	_, err := r.printer.Status(context.Background())
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Status: %v; want a deadline error", err)
	}
	if want := "printer " + r.name + ": no answer to status request"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Status: %v; want it to start %q", err, want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.printer.Print(ctx, ticket(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Print with a short context: %v; want context.DeadlineExceeded", err)
	}
	if jobs := r.printed(); len(jobs) != 0 {
		t.Errorf("printed %d jobs without knowing the printer's state", len(jobs))
	}
}

func TestGarbageStatusIsAnErrorAndRecovers(t *testing.T) {
	r := overPTY(t)
	r.emu.SetGarbage(true)
	_, err := r.printer.Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "nonsense") || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Status: %v; want an error saying the printer answers nonsense", err)
	}
	if err := r.printer.Print(context.Background(), ticket(t)); err == nil {
		t.Fatal("Print succeeded on a printer answering nonsense")
	}
	r.emu.SetGarbage(false)
	if st, err := r.printer.Status(context.Background()); err != nil || st != (escpos.Status{}) {
		t.Errorf("Status once the printer answers sense: %v, %v; want ready", st, err)
	}
}

func TestConcurrentPrintsAndStatus(t *testing.T) {
	r := overPTY(t)
	job := ticket(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 10 {
		wg.Go(func() {
			if i%2 == 0 {
				errs <- r.printer.Print(context.Background(), job)
				return
			}
			_, err := r.printer.Status(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	jobs := r.printed()
	if len(jobs) != 5 {
		t.Fatalf("printed %d jobs, want 5", len(jobs))
	}
	for _, j := range jobs {
		if !bytes.Equal(j, job) {
			t.Fatal("a job arrived mixed with another request")
		}
	}
}

// unidirectional is a USB printer whose reply channel usblp refuses (EINVAL)
// but whose port status says paper out.
type unidirectional struct{ written bytes.Buffer }

func (u *unidirectional) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: "/dev/usb/lp0", Err: unix.EINVAL}
}
func (u *unidirectional) Write(b []byte) (int, error)        { return u.written.Write(b) }
func (u *unidirectional) Close() error                       { return nil }
func (u *unidirectional) SetReadTimeout(time.Duration) error { return nil }
func (u *unidirectional) PortStatus() (escpos.Status, error) {
	return escpos.ParsePortStatus(0x38), nil // paper out, selected, no error
}

func TestUnidirectionalUSBFallsBackToPortStatus(t *testing.T) {
	u := &unidirectional{}
	d := escpos.NewDriver(u, "/dev/usb/lp0")
	if err := d.Print(context.Background(), []byte("job")); !errors.Is(err, escpos.ErrPaperOut) {
		t.Errorf("Print: %v; want ErrPaperOut from the port status", err)
	}
	if bytes.Contains(u.written.Bytes(), []byte("job")) {
		t.Error("the job was sent to a printer out of paper")
	}
}

func TestParsePortStatus(t *testing.T) {
	for _, tc := range []struct {
		b    byte
		want escpos.Status
	}{
		{0x18, escpos.Status{}},                              // selected, no error: ready
		{0x38, escpos.Status{PaperOut: true}},                // paper out
		{0x08, escpos.Status{Offline: true}},                 // deselected
		{0x10, escpos.Status{Offline: true}},                 // error line active
		{0x00, escpos.Status{Offline: true}},                 // nothing driven
		{0xd8, escpos.Status{}},                              // busy and ack bits do not matter
		{0x30, escpos.Status{PaperOut: true, Offline: true}}, // paper out with error
	} {
		if got := escpos.ParsePortStatus(tc.b); got != tc.want {
			t.Errorf("ParsePortStatus(0x%02X) = %v, want %v", tc.b, got, tc.want)
		}
	}
}

func BenchmarkPrintTicketPTY(b *testing.B) {
	r := overPTY(b)
	job := ticket(b)
	b.SetBytes(int64(len(job)))
	for b.Loop() {
		if err := r.printer.Print(context.Background(), job); err != nil {
			b.Fatal(err)
		}
		<-r.jobs
	}
}
