package flash_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"onetrip/firmware/flash"
	"onetrip/firmware/flash/flashtest"
)

// baseImage makes a Pi OS-like image in dir, raw or compressed with xz
// (the xz tool, in several blocks, as Raspberry Pi OS is published).
func baseImage(t testing.TB, dir string, compressed bool) string {
	return layoutImage(t, dir, flashtest.DefaultLayout, compressed)
}

func layoutImage(t testing.TB, dir string, l flashtest.Layout, compressed bool) string {
	t.Helper()
	img := filepath.Join(dir, "base.img")
	if err := flashtest.MakeImage(img, dir, l); err != nil {
		t.Fatal(err)
	}
	if !compressed {
		return img
	}
	if out, err := exec.Command("xz", "-k", "-1", "-T2", "--block-size=8MiB", img).CombinedOutput(); err != nil {
		t.Fatalf("xz: %v: %s", err, out)
	}
	return img + ".xz"
}

func fileSum(t testing.TB, name string, off, n int64) [32]byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestFlashWritesTheImageAndTheBootFiles(t *testing.T) {
	bundle := bytes.Repeat([]byte("signed release bundle "), 50_000) // ~1 MB, several clusters
	files := []flash.BootFile{
		{Name: "onetrip/onetrip-1.0.0-rpi4-kiosk.tar", Data: bundle},
		{Name: "onetrip/provision.toml", Data: []byte("terminal = \"kiosk-1\"\n")},
		{Name: "firstrun.sh", Data: []byte("#!/bin/bash\necho first boot\n")},
	}
	addRun := func(s string) (string, error) {
		return strings.TrimSpace(s) + " systemd.run=/boot/firmware/firstrun.sh\n", nil
	}
	mformatted := flashtest.DefaultLayout
	mformatted.Mformat = true
	for _, c := range []struct {
		name       string
		layout     flashtest.Layout
		compressed bool
	}{
		{"img", flashtest.DefaultLayout, false},
		{"img.xz", flashtest.DefaultLayout, true},
		{"img with a FAT by mformat", mformatted, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := layoutImage(t, dir, c.layout, c.compressed)
			raw := filepath.Join(dir, "base.img")
			target := filepath.Join(dir, "card.img") // a new file target
			res, err := flash.Job{Image: src, Target: target, Files: files, EditCmdline: addRun}.Run()
			if err != nil {
				t.Fatal(err)
			}
			l := c.layout
			if res.Size != l.Size || res.SHA256 != fileSum(t, raw, 0, l.Size) {
				t.Errorf("wrote %d bytes with sha256 %x, the image has %d", res.Size, res.SHA256[:8], l.Size)
			}
			listing, err := flashtest.Dir(target, l, "::/onetrip")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"onetrip-1.0.0-rpi4-kiosk.tar", "provision.toml"} {
				if !strings.Contains(listing, want) {
					t.Errorf("mdir ::/onetrip lacks %s:\n%s", want, listing)
				}
			}
			for _, f := range files {
				got, err := flashtest.Read(target, l, "::/"+f.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, f.Data) {
					t.Errorf("mtype %s: %d bytes, want the %d written", f.Name, len(got), len(f.Data))
				}
			}
			cmdline, err := flashtest.Read(target, l, "::/cmdline.txt")
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSpace(flashtest.Cmdline) + " systemd.run=/boot/firmware/firstrun.sh\n"; string(cmdline) != want {
				t.Errorf("cmdline.txt = %q, want %q", cmdline, want)
			}
			if cfg, err := flashtest.Read(target, l, "::/config.txt"); err != nil || string(cfg) != flashtest.ConfigTxt {
				t.Errorf("config.txt changed: %q, %v", cfg, err)
			}
			if err := flashtest.CheckRoot(target, dir, l); err != nil {
				t.Errorf("root partition: %v", err)
			}
			if fileSum(t, target, l.RootStart, l.RootSize) != fileSum(t, raw, l.RootStart, l.RootSize) {
				t.Error("the root partition differs from the image's")
			}
		})
	}
}

