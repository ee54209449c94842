// Package bundletest tampers with bundles, for tests that must see a
// tampered bundle refused.
package bundletest

import (
	"archive/tar"
	"bytes"
	"io"
)

// Rewrite copies a bundle's tar entries through edit, which may change an
// entry's bytes or drop it (by returning nil). Headers are kept, sizes
// follow the new bytes.
func Rewrite(data []byte, edit func(name string, b []byte) []byte) ([]byte, error) {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if b = edit(h.Name, b); b == nil {
			continue
		}
		h.Size = int64(len(b))
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
