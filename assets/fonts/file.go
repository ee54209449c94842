package fonts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// SansAt reads Sans from the executable's file, through the page cache,
// instead of through the process's own mapping of the binary. Drawing reads
// a glyph's outline once per size, but the kernel maps up to 64 KB around
// every page a process reads, so reading the font in place would keep most
// of its 4 MB mapped into the kiosk (and counted in its memory) for the few
// hundred glyphs a hall uses. SansAt fails where the bytes cannot be found
// in the executable; Sans still works then.
func SansAt() (io.ReaderAt, error) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(Sans)))
	off, inode, err := fileOffset(start, uintptr(len(Sans)))
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("fonts: %w", err)
	}
	if st, err := f.Stat(); err != nil || st.Sys().(*syscall.Stat_t).Ino != inode {
		f.Close()
		return nil, errors.New("fonts: the font is not mapped from the executable")
	}
	r := io.NewSectionReader(f, off, int64(len(Sans)))
	// The first and last bytes must be the font's: this reads two of its
	// pages, which is all the checking costs.
	for _, at := range []int{0, len(Sans) - 16} {
		b := make([]byte, 16)
		if _, err := r.ReadAt(b, int64(at)); err != nil || !bytes.Equal(b, Sans[at:at+16]) {
			f.Close()
			return nil, errors.New("fonts: the executable's bytes differ from the font in memory")
		}
	}
	return r, nil
}

// fileOffset finds, in /proc/self/maps, the file offset and inode of the
// mapping that holds n bytes at addr.
func fileOffset(addr, n uintptr) (int64, uint64, error) {
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, 0, err
	}
	defer maps.Close()
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || uint64(addr) < start || uint64(addr) >= end {
			continue
		}
		if uint64(addr+n) > end {
			return 0, 0, errors.New("the font spans two mappings")
		}
		off, err1 := strconv.ParseUint(f[2], 16, 64)
		inode, err2 := strconv.ParseUint(f[4], 10, 64)
		if err1 != nil || err2 != nil || inode == 0 {
			return 0, 0, errors.New("the font is not mapped from a file")
		}
		return int64(off + uint64(addr) - start), inode, nil
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	return 0, 0, errors.New("the font is in no mapping of /proc/self/maps")
}
