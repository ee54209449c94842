package flash_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/mbr"

	"onetrip/firmware/flash"
	"onetrip/firmware/flash/flashtest"
)

// otherImage makes a 40 MiB image that is not Raspberry Pi OS's layout.
func otherImage(t *testing.T, table *mbr.Table, fat int, files ...string) *flash.Target {
	t.Helper()
	p := filepath.Join(t.TempDir(), "other.img")
	d, err := diskfs.Create(p, 40<<20, diskfs.SectorSize512)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if table != nil {
		if err := d.Partition(table); err != nil {
			t.Fatal(err)
		}
	}
	if fat >= 0 {
		fsys, err := d.CreateFilesystem(disk.FilesystemSpec{Partition: fat, FSType: filesystem.TypeFat32})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			f, err := fsys.OpenFile("/"+name, os.O_CREATE|os.O_RDWR)
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte(flashtest.Cmdline))
			f.Close()
		}
	}
	return &flash.Target{Path: p}
}

func part(i int, typ mbr.Type) *mbr.Partition {
	return &mbr.Partition{Index: i, Type: typ, Start: 2048, Size: 78 << 10}
}

func TestBootPartitionProblemsAreNamed(t *testing.T) {
	keep := func(s string) (string, error) { return s, nil }
	for _, c := range []struct {
		name string
		t    *flash.Target
		edit func(string) (string, error)
		want string
	}{
		{"a blank disk", otherImage(t, nil, -1), keep, "has no MBR partition table: is the image a Raspberry Pi OS image?"},
		{"no FAT32 partition", otherImage(t, &mbr.Table{Partitions: []*mbr.Partition{part(1, mbr.Linux)}}, -1), keep,
			"has no FAT32 boot partition in its MBR"},
		{"no cmdline.txt", otherImage(t, &mbr.Table{Partitions: []*mbr.Partition{part(1, mbr.Fat32LBA)}}, 1, "config.txt"), keep,
			"has no cmdline.txt: is this a Raspberry Pi OS image?"},
		{"a cmdline.txt the edit refuses", otherImage(t, &mbr.Table{Partitions: []*mbr.Partition{part(1, mbr.Fat32LBA)}}, 1, "cmdline.txt"),
			func(string) (string, error) { return "", errors.New("no root= parameter") },
			"cmdline.txt: no root= parameter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := flash.WriteBoot(c.t, nil, c.edit)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestARawImageThatIsNotPiOSIsRefusedBeforeWriting(t *testing.T) {
	other := otherImage(t, &mbr.Table{Partitions: []*mbr.Partition{part(1, mbr.Linux)}}, -1)
	card := filepath.Join(t.TempDir(), "card.img")
	_, err := flash.Job{Image: other.Path, Target: card}.Run()
	if err == nil || err.Error() != "image "+other.Path+" has no FAT32 boot partition in its MBR" {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	pi := filepath.Join(dir, "pi.img")
	if err := flashtest.MakeImage(pi, dir, flashtest.DefaultLayout); err != nil {
		t.Fatal(err)
	}
	refuse := func(string) (string, error) { return "", errors.New("more than one line") }
	_, err = flash.Job{Image: pi, Target: card, EditCmdline: refuse}.Run()
	if err == nil || err.Error() != "boot partition 1 of image "+pi+": cmdline.txt: more than one line" {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(card); err == nil {
		t.Error("the card was written")
	}
	zip := filepath.Join(dir, "raspios.img.zip")
	os.WriteFile(zip, []byte("PK"), 0o644)
	if _, err := (flash.Job{Image: zip, Target: card}).Run(); err == nil || !strings.Contains(err.Error(), ".zip files are not read; unpack it to .img first") {
		t.Errorf("a zip: %v", err)
	}
}
