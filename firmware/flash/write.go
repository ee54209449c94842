package flash

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/sys/unix"
)

// chunk is how much is written at a time: a multiple of every SD card's
// erase block size.
const chunk = 4 << 20

// Write copies the image onto the target and syncs it to the medium,
// drawing a progress bar on progress (nil: none). It returns the sha256 of
// the bytes written, for Verify. Decompressing runs beside writing, so a
// slow card and a slow decompressor cost the slower of the two, not both.
func Write(im *Image, t *Target, progress io.Writer) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	src, err := im.Open()
	if err != nil {
		return sum, err
	}
	defer src.Close()
	dst, err := openForWriting(t)
	if err != nil {
		return sum, err
	}
	defer dst.Close()
	bar := newBar(progress, im.Size, "writing  ")
	h := sha256.New()
	chunks, done := readAhead(io.LimitReader(src, im.Size+1))
	defer close(done)
	var n int64
	for c := range chunks {
		if c.err != nil {
			return sum, fmt.Errorf("image %s: %w", im.Path, c.err)
		}
		if _, err := dst.Write(c.data); errors.Is(err, syscall.ENOSPC) {
			return sum, fmt.Errorf("%s: full after %s of %s", t.Path, sizeWords(n), sizeWords(im.Size))
		} else if err != nil {
			return sum, fmt.Errorf("writing %s: %w", t.Path, err)
		}
		h.Write(c.data)
		bar.Add(len(c.data))
		n += int64(len(c.data))
		c.free()
	}
	if n != im.Size {
		return sum, fmt.Errorf("image %s: %d bytes decompressed, its index says %d", im.Path, n, im.Size)
	}
	if err := dst.Sync(); err != nil {
		return sum, fmt.Errorf("%s: sync: %w", t.Path, err)
	}
	bar.Finish()
	h.Sum(sum[:0])
	return sum, dst.Close()
}

// A readChunk is one buffer of the image, or the error that ended it.
type readChunk struct {
	data []byte
	err  error
	free func() // gives the buffer back for reading
}

// readAhead reads r in chunks in its own goroutine, up to three chunks
// ahead of the writer. Closing done stops it.
func readAhead(r io.Reader) (<-chan readChunk, chan<- struct{}) {
	const buffers = 3
	chunks := make(chan readChunk, buffers+1) // never full: the writer may have gone
	done := make(chan struct{})
	pool := make(chan []byte, buffers)
	for range buffers {
		pool <- make([]byte, chunk)
	}
	go func() {
		defer close(chunks)
		for {
			var buf []byte
			select {
			case buf = <-pool:
			case <-done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				b := buf
				chunks <- readChunk{data: buf[:n], free: func() { pool <- b }}
			}
			switch {
			case err == io.EOF || err == io.ErrUnexpectedEOF:
				return
			case err != nil:
				chunks <- readChunk{err: err}
				return
			}
		}
	}()
	return chunks, done
}

// openForWriting opens a disk exclusively (the kernel refuses while a
// partition is mounted), creates a new image file, or opens an existing
// one in place.
func openForWriting(t *Target) (*os.File, error) {
	flag := os.O_WRONLY
	switch {
	case t.Device:
		flag |= os.O_EXCL
	case t.New:
		flag |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(t.Path, flag, 0o644)
	if t.Device && errors.Is(err, syscall.EBUSY) {
		return nil, fmt.Errorf("%s is in use (mounted, or opened by another program): unmount it first", t.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Path, err)
	}
	return f, nil
}

// Verify reads the first size bytes back from the target and compares
// their sha256 with sum. The target's cached pages are dropped first, so
// the bytes come from the card, not from memory.
func Verify(t *Target, size int64, sum [sha256.Size]byte, progress io.Writer) error {
	f, err := os.Open(t.Path)
	if err != nil {
		return fmt.Errorf("verify %s: %w", t.Path, err)
	}
	defer f.Close()
	if err := dropCache(f); err != nil {
		return fmt.Errorf("verify %s: %w", t.Path, err)
	}
	bar := newBar(progress, size, "verifying")
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(h, bar), io.LimitReader(f, size), make([]byte, chunk)); err != nil {
		return fmt.Errorf("verify %s: %w", t.Path, err)
	}
	bar.Finish()
	var got [sha256.Size]byte
	if h.Sum(got[:0]); got != sum {
		return fmt.Errorf("verify %s: what was read back differs from the image (sha256 %x, image %x): the card may be failing", t.Path, got[:8], sum[:8])
	}
	return nil
}

// dropCache asks the kernel to forget the file's cached pages (written
// back already by Sync).
func dropCache(f *os.File) error {
	if err := f.Sync(); err != nil {
		return err
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

func newBar(w io.Writer, size int64, what string) *progressbar.ProgressBar {
	if w == nil {
		return progressbar.DefaultBytesSilent(size, what)
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}
