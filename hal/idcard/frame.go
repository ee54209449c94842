package idcard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// preamble starts every GA 467 frame, in both directions.
var preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

const (
	headerSize = 7    // preamble and big-endian LEN
	MaxFrame   = 4096 // longest frame accepted; the longest reply (with fingerprints) is 2321 bytes
)

// Frame errors, wrapped in a FrameError.
var (
	ErrNoPreamble = errors.New("no AA AA AA 96 69 preamble")
	ErrLength     = errors.New("length out of range")
	ErrTruncated  = errors.New("truncated frame")
	ErrChecksum   = errors.New("checksum mismatch")
)

// FrameError says where in a frame parsing failed. Cause, if set, is the I/O error that
// cut the frame short.
type FrameError struct {
	Offset int // byte offset from the start of the frame
	Err    error
	Cause  error
}

func (e *FrameError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("idcard: frame offset %d: %v: %v", e.Offset, e.Err, e.Cause)
	}
	return fmt.Sprintf("idcard: frame offset %d: %v", e.Offset, e.Err)
}

func (e *FrameError) Unwrap() []error { return []error{e.Err, e.Cause} }

// AppendFrame appends payload (CMD PARA DATA, or SW1 SW2 SW3 DATA) framed: preamble,
// big-endian length of payload plus checksum, payload, XOR checksum of all after the
// preamble.
func AppendFrame(dst, payload []byte) []byte {
	n := len(payload) + 1
	dst = append(dst, preamble...)
	dst = append(dst, byte(n>>8), byte(n))
	dst = append(dst, payload...)
	return append(dst, xor(dst[len(dst)-n+1-2:]))
}

func xor(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// ParseFrame parses the frame at the start of b and returns its payload, which aliases
// b, and the frame's size.
func ParseFrame(b []byte) (payload []byte, n int, err error) {
	if !bytes.HasPrefix(b, preamble[:min(len(b), len(preamble))]) {
		return nil, 0, &FrameError{Offset: 0, Err: ErrNoPreamble}
	}
	if len(b) < headerSize {
		return nil, 0, &FrameError{Offset: len(b), Err: ErrTruncated}
	}
	size := headerSize + (int(b[5])<<8 | int(b[6]))
	if size < headerSize+2 || size > MaxFrame {
		return nil, 0, &FrameError{Offset: 5, Err: ErrLength}
	}
	if len(b) < size {
		return nil, 0, &FrameError{Offset: len(b), Err: ErrTruncated}
	}
	if xor(b[5:size]) != 0 {
		return nil, 0, &FrameError{Offset: size - 1, Err: ErrChecksum}
	}
	return b[headerSize : size-1], size, nil
}

// FrameReader reads frames from a byte stream. It skips garbage by searching for the
// preamble, and after a bad frame it resynchronises on the next preamble.
type FrameReader struct {
	r       io.Reader
	buf     []byte
	start   int // buf[start:] is unread
	Skipped int // garbage bytes skipped so far
}

// NewFrameReader returns a FrameReader reading r.
func NewFrameReader(r io.Reader) *FrameReader {
	return &FrameReader{r: r, buf: make([]byte, 0, 2*MaxFrame)}
}

// Next returns the payload of the next good frame; it is valid until the next call.
// Errors other than FrameErrors come from the underlying reader.
func (f *FrameReader) Next() ([]byte, error) {
	f.compact()
	for {
		b := f.buf[f.start:]
		if i := bytes.Index(b, preamble); i > 0 {
			f.Skipped += i
			f.start += i
			continue
		} else if i < 0 {
			drop := max(0, len(b)-len(preamble)+1) // keep what may be a partial preamble
			f.Skipped += drop
			f.start += drop
		} else if payload, n, err := ParseFrame(b); err == nil {
			f.start += n
			return payload, nil
		} else if !errors.Is(err, ErrTruncated) {
			f.start++ // resynchronise on the next preamble
			return nil, err
		}
		if err := f.fill(); err != nil {
			if b := f.buf[f.start:]; bytes.HasPrefix(b, preamble) {
				f.Reset()
				return nil, &FrameError{Offset: len(b), Err: ErrTruncated, Cause: err}
			}
			return nil, err
		}
	}
}

// fill reads more bytes into the buffer.
func (f *FrameReader) fill() error {
	f.compact()
	n, err := f.r.Read(f.buf[len(f.buf):cap(f.buf)])
	f.buf = f.buf[:len(f.buf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// compact moves unread bytes to the front of the buffer.
func (f *FrameReader) compact() {
	if f.start > 0 {
		n := copy(f.buf, f.buf[f.start:])
		clear(f.buf[n:])
		f.buf, f.start = f.buf[:n], 0
	}
}

// Reset drops buffered bytes, e.g. a late reply to a command that timed out.
func (f *FrameReader) Reset() {
	clear(f.buf)
	f.buf, f.start = f.buf[:0], 0
}
