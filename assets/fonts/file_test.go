package fonts

import (
	"bytes"
	"io"
	"testing"
)

// SansAt reads the same bytes as Sans, from the binary's file.
func TestSansAtReadsTheFont(t *testing.T) {
	r, err := SansAt()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, int64(len(Sans))))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Sans) {
		t.Fatalf("SansAt read %d bytes that differ from the embedded %d", len(got), len(Sans))
	}
	if n, err := r.ReadAt(make([]byte, 8), int64(len(Sans))); n != 0 || err != io.EOF {
		t.Errorf("reading past the font: %d bytes, %v", n, err)
	}
}
