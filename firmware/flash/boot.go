package flash

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/mbr"
)

// BootFile is a file to put into the boot partition, at a slash-separated
// path from its root.
type BootFile struct {
	Name string
	Data []byte
}

// Cmdline is the kernel command line on a Raspberry Pi's boot partition.
const Cmdline = "cmdline.txt"

// WriteBoot opens the written disk, finds the FAT32 boot partition in its
// MBR, writes files into it and replaces cmdline.txt by edit(its text).
// Then it reads everything back from the medium and compares.
func WriteBoot(t *Target, files []BootFile, edit func(cmdline string) (string, error)) error {
	f, err := os.OpenFile(t.Path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("boot partition of %s: %w", t.Path, err)
	}
	defer f.Close()
	fsys, part, err := bootPartition(f, t.Path, false)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("boot partition %d of %s", part, t.Path)
	cmdline, err := readFile(fsys, Cmdline)
	if err != nil {
		return fmt.Errorf("%s has no %s: is this a Raspberry Pi OS image? (%w)", where, Cmdline, err)
	}
	edited, err := edit(string(cmdline))
	if err != nil {
		return fmt.Errorf("%s: %s: %w", where, Cmdline, err)
	}
	all := append(append([]BootFile(nil), files...), BootFile{Cmdline, []byte(edited)})
	for _, bf := range all {
		if err := writeFile(fsys, bf); err != nil {
			return fmt.Errorf("%s: %s: %w", where, bf.Name, err)
		}
	}
	if err := fsys.Close(); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("%s: sync: %w", t.Path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", t.Path, err)
	}
	return verifyBoot(t, all)
}

// checkBoot checks that the disk image at name has a FAT32 boot partition
// whose cmdline.txt edit accepts.
func checkBoot(name string, edit func(string) (string, error)) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer f.Close()
	fsys, part, err := bootPartition(f, "image "+name, true)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("boot partition %d of image %s", part, name)
	cmdline, err := readFile(fsys, Cmdline)
	if err != nil {
		return fmt.Errorf("%s has no %s: is this a Raspberry Pi OS image? (%w)", where, Cmdline, err)
	}
	if _, err := edit(string(cmdline)); err != nil {
		return fmt.Errorf("%s: %s: %w", where, Cmdline, err)
	}
	return nil
}

// bootPartition returns the FAT32 file system of the first FAT32 partition
// in the MBR of the disk open as f, and that partition's number.
func bootPartition(f *os.File, name string, readOnly bool) (filesystem.FileSystem, int, error) {
	mode := diskfs.ReadWrite
	if readOnly {
		mode = diskfs.ReadOnly
	}
	d, err := diskfs.OpenBackend(file.New(f, readOnly), diskfs.WithOpenMode(mode))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	table, ok := d.Table.(*mbr.Table)
	if !ok {
		return nil, 0, fmt.Errorf("%s has no MBR partition table: is the image a Raspberry Pi OS image?", name)
	}
	for _, p := range table.Partitions {
		if p.Type != mbr.Fat32LBA && p.Type != mbr.Fat32CHS {
			continue
		}
		fsys, err := d.GetFilesystem(p.Index)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: partition %d: %w", name, p.Index, err)
		}
		if fsys.Type() != filesystem.TypeFat32 {
			return nil, 0, fmt.Errorf("%s: partition %d is marked FAT32 but does not hold a FAT32 file system", name, p.Index)
		}
		return fsys, p.Index, nil
	}
	return nil, 0, fmt.Errorf("%s has no FAT32 boot partition in its MBR", name)
}

func writeFile(fsys filesystem.FileSystem, bf BootFile) error {
	if dir := path.Dir(bf.Name); dir != "." {
		if err := fsys.Mkdir(dir); err != nil {
			return err
		}
	}
	w, err := fsys.OpenFile(bf.Name, os.O_CREATE|os.O_RDWR|os.O_TRUNC)
	if err != nil {
		return err
	}
	if _, err := w.Write(bf.Data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// readFile reads a whole file in one Read from its start: go-diskfs 1.9's
// FAT Read, asked to go on from the middle of a cluster, returns the rest of
// the cluster even past the end of the file (so io.ReadAll can read junk).
func readFile(fsys filesystem.FileSystem, name string) ([]byte, error) {
	st, err := fsys.Stat(name)
	if err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}

// verifyBoot reads the files back from the medium, its cache dropped.
func verifyBoot(t *Target, files []BootFile) error {
	f, err := os.Open(t.Path)
	if err != nil {
		return fmt.Errorf("verify %s: %w", t.Path, err)
	}
	defer f.Close()
	if err := dropCache(f); err != nil {
		return fmt.Errorf("verify %s: %w", t.Path, err)
	}
	fsys, part, err := bootPartition(f, t.Path, true)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, bf := range files {
		got, err := readFile(fsys, bf.Name)
		if err != nil {
			return fmt.Errorf("verify boot partition %d of %s: %s: %w", part, t.Path, bf.Name, err)
		}
		if !bytes.Equal(got, bf.Data) {
			return fmt.Errorf("verify boot partition %d of %s: %s reads back differently: the card may be failing", part, t.Path, bf.Name)
		}
	}
	return nil
}
