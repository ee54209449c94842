package escpossim

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"

	"onetrip/hal/escpos"
)

func goFace(t *testing.T) func(px float64) font.Face {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	return func(px float64) font.Face {
		face, _ := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72})
		return face
	}
}

func newSim(t *testing.T, dir string) *Printer {
	t.Helper()
	p, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(dir, p, goFace(t))
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

func ticket(t *testing.T, number string) []byte {
	p, _ := escpos.LoadProfile("80mm")
	e := escpos.NewEncoder(p)
	e.Init()
	e.Align(escpos.Centre)
	e.Size(4, 4)
	e.Line(number)
	e.Size(1, 1)
	if err := e.QR("https://example.com/t/"+number, 6, escpos.ECMedium); err != nil {
		t.Fatal(err)
	}
	e.Cut()
	return e.Bytes()
}

func TestJobsAreWrittenAndNumberedAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sim := newSim(t, dir)
	job := ticket(t, "A001")
	if err := sim.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	jobs := sim.Jobs()
	if len(jobs) != 1 || jobs[0].Seq != 1 || filepath.Base(jobs[0].EscposPath) != "000001.escpos" {
		t.Fatalf("Jobs() = %+v, want job 000001", jobs)
	}
	got, err := os.ReadFile(jobs[0].EscposPath)
	if err != nil || !bytes.Equal(got, job) {
		t.Errorf("000001.escpos holds %d bytes (%v), want the %d bytes sent", len(got), err, len(job))
	}
	f, err := os.Open(jobs[0].PNGPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 576 {
		t.Fatalf("paper image %v, %v; want 576 dots wide", img.Bounds(), err)
	}
	sim.Close()
	if err := sim.Print(ctx, job); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Print after Close = %v", err)
	}

	restarted := newSim(t, dir)
	if err := restarted.Print(ctx, ticket(t, "A002")); err != nil {
		t.Fatal(err)
	}
	if jobs := restarted.Jobs(); len(jobs) != 1 || jobs[0].Seq != 2 {
		t.Errorf("after restart Jobs() = %+v, want only job 2", jobs)
	}
}

func TestPaperOut(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sim := newSim(t, dir)
	sim.SetPaperOut(true)
	if err := sim.Print(ctx, ticket(t, "A001")); !errors.Is(err, escpos.ErrPaperOut) {
		t.Errorf("Print without paper = %v, want ErrPaperOut", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a job without paper left %d files", len(entries))
	}
	st, err := sim.Status(ctx)
	if err != nil || !st.PaperOut || !errors.Is(st.Err(), escpos.ErrPaperOut) {
		t.Errorf("Status() = %v, %v; want paper out", st, err)
	}
	sim.SetPaperOut(false)
	if st, _ := sim.Status(ctx); st.Err() != nil {
		t.Errorf("fresh roll: Status() = %v", st)
	}
	if err := sim.Print(ctx, ticket(t, "A001")); err != nil {
		t.Errorf("Print after loading paper = %v", err)
	}
}

func TestPaperRunsOutMidJob(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sim := newSim(t, dir)
	first, second := ticket(t, "A001"), ticket(t, "A002")
	sim.PaperOutAfter(len(first) + 20)
	if err := sim.Print(ctx, first); err != nil {
		t.Fatal(err)
	}
	err := sim.Print(ctx, second)
	if !errors.Is(err, escpos.ErrPaperOut) {
		t.Fatalf("job crossing the end of the roll = %v, want ErrPaperOut", err)
	}
	partial, rerr := os.ReadFile(filepath.Join(dir, "000002.partial.escpos"))
	if rerr != nil || !bytes.Equal(partial, second[:20]) {
		t.Errorf("partial job = % X (%v), want the first 20 bytes", partial, rerr)
	}
	if _, err := os.Stat(filepath.Join(dir, "000002.escpos")); !os.IsNotExist(err) {
		t.Error("a job cut short was stored as a printed ticket")
	}
	if jobs := sim.Jobs(); len(jobs) != 1 {
		t.Errorf("Jobs() = %+v, want only the complete ticket", jobs)
	}
	if err := sim.Print(ctx, second); !errors.Is(err, escpos.ErrPaperOut) {
		t.Errorf("next job on the empty roll = %v", err)
	}
	sim.SetPaperOut(false)
	if err := sim.Print(ctx, second); err != nil {
		t.Fatal(err)
	}
	if jobs := sim.Jobs(); jobs[len(jobs)-1].Seq != 3 {
		t.Errorf("reprint numbered %d, want 3 (after the partial job)", jobs[len(jobs)-1].Seq)
	}
}

func TestOffline(t *testing.T) {
	ctx := context.Background()
	sim := newSim(t, t.TempDir())
	sim.SetOffline(true)
	if err := sim.Print(ctx, ticket(t, "A001")); !errors.Is(err, escpos.ErrOffline) {
		t.Errorf("Print offline = %v, want ErrOffline", err)
	}
	if st, err := sim.Status(ctx); err != nil || !st.Offline || !errors.Is(st.Err(), escpos.ErrOffline) {
		t.Errorf("Status() = %v, %v; want offline", st, err)
	}
}

func TestNoAnswerHangsUntilTheDeadline(t *testing.T) {
	sim := newSim(t, t.TempDir())
	sim.SetNoAnswer(true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := sim.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Status with a dead reply line = %v, want DeadlineExceeded", err)
	}
	if err := sim.Print(context.Background(), ticket(t, "A001")); err != nil {
		t.Errorf("a printer with a dead reply line still prints, got %v", err)
	}
}

func TestGarbageIsKeptAndReported(t *testing.T) {
	sim := newSim(t, t.TempDir())
	garbage := []byte("A001\n\x1d(k\x40\x00")
	err := sim.Print(context.Background(), garbage)
	var de *escpos.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("Print(garbage) = %v, want a decode error", err)
	}
	jobs := sim.Jobs()
	if len(jobs) != 1 || jobs[0].PNGPath != "" {
		t.Fatalf("Jobs() = %+v, want the bytes kept without paper", jobs)
	}
	if got, _ := os.ReadFile(jobs[0].EscposPath); !bytes.Equal(got, garbage) {
		t.Errorf("kept % X, want % X", got, garbage)
	}
}
