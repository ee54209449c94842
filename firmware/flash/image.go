package flash

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ulikunitz/xz"
)

// Image is a base OS image to write: a raw disk image, or one compressed
// with xz (name ending in .xz), as Raspberry Pi OS is published.
type Image struct {
	Path string
	Size int64 // the bytes written to the device: the uncompressed size
	xz   bool
}

// OpenImage finds the image's size before anything is written: a raw
// image's is its file size, an xz image's the sum of its streams' indexes.
func OpenImage(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("image %s: not a file", path)
	}
	for _, ext := range []string{".zip", ".gz", ".zst", ".bz2", ".7z"} {
		if strings.HasSuffix(path, ext) {
			return nil, fmt.Errorf("image %s: %s files are not read; unpack it to .img first, or use the .img.xz", path, ext)
		}
	}
	im := &Image{Path: path, Size: st.Size(), xz: strings.HasSuffix(path, ".xz")}
	if im.xz {
		if im.Size, err = xzUncompressedSize(f, st.Size()); err != nil {
			return nil, fmt.Errorf("image %s: %w", path, err)
		}
	}
	if im.Size == 0 {
		return nil, fmt.Errorf("image %s: empty", path)
	}
	return im, nil
}

// Open returns the image's bytes, decompressed.
func (im *Image) Open() (io.ReadCloser, error) {
	f, err := os.Open(im.Path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if !im.xz {
		return f, nil
	}
	zr, err := xz.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("image %s: %w", im.Path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}
