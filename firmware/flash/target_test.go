package flash_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"onetrip/firmware/flash"
)

// fakeSystem is a sysfs with one disk sdz (partitions sdz1, sdz2), a
// device-mapper volume dm-0 on sdz2, and a second disk sdy, plus block
// device nodes for them; mountinfo and swaps are what each case says.
type fakeSystem struct {
	t     *testing.T
	dir   string
	nodes map[string]string // name → device node path
}

var fakeDevices = []struct {
	name, dir string
	major     uint32
	minor     uint32
	partition bool
}{
	{"sdz", "devices/usb/block/sdz", 259, 0, false},
	{"sdz1", "devices/usb/block/sdz/sdz1", 259, 1, true},
	{"sdz2", "devices/usb/block/sdz/sdz2", 259, 2, true},
	{"sdy", "devices/pci/block/sdy", 259, 16, false},
	{"sdy1", "devices/pci/block/sdy/sdy1", 259, 17, true},
	{"dm-0", "devices/virtual/block/dm-0", 253, 0, false},
}

func newFakeSystem(t *testing.T) *fakeSystem {
	t.Helper()
	fs := &fakeSystem{t: t, dir: t.TempDir(), nodes: map[string]string{}}
	sys := filepath.Join(fs.dir, "sys")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(sys, "dev", "block"), 0o755))
	for _, d := range fakeDevices {
		dir := filepath.Join(sys, d.dir)
		must(os.MkdirAll(dir, 0o755))
		if d.partition {
			must(os.WriteFile(filepath.Join(dir, "partition"), []byte("1\n"), 0o644))
		}
		must(os.Symlink(filepath.Join("..", "..", d.dir), filepath.Join(sys, "dev", "block", majMin(d.major, d.minor))))
		node := filepath.Join(fs.dir, "dev-"+d.name)
		must(unix.Mknod(node, unix.S_IFBLK|0o600, int(unix.Mkdev(d.major, d.minor))))
		fs.nodes[d.name] = node
	}
	must(os.MkdirAll(filepath.Join(sys, "devices/virtual/block/dm-0/slaves"), 0o755))
	must(os.Symlink("../../../../usb/block/sdz/sdz2", filepath.Join(sys, "devices/virtual/block/dm-0/slaves/sdz2")))
	return fs
}

func majMin(ma, mi uint32) string { return fmt.Sprintf("%d:%d", ma, mi) }

// system returns a System whose mountinfo has one line per mount, given
// as "MAJOR:MINOR POINT SOURCE", and whose swaps lists swaps.
func (fs *fakeSystem) system(mounts []string, swaps ...string) flash.System {
	var mi strings.Builder
	for i, m := range mounts {
		f := strings.Fields(m)
		mi.WriteString(strconv.Itoa(30+i) + " 1 " + f[0] + " / " + f[1] + " rw,relatime shared:1 - ext4 " + f[2] + " rw\n")
	}
	mountinfo := filepath.Join(fs.dir, "mountinfo")
	os.WriteFile(mountinfo, []byte(mi.String()), 0o644)
	sw := "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	for _, s := range swaps {
		sw += s + "                               partition\t1048572\t\t0\t\t-2\n"
	}
	swapsFile := filepath.Join(fs.dir, "swaps")
	os.WriteFile(swapsFile, []byte(sw), 0o644)
	return flash.System{MountInfo: mountinfo, Swaps: swapsFile, SysBlock: filepath.Join(fs.dir, "sys", "dev", "block")}
}

func TestTargetsInUseAreRefused(t *testing.T) {
	fs := newFakeSystem(t)
	sdz := fs.nodes["sdz"]
	for _, c := range []struct {
		name   string
		target string
		mounts []string
		swaps  []string
		want   string
	}{
		{"root on a partition", sdz, []string{"259:2 / /dev/sdz2", "259:1 /boot/firmware /dev/sdz1"}, nil,
			sdz + " is the disk this system runs from (/ is on it): choose the card to flash"},
		{"root on device-mapper over a partition", sdz, []string{"253:0 / /dev/mapper/root"}, nil,
			"is the disk this system runs from"},
		{"a mounted partition", sdz, []string{"259:17 / /dev/sdy1", `259:1 /media/tech/boot\040fs /dev/sdz1`}, nil,
			sdz + " is mounted (/dev/sdz1 on /media/tech/boot fs): unmount it first, e.g. umount /media/tech/boot fs"},
		{"a swap partition", sdz, []string{"259:17 / /dev/sdy1"}, []string{fs.nodes["sdz2"]},
			sdz + " is in use as swap (" + fs.nodes["sdz2"] + "): swapoff " + fs.nodes["sdz2"] + " first"},
		{"a partition instead of the disk", fs.nodes["sdz1"], []string{"259:17 / /dev/sdy1"}, nil,
			fs.nodes["sdz1"] + " is a partition of /dev/sdz: give the whole disk, /dev/sdz"},
		{"a partition of the disk / is on", fs.nodes["sdy1"], []string{"259:17 / /dev/sdy1"}, nil,
			"is a partition of /dev/sdy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := fs.system(c.mounts, c.swaps...).CheckTarget(c.target, 1<<20)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("not one line: %q", err)
			}
		})
	}
}