func TestFlashIntoAnExistingLargerFile(t *testing.T) {
	dir := t.TempDir()
	src := baseImage(t, dir, false)
	target := filepath.Join(dir, "card.img")
	l := flashtest.DefaultLayout
	old := bytes.Repeat([]byte{0xa5}, int(l.Size)+1<<20)
	if err := os.WriteFile(target, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (flash.Job{Image: src, Target: target}).Run(); err != nil {
		t.Fatal(err)
	}
	if fileSum(t, target, l.RootStart, l.RootSize) != fileSum(t, src, l.RootStart, l.RootSize) {
		t.Error("the root partition differs from the image's")
	}
	if err := flashtest.CheckRoot(target, dir, l); err != nil {
		t.Error(err)
	}
	if cmdline, err := flashtest.Read(target, l, "::/cmdline.txt"); err != nil || string(cmdline) != flashtest.Cmdline {
		t.Errorf("cmdline.txt without an edit = %q, %v", cmdline, err)
	}
	// Beyond the image the file keeps what it held, as a larger card does.
	if fileSum(t, target, l.Size, 1<<20) != sha256.Sum256(old[l.Size:]) {
		t.Error("bytes past the image were changed")
	}
}

func TestVerifyCatchesACardThatReadsBackWrong(t *testing.T) {
	dir := t.TempDir()
	src := baseImage(t, dir, false)
	im, err := flash.OpenImage(src)
	if err != nil {
		t.Fatal(err)
	}
	target := &flash.Target{Path: filepath.Join(dir, "card.img"), New: true}
	sum, err := flash.Write(im, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := flash.Verify(target, im.Size, sum, nil); err != nil {
		t.Fatalf("a good copy: %v", err)
	}
	// One bit flipped in the middle, as a failing card returns it.
	f, err := os.OpenFile(target.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	f.ReadAt(b, im.Size/2)
	b[0] ^= 0x10
	f.WriteAt(b, im.Size/2)
	f.Close()
	err = flash.Verify(target, im.Size, sum, nil)
	if err == nil || !strings.Contains(err.Error(), "differs from the image") || !strings.Contains(err.Error(), "the card may be failing") {
		t.Fatalf("a flipped bit: %v", err)
	}
}

func TestImageSizeComesFromTheXZIndex(t *testing.T) {
	dir := t.TempDir()
	part := func(name string, n int, blockSize string) string {
		p := filepath.Join(dir, name)
		data := bytes.Repeat([]byte(name), n/len(name))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("xz", "-k", "-0", "-T1", "--block-size="+blockSize, p).CombinedOutput(); err != nil {
			t.Fatalf("xz: %v: %s", err, out)
		}
		return p
	}
	a := part("alpha", 3_000_001, "1MiB") // four blocks
	b := part("beta", 10, "1MiB")
	xa, _ := os.ReadFile(a + ".xz")
	xb, _ := os.ReadFile(b + ".xz")
	// Two streams with stream padding between and after them.
	cat := append(append(append(append([]byte{}, xa...), make([]byte, 8)...), xb...), make([]byte, 4)...)
	concat := filepath.Join(dir, "two.img.xz")
	os.WriteFile(concat, cat, 0o644)
	cut := filepath.Join(dir, "cut.img.xz")
	os.WriteFile(cut, xa[:len(xa)-7], 0o644)

	for _, c := range []struct {
		file string
		want int64
	}{{a + ".xz", 3_000_000}, {concat, 3_000_000 + 8}} {
		im, err := flash.OpenImage(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if im.Size != c.want {
			t.Errorf("%s: size %d, want %d", filepath.Base(c.file), im.Size, c.want)
		}
		r, _ := im.Open()
		n, err := bytes.NewBuffer(nil).ReadFrom(r)
		r.Close()
		if err != nil || n != c.want {
			t.Errorf("%s: decompressed %d bytes (%v), want %d", filepath.Base(c.file), n, err, c.want)
		}
	}
	if _, err := flash.OpenImage(cut); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("a cut xz file: %v", err)
	}
}

func TestACorruptXZImageStopsTheWrite(t *testing.T) {
	dir := t.TempDir()
	src := baseImage(t, dir, true)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff // the index at the end still reads
	os.WriteFile(src, data, 0o644)
	_, err = flash.Job{Image: src, Target: filepath.Join(dir, "card.img")}.Run()
	if err == nil || !strings.HasPrefix(err.Error(), "image "+src+": ") {
		t.Fatalf("a corrupt image: %v", err)
	}
}

// Every size around a 512-byte cluster, as a bundle or a script may be.
func TestBootFilesOfAnySizeReadBack(t *testing.T) {
	dir := t.TempDir()
	src := baseImage(t, dir, false)
	var files []flash.BootFile
	for _, size := range []int{0, 1, 511, 512, 513, 3000, 4097} {
		files = append(files, flash.BootFile{Name: fmt.Sprintf("onetrip/f%d", size), Data: bytes.Repeat([]byte{byte(size)}, size)})
	}
	target := filepath.Join(dir, "card.img")
	if _, err := (flash.Job{Image: src, Target: target, Files: files}).Run(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if got, err := flashtest.Read(target, flashtest.DefaultLayout, "::/"+f.Name); err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s: mtype gives %d bytes (%v), want %d", f.Name, len(got), err, len(f.Data))
		}
	}
}
