// Package escpossim is the simulated twin of an ESC/POS ticket printer: each
// job lands in a directory as the exact bytes and a PNG of the paper, and the
// faults of a real printer (paper out, offline, a dead status line) can be
// switched on.
package escpossim

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"golang.org/x/image/font"

	"onetrip/hal/escpos"
)

// Job is one job the printer received in full.
type Job struct {
	Seq        int
	EscposPath string // the bytes as received
	PNGPath    string // the paper; empty when the printer could not read the job
}

// Printer is a simulated escpos.Printer.
type Printer struct {
	dir     string
	profile escpos.Profile
	face    func(px float64) font.Face

	mu        sync.Mutex
	seq       int
	jobs      []Job
	paperOut  bool
	paperLeft int // bytes of job data the roll still holds; < 0 means plenty
	offline   bool
	noAnswer  bool
	closed    bool
}

var _ escpos.Printer = (*Printer)(nil)

var jobFile = regexp.MustCompile(`^(\d{6})\.(escpos|png|partial\.escpos)$`)

// New returns a printer with profile p writing jobs into dir (created if
// missing), numbered on from the highest job already there. face draws the
// text of the paper images.
func New(dir string, p escpos.Profile, face func(px float64) font.Face) (*Printer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("printer sim: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("printer sim: %w", err)
	}
	sim := &Printer{dir: dir, profile: p, face: face, paperLeft: -1}
	for _, e := range entries {
		if m := jobFile.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			sim.seq = max(sim.seq, n)
		}
	}
	return sim, nil
}

// SetPaperOut empties the roll (true) or loads a fresh one (false).
func (s *Printer) SetPaperOut(out bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paperOut, s.paperLeft = out, -1
}

// PaperOutAfter makes the roll run out once n more bytes have been printed:
// the job that crosses it stops part way, as on a real printer.
func (s *Printer) PaperOutAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paperLeft = max(n, 0)
}

// SetOffline takes the printer offline (true) or back online.
func (s *Printer) SetOffline(off bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offline = off
}

// SetNoAnswer cuts the printer's reply line: it still prints but never
// answers a status request, like a TTL printer with its TX unconnected.
func (s *Printer) SetNoAnswer(silent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noAnswer = silent
}

// Jobs lists the jobs received in full since New, oldest first.
func (s *Printer) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Job(nil), s.jobs...)
}

// Print receives one job. A job started without paper or while offline
// leaves nothing; a job the roll runs out in is kept as NNNNNN.partial.escpos.
func (s *Printer) Print(ctx context.Context, job []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("printer sim: print: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("printer sim: print: %w", os.ErrClosed)
	case s.offline:
		return fmt.Errorf("printer sim: print: %w", escpos.ErrOffline)
	case s.paperOut:
		return fmt.Errorf("printer sim: print: %w", escpos.ErrPaperOut)
	}
	s.seq++
	base := filepath.Join(s.dir, fmt.Sprintf("%06d", s.seq))
	if s.paperLeft >= 0 {
		if len(job) > s.paperLeft {
			partial := job[:s.paperLeft]
			s.paperOut, s.paperLeft = true, -1
			if err := os.WriteFile(base+".partial.escpos", partial, 0o644); err != nil {
				return fmt.Errorf("printer sim: job %d: %w", s.seq, err)
			}
			return fmt.Errorf("printer sim: job %d stopped after %d of %d bytes: %w", s.seq, len(partial), len(job), escpos.ErrPaperOut)
		}
		s.paperLeft -= len(job)
	}
	j := Job{Seq: s.seq, EscposPath: base + ".escpos"}
	if err := os.WriteFile(j.EscposPath, job, 0o644); err != nil {
		return fmt.Errorf("printer sim: job %d: %w", s.seq, err)
	}
	doc, err := escpos.DecodeFor(s.profile, job)
	if err != nil {
		s.jobs = append(s.jobs, j)
		return fmt.Errorf("printer sim: job %d printed garbage: %w", s.seq, err)
	}
	if err := s.writePNG(base+".png", doc); err != nil {
		return fmt.Errorf("printer sim: job %d: %w", s.seq, err)
	}
	j.PNGPath = base + ".png"
	s.jobs = append(s.jobs, j)
	return nil
}

func (s *Printer) writePNG(path string, doc *escpos.Document) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, escpos.RenderPaper(doc, s.profile, s.face)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Status answers DLE EOT 1–4 the way the printer would and reads the replies.
func (s *Printer) Status(ctx context.Context) (escpos.Status, error) {
	s.mu.Lock()
	silent, closed := s.noAnswer, s.closed
	s.mu.Unlock()
	if closed {
		return escpos.Status{}, fmt.Errorf("printer sim: status: %w", os.ErrClosed)
	}
	if silent {
		<-ctx.Done()
		return escpos.Status{}, fmt.Errorf("printer sim: status: no reply: %w", ctx.Err())
	}
	var st escpos.Status
	for n := 1; n <= 4; n++ {
		part, err := escpos.ParseStatus(n, s.reply(n))
		if err != nil {
			return escpos.Status{}, fmt.Errorf("printer sim: status: %w", err)
		}
		st = st.Merge(part)
	}
	return st, nil
}

// reply is the printer's byte for DLE EOT n: out of paper it is also offline.
func (s *Printer) reply(n int) byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := byte(0x12)
	switch n {
	case 1:
		if s.offline || s.paperOut {
			b |= 0x08
		}
	case 2:
		if s.paperOut {
			b |= 0x20 | 0x40
		}
	case 4:
		if s.paperOut {
			b |= 0x60 | 0x0c
		}
	}
	return b
}

// Close stops the printer; later calls fail.
func (s *Printer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
