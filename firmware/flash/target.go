package flash

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System is where the kernel says which disks are in use. The zero value
// reads the running system's files; tests point it at copies.
type System struct {
	MountInfo string // /proc/self/mountinfo
	Swaps     string // /proc/swaps
	SysBlock  string // /sys/dev/block: MAJOR:MINOR links into the device tree
}

func (s System) mountInfo() string { return or(s.MountInfo, "/proc/self/mountinfo") }
func (s System) swaps() string     { return or(s.Swaps, "/proc/swaps") }
func (s System) sysBlock() string  { return or(s.SysBlock, "/sys/dev/block") }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Target is where an image is written: a whole disk, or an image file
// (created when it does not exist).
type Target struct {
	Path   string
	Device bool  // a block device
	Size   int64 // what it holds; 0 for a file still to be created
	New    bool  // a file to be created
}

// CheckTarget refuses a target that must not or cannot take an image of
// need bytes: a partition rather than a disk, the disk this system runs
// from, a disk with a mounted or swapping partition, anything too small.
// Every refusal is one line saying why.
func (s System) CheckTarget(path string, need int64) (*Target, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(filepath.Clean(path), "/dev/"):
		return nil, fmt.Errorf("%s: no such device (is the card reader plugged in?)", path)
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("%s: cannot create the image file: %w", path, err)
		}
		return &Target{Path: path, New: true}, nil
	case err != nil:
		return nil, err
	case st.Mode().IsRegular():
		t := &Target{Path: path, Size: st.Size()}
		if t.Size < need {
			return nil, fmt.Errorf("%s is too small: it holds %s, the image needs %s", path, sizeWords(t.Size), sizeWords(need))
		}
		return t, nil
	case st.Mode()&fs.ModeDevice == 0 || st.Mode()&fs.ModeCharDevice != 0:
		return nil, fmt.Errorf("%s is neither a disk nor an image file", path)
	}
	dev := st.Sys().(*syscall.Stat_t).Rdev
	disk, ok := s.disk(dev)
	if !ok {
		return nil, fmt.Errorf("%s: the kernel does not list it in %s", path, s.sysBlock())
	}
	if isPartition(disk) {
		whole := filepath.Base(filepath.Dir(disk))
		return nil, fmt.Errorf("%s is a partition of /dev/%s: give the whole disk, /dev/%s", path, whole, whole)
	}
	if err := s.checkUnused(path, disk); err != nil {
		return nil, err
	}
	size, err := blockDeviceSize(path)
	if err != nil {
		return nil, err
	}
	if size < need {
		return nil, fmt.Errorf("%s is too small: it holds %s, the image needs %s", path, sizeWords(size), sizeWords(need))
	}
	return &Target{Path: path, Device: true, Size: size}, nil
}

func isPartition(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "partition"))
	return err == nil
}

// disk finds device number dev in sysfs: its directory under
// /sys/devices, links resolved.
func (s System) disk(dev uint64) (string, bool) {
	link := filepath.Join(s.sysBlock(), fmt.Sprintf("%d:%d", unix.Major(dev), unix.Minor(dev)))
	dir, err := filepath.EvalSymlinks(link)
	return dir, err == nil
}

// disksUnder returns the whole disks that device dev lives on: the disk
// of a partition, and through device-mapper or RAID (slaves/) the disks
// beneath.
func (s System) disksUnder(dev uint64) []string {
	dir, ok := s.disk(dev)
	if !ok {
		return nil
	}
	return disksOf(dir, 0)
}

func disksOf(dir string, depth int) []string {
	if isPartition(dir) {
		dir = filepath.Dir(dir)
	}
	slaves, _ := os.ReadDir(filepath.Join(dir, "slaves"))
	if len(slaves) == 0 || depth > 8 {
		return []string{dir}
	}
	var disks []string
	for _, sl := range slaves {
		if sub, err := filepath.EvalSymlinks(filepath.Join(dir, "slaves", sl.Name())); err == nil {
			disks = append(disks, disksOf(sub, depth+1)...)
		}
	}
	return disks
}

// mount is one line of /proc/self/mountinfo.
type mount struct {
	dev    uint64
	point  string
	source string
}

func (s System) mounts() ([]mount, error) {
	f, err := os.Open(s.mountInfo())
	if err != nil {
		return nil, fmt.Errorf("cannot tell which disks are mounted: %w", err)
	}
	defer f.Close()
	var ms []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if len(fields) < 5 || sep < 0 || sep+2 >= len(fields) {
			continue
		}
		maj, min, ok := strings.Cut(fields[2], ":")
		if !ok {
			continue
		}
		ma, err1 := strconv.ParseUint(maj, 10, 32)
		mi, err2 := strconv.ParseUint(min, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		m := mount{dev: unix.Mkdev(uint32(ma), uint32(mi)), point: unescape(fields[4]), source: unescape(fields[sep+2])}
		if ma == 0 && strings.HasPrefix(m.source, "/dev/") {
			// btrfs and others mount with an anonymous device number;
			// their source names the device.
			if st, err := os.Stat(m.source); err == nil && st.Mode()&fs.ModeDevice != 0 {
				m.dev = st.Sys().(*syscall.Stat_t).Rdev
			}
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// unescape decodes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// checkUnused refuses the disk / runs from and a disk any of whose
// partitions is mounted or swapped on.
func (s System) checkUnused(path, disk string) error {
	ms, err := s.mounts()
	if err != nil {
		return err
	}
	on := func(dev uint64) bool { return slices.Contains(s.disksUnder(dev), disk) }
	for _, m := range ms {
		if m.point == "/" && on(m.dev) {
			return fmt.Errorf("%s is the disk this system runs from (/ is on it): choose the card to flash", path)
		}
	}
	for _, m := range ms {
		if on(m.dev) {
			return fmt.Errorf("%s is mounted (%s on %s): unmount it first, e.g. umount %s", path, m.source, m.point, m.point)
		}
	}
	swaps, err := os.ReadFile(s.swaps())
	if err != nil {
		return nil // no swap support in this kernel
	}
	for _, line := range strings.Split(string(swaps), "\n")[1:] {
		name, _, _ := strings.Cut(line, " ")
		if st, err := os.Stat(name); err == nil && st.Mode()&fs.ModeDevice != 0 && on(st.Sys().(*syscall.Stat_t).Rdev) {
			return fmt.Errorf("%s is in use as swap (%s): swapoff %s first", path, name, name)
		}
	}
	return nil
}

// blockDeviceSize asks the kernel how many bytes the disk holds.
func blockDeviceSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var size uint64
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKGETSIZE64, uintptr(unsafe.Pointer(&size))); errno != 0 {
		return 0, fmt.Errorf("%s: cannot read its size: %w", path, errno)
	}
	return int64(size), nil
}

// sizeWords gives a size the way a card's label does (decimal units).
func sizeWords(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