// rootDevice is the device / is mounted from, as /proc/self/mountinfo
// names it.
func rootDevice(t *testing.T) string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && fields[4] == "/" {
			for i, x := range fields {
				if x == "-" && i+2 < len(fields) {
					return fields[i+2]
				}
			}
		}
	}
	t.Fatal("no / in /proc/self/mountinfo")
	return ""
}

func TestTheRealRootDiskIsRefusedBeforeAnythingIsWritten(t *testing.T) {
	root := rootDevice(t)
	st, err := os.Stat(root)
	if err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Skipf("/ is mounted from %q, not a block device here (a container's overlay)", root)
	}
	// The whole disk if / is on a partition of it.
	disk := root
	if target, err := filepath.EvalSymlinks("/sys/class/block/" + filepath.Base(root)); err == nil {
		if _, err := os.Stat(filepath.Join(target, "partition")); err == nil {
			disk = "/dev/" + filepath.Base(filepath.Dir(target))
		}
	}
	img := filepath.Join(t.TempDir(), "base.img")
	os.WriteFile(img, make([]byte, 1<<20), 0o644)
	// Where this test may read the disk, its start must not change; where
	// it may not even open it (a sandbox), the refusal's own words show it
	// came from the checks, which open nothing: opening it would have failed
	// with "operation not permitted" instead.
	before, readable := firstMiB(disk)
	_, err = flash.Job{Image: img, Target: disk}.Run()
	if err == nil || err.Error() != disk+" is the disk this system runs from (/ is on it): choose the card to flash" {
		t.Fatalf("flashing %s: %v", disk, err)
	}
	if after, _ := firstMiB(disk); readable && after != before {
		t.Fatalf("%s changed", disk)
	}
}

func firstMiB(name string) ([32]byte, bool) {
	f, err := os.Open(name)
	if err != nil {
		return [32]byte{}, false
	}
	defer f.Close()
	b := make([]byte, 1<<20)
	if _, err := f.ReadAt(b, 0); err != nil {
		return [32]byte{}, false
	}
	return sha256.Sum256(b), true
}

func TestTooSmallTargetsAreRefused(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "base.img")
	os.WriteFile(img, make([]byte, 3_000_000), 0o644)
	small := filepath.Join(dir, "small.img")
	os.WriteFile(small, make([]byte, 1_000_000), 0o644)
	_, err := flash.Job{Image: img, Target: small}.Run()
	if err == nil || err.Error() != small+" is too small: it holds 1.0 MB, the image needs 3.0 MB" {
		t.Errorf("a small file: %v", err)
	}
	if b, _ := os.ReadFile(small); len(b) != 1_000_000 {
		t.Error("the small file was written to")
	}
	// A loop device with no file behind it holds 0 bytes: a block device's
	// size comes from the kernel.
	for i := range 8 {
		dev := fmt.Sprintf("/dev/loop%d", i)
		size, err := os.ReadFile(fmt.Sprintf("/sys/block/loop%d/size", i))
		if err != nil || strings.TrimSpace(string(size)) != "0" {
			continue
		}
		_, err = flash.Job{Image: img, Target: dev}.Run()
		if err == nil || err.Error() != dev+" is too small: it holds 0 bytes, the image needs 3.0 MB" {
			t.Errorf("an empty loop device: %v", err)
		}
		return
	}
	t.Log("no free loop device: the block device size was not checked")
}

func TestOtherTargetsAreRefused(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "base.img")
	os.WriteFile(img, make([]byte, 1<<20), 0o644)
	for _, c := range []struct{ target, want string }{
		{"/dev/sdq-not-here", "/dev/sdq-not-here: no such device (is the card reader plugged in?)"},
		{"/dev/null", "/dev/null is neither a disk nor an image file"},
		{filepath.Join(dir, "no-such-dir", "card.img"), "cannot create the image file"},
		{img, img + " is the image itself: name the card, or a new file"},
	} {
		if _, err := (flash.Job{Image: img, Target: c.target}).Run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.target, err, c.want)
		}
	}
	if _, err := os.Stat("/dev/sdq-not-here"); err == nil {
		t.Error("a file was created in /dev")
	}
}
