// Package flashtest makes disk images laid out like Raspberry Pi OS Lite
// for tests of flashing: an MBR, a FAT32 boot partition holding config.txt
// and cmdline.txt, and an ext4 root partition made by mkfs.ext4. It also
// reads them back with tools that share no code with go-diskfs: mtools for
// the FAT, e2fsck for the ext4.
package flashtest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/mbr"
)

// Layout is where a made image's partitions are, in bytes.
type Layout struct {
	BootStart, BootSize int64
	RootStart, RootSize int64
	Size                int64
	// Mformat has mtools' mformat make the FAT32 file system instead of
	// go-diskfs: a FAT written by another program, as Pi OS's is.
	Mformat bool
}

const sector = 512

// Pi OS starts its boot partition at 4 MiB; this one is just large enough
// for FAT32 with 512-byte clusters, the root partition just large enough
// for ext4.
var DefaultLayout = Layout{
	BootStart: 4 << 20, BootSize: 40 << 20,
	RootStart: 44 << 20, RootSize: 16 << 20,
	Size: 60 << 20,
}

// Cmdline is the boot partition's cmdline.txt, as in Raspberry Pi OS
// Bookworm before its first boot.
const Cmdline = "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n"

// ConfigTxt is the boot partition's config.txt.
const ConfigTxt = "# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\nauto_initramfs=1\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\narm_64bit=1\n"

// OSRelease is /etc/os-release on the root partition.
const OSRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n"

// MakeImage writes a Pi OS-like image of layout l to path, using scratch
// (a directory) for the root file system's pieces.
func MakeImage(path, scratch string, l Layout) error {
	d, err := diskfs.Create(path, l.Size, diskfs.SectorSize512)
	if err != nil {
		return fmt.Errorf("image %s: %w", path, err)
	}
	if err := writeBoot(d, path, l); err != nil {
		d.Close()
		return err
	}
	if err := d.Close(); err != nil {
		return err
	}
	if l.Mformat {
		if err := mformat(path, scratch, l); err != nil {
			return err
		}
	}
	return writeRoot(path, scratch, l)
}

// bootFiles are the files of a fresh boot partition.
var bootFiles = map[string]string{"cmdline.txt": Cmdline, "config.txt": ConfigTxt}

func mformat(path, scratch string, l Layout) error {
	img := fmt.Sprintf("%s@@%d", path, l.BootStart)
	if out, err := exec.Command("mformat", "-i", img, "-F", "-T", fmt.Sprint(l.BootSize/sector), "-v", "BOOTFS", "::").CombinedOutput(); err != nil {
		return fmt.Errorf("mformat: %v: %s", err, out)
	}
	for name, text := range bootFiles {
		src := filepath.Join(scratch, name)
		if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
			return err
		}
		if out, err := exec.Command("mcopy", "-i", img, src, "::/"+name).CombinedOutput(); err != nil {
			return fmt.Errorf("mcopy: %v: %s", err, out)
		}
	}
	return nil
}

func writeBoot(d *disk.Disk, path string, l Layout) error {
	table := &mbr.Table{
		LogicalSectorSize: sector, PhysicalSectorSize: sector,
		Partitions: []*mbr.Partition{
			{Index: 1, Type: mbr.Fat32LBA, Start: uint32(l.BootStart / sector), Size: uint32(l.BootSize / sector)},
			{Index: 2, Type: mbr.Linux, Start: uint32(l.RootStart / sector), Size: uint32(l.RootSize / sector)},
		},
	}
	if err := d.Partition(table); err != nil {
		return fmt.Errorf("image %s: partition: %w", path, err)
	}
	if l.Mformat {
		return nil
	}
	fsys, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: 1, FSType: filesystem.TypeFat32, VolumeLabel: "bootfs"})
	if err != nil {
		return fmt.Errorf("image %s: FAT32: %w", path, err)
	}
	for name, text := range bootFiles {
		f, err := fsys.OpenFile("/"+name, os.O_CREATE|os.O_RDWR)
		if err != nil {
			return fmt.Errorf("image %s: %s: %w", path, name, err)
		}
		if _, err := io.WriteString(f, text); err != nil {
			return fmt.Errorf("image %s: %s: %w", path, name, err)
		}
		f.Close()
	}
	return nil
}

// writeRoot makes the ext4 root file system with mkfs.ext4 in a file of
// its own, then copies it into the image at its partition's offset.
func writeRoot(path, scratch string, l Layout) error {
	tree := filepath.Join(scratch, "rootfs")
	if err := os.MkdirAll(filepath.Join(tree, "etc"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tree, "etc", "os-release"), []byte(OSRelease), 0o644); err != nil {
		return err
	}
	part := filepath.Join(scratch, "rootfs.ext4")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", tree, part, fmt.Sprintf("%dk", l.RootSize/1024)).CombinedOutput(); err != nil {
		return fmt.Errorf("mkfs.ext4: %v: %s", err, out)
	}
	ext, err := os.ReadFile(part)
	if err != nil {
		return err
	}
	img, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer img.Close()
	if _, err := img.WriteAt(ext, l.RootStart); err != nil {
		return err
	}
	return img.Close()
}

// Dir lists the boot partition's directory dir (like "::/" or
// "::/onetrip") with mdir, one name per line.
func Dir(image string, l Layout, dir string) (string, error) {
	out, err := exec.Command("mdir", "-b", "-i", fmt.Sprintf("%s@@%d", image, l.BootStart), dir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("mdir %s: %v: %s", dir, err, out)
	}
	return string(out), nil
}

// Read returns a file of the boot partition (like "::/cmdline.txt") as
// mtype -b (binary, no conversions) prints it.
func Read(image string, l Layout, name string) ([]byte, error) {
	cmd := exec.Command("mtype", "-b", "-i", fmt.Sprintf("%s@@%d", image, l.BootStart), name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("mtype %s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// CheckRoot copies the root partition out of image into scratch and runs
// e2fsck -n -f on it: nil when the file system is intact.
func CheckRoot(image, scratch string, l Layout) error {
	img, err := os.Open(image)
	if err != nil {
		return err
	}
	defer img.Close()
	part := filepath.Join(scratch, "root-check.ext4")
	out, err := os.Create(part)
	if err != nil {
		return err
	}
	defer os.Remove(part)
	if _, err := io.Copy(out, io.NewSectionReader(img, l.RootStart, l.RootSize)); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if msg, err := exec.Command("e2fsck", "-n", "-f", part).CombinedOutput(); err != nil {
		return fmt.Errorf("e2fsck: %v: %s", err, msg)
	}
	return nil
}
