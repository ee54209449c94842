// Package flash writes a base OS image (raw or .xz) to an SD card or an
// image file, verifies it by reading it back, and then writes files into
// the image's FAT32 boot partition (through go-diskfs, no mounting).
//
// It refuses, before writing a byte, a partition instead of a disk, the
// disk the running system is on, a disk with a mounted or swapping
// partition, and a target smaller than the image.
package flash

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"time"
)

// Job is one flashing: the image, where to write it, and what to add to
// its boot partition.
type Job struct {
	Image  string // IMAGE.img or IMAGE.img.xz
	Target string // a whole disk (/dev/sdX, /dev/mmcblkN) or an image file
	Files  []BootFile
	// EditCmdline returns the new cmdline.txt; nil leaves it as it is.
	EditCmdline func(string) (string, error)
	Progress    io.Writer // progress bars; nil: none
	System      System
}

// Result is what a flashing wrote and how long each part took.
type Result struct {
	Size          int64
	SHA256        [sha256.Size]byte
	Write, Verify time.Duration
	Boot          time.Duration
}

// Check opens the image and checks the target, without writing anything.
// A raw image's boot partition is checked too (an xz image's can only be
// read once written).
func (j Job) Check() (*Image, *Target, error) {
	im, err := OpenImage(j.Image)
	if err != nil {
		return nil, nil, err
	}
	t, err := j.System.CheckTarget(j.Target, im.Size)
	if err != nil {
		return nil, nil, err
	}
	if a, err := os.Stat(j.Image); err == nil {
		if b, err := os.Stat(j.Target); err == nil && os.SameFile(a, b) {
			return nil, nil, fmt.Errorf("%s is the image itself: name the card, or a new file", j.Target)
		}
	}
	if !im.xz {
		if err := checkBoot(im.Path, j.edit()); err != nil {
			return nil, nil, err
		}
	}
	return im, t, nil
}

// Run checks, writes, verifies, and writes the boot files.
func (j Job) Run() (Result, error) {
	var r Result
	im, t, err := j.Check()
	if err != nil {
		return r, err
	}
	r.Size = im.Size
	start := time.Now()
	if r.SHA256, err = Write(im, t, j.Progress); err != nil {
		return r, err
	}
	r.Write = time.Since(start)
	start = time.Now()
	if err := Verify(t, im.Size, r.SHA256, j.Progress); err != nil {
		return r, err
	}
	r.Verify = time.Since(start)
	start = time.Now()
	if err := WriteBoot(t, j.Files, j.edit()); err != nil {
		return r, err
	}
	r.Boot = time.Since(start)
	return r, nil
}

func (j Job) edit() func(string) (string, error) {
	if j.EditCmdline == nil {
		return func(s string) (string, error) { return s, nil }
	}
	return j.EditCmdline
}
