package flash_test

import (
	"os"
	"path/filepath"
	"testing"

	"onetrip/firmware/flash"
	"onetrip/firmware/flash/flashtest"
)

// bigLayout is a 2 GiB image, sparse but for its partitions' structures:
// a Raspberry Pi OS Lite image is about 2.7 GB.
var bigLayout = flashtest.Layout{
	BootStart: 4 << 20, BootSize: 256 << 20,
	RootStart: 260 << 20, RootSize: 16 << 20,
	Size: 2 << 30,
}

// BenchmarkFlash2GB writes a 2 GiB image file to a new image file, reads
// it back for the sha256 check (the page cache dropped) and writes the boot
// files; MB/s is over the image's size, s/flash the whole job.
func BenchmarkFlash2GB(b *testing.B) {
	dir := b.TempDir()
	img := filepath.Join(dir, "base.img")
	if err := flashtest.MakeImage(img, dir, bigLayout); err != nil {
		b.Fatal(err)
	}
	files := []flash.BootFile{{Name: "onetrip/bundle.tar", Data: make([]byte, 20<<20)}}
	target := filepath.Join(dir, "card.img")
	b.SetBytes(bigLayout.Size)
	var write, verify float64
	for b.Loop() {
		os.Remove(target)
		res, err := flash.Job{Image: img, Target: target, Files: files}.Run()
		if err != nil {
			b.Fatal(err)
		}
		write += res.Write.Seconds()
		verify += res.Verify.Seconds()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/flash")
	b.ReportMetric(float64(bigLayout.Size)/1e6/(write/float64(b.N)), "write-MB/s")
	b.ReportMetric(float64(bigLayout.Size)/1e6/(verify/float64(b.N)), "verify-MB/s")
}
