package render

import (
	"image"
	"runtime"

	"golang.org/x/sys/unix"
)

// NewFrame returns an RGBA image of r whose pixels live outside the Go
// heap. A terminal keeps its 4 MB frame as long as it runs; on the heap it
// would count toward the collector's goal, which lets as much garbage pile
// up again before each collection, all of it resident. The pixels are
// unmapped once the image is unreachable. Where the kernel refuses the
// mapping the frame is an ordinary heap image.
func NewFrame(r image.Rectangle) *image.RGBA {
	n := 4 * r.Dx() * r.Dy()
	if n <= 0 {
		return image.NewRGBA(r)
	}
	pix, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return image.NewRGBA(r)
	}
	img := &image.RGBA{Pix: pix, Stride: 4 * r.Dx(), Rect: r}
	runtime.AddCleanup(img, func(pix []byte) { unix.Munmap(pix) }, pix)
	return img
}
