//go:build cgo

package window

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestLayoutOfVisualMasks(t *testing.T) {
	rgba := []byte{0x11, 0x22, 0x33, 0xff}
	for _, c := range []struct {
		name             string
		red, green, blue uint32
		msbFirst         bool
		want             []byte // the pixel in memory
	}{
		{"BGRX, little-endian server", 0xff0000, 0x00ff00, 0x0000ff, false, []byte{0x33, 0x22, 0x11, 0}},
		{"XRGB, big-endian server", 0xff0000, 0x00ff00, 0x0000ff, true, []byte{0, 0x11, 0x22, 0x33}},
		{"RGBX, little-endian server", 0x0000ff, 0x00ff00, 0xff0000, false, []byte{0x11, 0x22, 0x33, 0}},
	} {
		l, err := layoutOf(c.red, c.green, c.blue, c.msbFirst)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// Three pixels: converted two at a time, then one.
		three, want := bytes.Repeat(rgba, 3), bytes.Repeat(c.want, 3)
		got := make([]byte, len(three))
		l.convert(got, three)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: RGBA %x is % x in memory, want % x", c.name, three, got, want)
		}
		back := make([]byte, len(got))
		l.toRGBA(back, got)
		if !bytes.Equal(back, three) {
			t.Errorf("%s: read back as %x, want %x", c.name, back, three)
		}
	}
	if _, err := layoutOf(0xf800, 0x07e0, 0x001f, false); err == nil || !strings.Contains(err.Error(), "f800/0007e0/00001f") {
		t.Errorf("a 16-bit visual's masks: %v", err)
	}
}

// mesaLibraries are the parts of Mesa's software GL: the DRI driver, its
// GLX vendor library and LLVM, which llvmpipe compiles shaders with.
var mesaLibraries = []string{"_dri.so", "libLLVM", "libGLX_mesa", "libgallium"}

// TestSHMLoadsNoMesa opens a window in a fresh process per presenter and
// reads that process's /proc/self/maps after the first frame is on the
// screen: the shm presenter maps no Mesa library, the gl one does (which
// shows the check can see them).
func TestSHMLoadsNoMesa(t *testing.T) {
	for _, c := range []struct {
		presenter string
		mesa      bool
	}{{PresenterSHM, false}, {PresenterGL, true}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMappedMesaChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "WINDOW_TEST_CHILD_PRESENTER="+c.presenter)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: child: %v\n%s", c.presenter, err, out)
		}
		var mapped []string
		for _, line := range strings.Split(string(out), "\n") {
			if lib, ok := strings.CutPrefix(line, "mapped: "); ok {
				mapped = append(mapped, lib)
			}
		}
		if !strings.Contains(string(out), "first frame shown") {
			t.Fatalf("%s: the child showed no frame:\n%s", c.presenter, out)
		}
		if got := len(mapped) > 0; got != c.mesa {
			t.Errorf("%s presenter: Mesa mapped = %v (%v), want %v", c.presenter, got, mapped, c.mesa)
		}
	}
}

// TestMappedMesaChild is TestSHMLoadsNoMesa's fresh process: it prints the
// Mesa libraries mapped once a frame is on the screen.
func TestMappedMesaChild(t *testing.T) {
	presenter := os.Getenv("WINDOW_TEST_CHILD_PRESENTER")
	if presenter == "" {
		t.Skip("run by TestSHMLoadsNoMesa")
	}
	w, _ := openWindow(t, Options{Presenter: presenter}, Options{Width: 320, Height: 200})
	frame := pattern(320, 200)
	if err := w.Present(frame, []image.Rectangle{frame.Rect}); err != nil {
		t.Fatal(err)
	}
	assertShows(t, w, frame)
	fmt.Println("first frame shown")
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || seen[f[5]] {
			continue
		}
		for _, lib := range mesaLibraries {
			if strings.Contains(f[5], lib) {
				seen[f[5]] = true
				fmt.Println("mapped: " + f[5])
			}
		}
	}
}

// BenchmarkConvertFrame converts a whole 1280×800 frame to the X server's
// BGRX pixels, what a new screen costs the shm presenter before sending.
func BenchmarkConvertFrame(b *testing.B) {
	l, err := layoutOf(0xff0000, 0x00ff00, 0x0000ff, false)
	if err != nil {
		b.Fatal(err)
	}
	frame := pattern(1280, 800)
	dst := make([]byte, len(frame.Pix))
	b.SetBytes(int64(len(frame.Pix)))
	for b.Loop() {
		l.convert(dst, frame.Pix)
	}
}
