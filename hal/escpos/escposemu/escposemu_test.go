package escposemu_test

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"onetrip/hal/escpos/escposemu"
)

// stream is a link whose far end sent in and reads what the printer answers.
type stream struct {
	io.Reader
	answers bytes.Buffer
}

func (s *stream) Write(b []byte) (int, error) { return s.answers.Write(b) }

// feed runs a printer over the bytes in, set up by setup, and returns the
// jobs it printed and the bytes it answered.
func feed(t *testing.T, in []byte, setup func(e *escposemu.Emulator)) (jobs [][]byte, answers []byte) {
	t.Helper()
	s := &stream{Reader: bytes.NewReader(in)}
	e := escposemu.New(s, func(job []byte) { jobs = append(jobs, job) })
	if setup != nil {
		setup(e)
	}
	if err := e.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return jobs, s.answers.Bytes()
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

var (
	initialise = []byte{0x1b, '@'}
	text       = []byte("A023\n")
	cut        = []byte{0x1d, 'V', 'B', 0}
	ask1       = []byte{0x10, 0x04, 1}
	ask4       = []byte{0x10, 0x04, 4}
	// rasterWithEOT is a GS v 0 band of 3×2 bytes whose dots spell DLE EOT 1 and 2.
	rasterWithEOT = []byte{0x1d, 'v', '0', 0, 3, 0, 2, 0, 0x10, 0x04, 0x01, 0x10, 0x04, 0x02}
	// qrWithEOT stores QR data holding DLE EOT 4.
	qrWithEOT = []byte{0x1d, '(', 'k', 6, 0, '1', 'P', '0', 0x10, 0x04, 0x04}
)

func TestStatusBytesInsideDataAreNotAnswered(t *testing.T) {
	job := cat(initialise, rasterWithEOT, qrWithEOT, cut)
	jobs, answers := feed(t, job, nil)
	if len(answers) != 0 {
		t.Errorf("answered % X to a job with DLE EOT only inside image and QR data", answers)
	}
	if len(jobs) != 1 || !bytes.Equal(jobs[0], job) {
		t.Errorf("printed % X, want the job once", jobs)
	}
}

func TestStatusIsAnsweredBetweenCommandsEvenSplitAcrossReads(t *testing.T) {
	in := cat(ask1, initialise, rasterWithEOT, cut, ask4)
	s := &stream{Reader: &oneByteReader{in}}
	var jobs [][]byte
	if err := escposemu.New(s, func(j []byte) { jobs = append(jobs, j) }).Run(); err != nil {
		t.Fatal(err)
	}
	if got := s.answers.Bytes(); !bytes.Equal(got, []byte{0x12, 0x12}) {
		t.Errorf("answers % X, want 12 12 (ready, twice)", got)
	}
	if len(jobs) != 1 {
		t.Errorf("printed %d jobs, want 1", len(jobs))
	}
}

// oneByteReader hands out its bytes one Read at a time.
type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	p[0], r.b = r.b[0], r.b[1:]
	return 1, nil
}

func TestJobsEndAtCutStatusRequestOrEndOfStream(t *testing.T) {
	a := cat(initialise, text, cut)
	b := cat(initialise, text) // a printer without a cutter only feeds
	c := cat(initialise, []byte("tail\n"))
	jobs, _ := feed(t, cat(a, b, ask1, c), nil)
	if want := [][]byte{a, b, c}; !slices.EqualFunc(jobs, want, bytes.Equal) {
		t.Errorf("jobs:\n% X\nwant:\n% X", jobs, want)
	}
}

func TestFaultsAnswerAndStopPrinting(t *testing.T) {
	asks := cat(ask1, []byte{0x10, 0x04, 2}, []byte{0x10, 0x04, 3}, ask4)
	for _, tc := range []struct {
		name  string
		set   func(e *escposemu.Emulator)
		reply []byte // to DLE EOT 1–4
		print bool
	}{
		{"ready", func(*escposemu.Emulator) {}, []byte{0x12, 0x12, 0x12, 0x12}, true},
		{"paper out", func(e *escposemu.Emulator) { e.SetPaperOut(true) }, []byte{0x1a, 0x32, 0x12, 0x7e}, false},
		{"offline", func(e *escposemu.Emulator) { e.SetOffline(true) }, []byte{0x1a, 0x12, 0x12, 0x12}, false},
		{"cover open", func(e *escposemu.Emulator) { e.SetCoverOpen(true) }, []byte{0x1a, 0x16, 0x12, 0x12}, false},
		{"no answer", func(e *escposemu.Emulator) { e.SetNoAnswer(true) }, nil, true},
		{"garbage", func(e *escposemu.Emulator) { e.SetGarbage(true) }, []byte{0xff, 0xff, 0xff, 0xff}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := cat(initialise, text, cut)
			jobs, answers := feed(t, cat(job, asks), tc.set)
			if !bytes.Equal(answers, tc.reply) {
				t.Errorf("answers % X, want % X", answers, tc.reply)
			}
			if printed := len(jobs) == 1; printed != tc.print {
				t.Errorf("printed %d jobs, want printing = %v", len(jobs), tc.print)
			}
		})
	}
}

func TestPaperRunsOutMidJobAndIsReloaded(t *testing.T) {
	job := cat(initialise, rasterWithEOT, text, cut)
	s := &stream{Reader: bytes.NewReader(cat(job, ask4))}
	var jobs [][]byte
	e := escposemu.New(s, func(j []byte) { jobs = append(jobs, j) })
	e.PaperOutAfter(len(job) - 1)
	if err := e.Run(); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 0 || !bytes.Equal(s.answers.Bytes(), []byte{0x7e}) {
		t.Fatalf("roll ran out mid-job: printed %d jobs, answered % X; want none and 7E (paper end)", len(jobs), s.answers.Bytes())
	}

	e.SetPaperOut(false)
	s.Reader, s.answers = bytes.NewReader(cat(job, ask4)), bytes.Buffer{}
	if err := e.Run(); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || !bytes.Equal(jobs[0], job) || !bytes.Equal(s.answers.Bytes(), []byte{0x12}) {
		t.Errorf("after reloading: printed %d jobs, answered % X; want the job and 12", len(jobs), s.answers.Bytes())
	}
}

func TestJobCutShortByTheLinkIsNotPrinted(t *testing.T) {
	band := rasterWithEOT[:len(rasterWithEOT)-2] // the link died inside the image
	if jobs, _ := feed(t, cat(initialise, text, band), nil); len(jobs) != 0 {
		t.Errorf("printed % X from a job that ended inside a command", jobs)
	}
}

func FuzzEmulatorReadsAnyStream(f *testing.F) {
	f.Add(cat(initialise, rasterWithEOT, qrWithEOT, cut, ask1))
	f.Add(cat(ask4, initialise, text, []byte{0x1d, 'k', 2, '1', '2', 0}, []byte{0x1b, '*', 33, 1, 0, 1, 2, 3}, cut))
	f.Add([]byte{0x1d, '8', 'L', 1, 0, 0, 0, 0x10, 0x10, 0x04, 0x02, 0x10})
	f.Fuzz(func(t *testing.T, in []byte) {
		jobs, answers := feed(t, in, nil)
		total := 0
		for _, j := range jobs {
			if len(j) == 0 {
				t.Fatal("printed an empty job")
			}
			total += len(j)
		}
		if total > len(in) || len(answers)*3 > len(in) {
			t.Fatalf("%d bytes in gave %d bytes of jobs and %d answers", len(in), total, len(answers))
		}
	})
}
