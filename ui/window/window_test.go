//go:build cgo

package window

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testTitle = "onetrip-window-test"

// openWindow opens a window and runs its loop on the main thread until the
// test ends.
func openWindow(tb testing.TB, opts Options) (*Window, <-chan Input) {
	tb.Helper()
	opts.Title = testTitle
	var w *Window
	var err error
	onMain(func() { w, err = Open(opts) })
	if err != nil {
		tb.Fatal(err)
	}
	inputs := make(chan Input, 64)
	ran := make(chan error, 1)
	mainThread <- func() { ran <- w.Run(inputs) }
	tb.Cleanup(func() {
		w.Close()
		if err := <-ran; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	return w, inputs
}

// pattern returns a frame where every pixel differs from its neighbours.
func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x*7 ^ y*13), 255})
		}
	}
	return img
}

func assertShows(t *testing.T, w *Window, want *image.RGBA) {
	t.Helper()
	got, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if got.Rect != want.Rect {
		t.Fatalf("snapshot is %v, want %v", got.Rect, want.Rect)
	}
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			if g, e := got.RGBAAt(x, y), want.RGBAAt(x, y); g != e {
				t.Fatalf("pixel (%d,%d) shows %v, want %v", x, y, g, e)
			}
		}
	}
}

func TestPresentShowsFrame(t *testing.T) {
	w, _ := openWindow(t, Options{Width: 320, Height: 200})
	frame := pattern(320, 200)
	if err := w.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	assertShows(t, w, frame)
}

func TestPresentUploadsOnlyDirtyRect(t *testing.T) {
	w, _ := openWindow(t, Options{Width: 320, Height: 200})
	frame := pattern(320, 200)
	if err := w.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	assertShows(t, w, frame)
	before := w.Stats()

	dirty := image.Rect(100, 50, 140, 80)
	draw.Draw(frame, dirty, image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	want := image.NewRGBA(frame.Rect)
	copy(want.Pix, frame.Pix)
	if err := w.Present(frame, []image.Rectangle{dirty}); err != nil {
		t.Fatal(err)
	}
	// The caller may reuse its frame as soon as Present returns.
	draw.Draw(frame, frame.Rect, image.Black, image.Point{}, draw.Src)
	assertShows(t, w, want)

	after := w.Stats()
	if got := after.UploadedPixels - before.UploadedPixels; got != 40*30 {
		t.Errorf("uploaded %d pixels for a 40x30 dirty rectangle", got)
	}
	if got := after.Frames - before.Frames; got != 1 {
		t.Errorf("drew %d frames, want 1", got)
	}
}

func TestLetterboxWhenResized(t *testing.T) {
	w, inputs := openWindow(t, Options{Width: 320, Height: 200})
	frame := image.NewRGBA(image.Rect(0, 0, 320, 200))
	draw.Draw(frame, image.Rect(0, 0, 160, 200), image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	draw.Draw(frame, image.Rect(160, 0, 320, 200), image.NewUniform(color.RGBA{0, 0, 255, 255}), image.Point{}, draw.Src)
	if err := w.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	id := windowID(t)
	xdotool(t, "windowsize", id, "160", "200")

	// The 320x200 frame shrinks to 160x100 between bars 50 pixels high.
	var shot *image.RGBA
	for deadline := time.Now().Add(5 * time.Second); ; {
		var err error
		if shot, err = w.Snapshot(); err != nil {
			t.Fatal(err)
		}
		if shot.Rect.Size() == image.Pt(160, 200) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if size := shot.Rect.Size(); size != image.Pt(160, 200) {
		t.Fatalf("window is %v after resizing to 160x200", size)
	}
	black, red, blue := color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{{80, 20, black}, {80, 180, black}, {20, 100, red}, {140, 100, blue}} {
		if got := shot.RGBAAt(c.x, c.y); got != c.want {
			t.Errorf("pixel (%d,%d) shows %v, want %v", c.x, c.y, got, c.want)
		}
	}

	// A tap at the centre of the window lands at the centre of the frame.
	xdotool(t, "mousemove", "--window", id, "80", "100", "click", "1")
	assertPointer(t, inputs, PointerDown, image.Pt(160, 100))
}

func TestFullscreenCoversMonitor(t *testing.T) {
	var screen image.Point
	if _, err := fmt.Sscan(xdotool(t, "getdisplaygeometry"), &screen.X, &screen.Y); err != nil {
		t.Fatal(err)
	}
	w, inputs := openWindow(t, Options{Width: 320, Height: 200, Fullscreen: true, HideCursor: true})
	frame := image.NewRGBA(image.Rect(0, 0, 320, 200))
	green := color.RGBA{0, 255, 0, 255}
	draw.Draw(frame, frame.Rect, image.NewUniform(green), image.Point{}, draw.Src)
	if err := w.Present(frame, nil); err != nil {
		t.Fatal(err)
	}
	shot, err := w.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if size := shot.Rect.Size(); size != screen {
		t.Fatalf("fullscreen window is %v, screen is %v", size, screen)
	}
	if got := shot.RGBAAt(screen.X/2, screen.Y/2); got != green {
		t.Errorf("screen centre shows %v, want %v", got, green)
	}

	xdotool(t, "mousemove", strconv.Itoa(screen.X/2), strconv.Itoa(screen.Y/2), "click", "1")
	assertPointer(t, inputs, PointerDown, image.Pt(160, 100))
}

func TestPointerAndKeyInput(t *testing.T) {
	_, inputs := openWindow(t, Options{Width: 320, Height: 200})
	id := windowID(t)
	xdotool(t, "mousemove", "--window", id, "123", "45", "click", "1")
	assertPointer(t, inputs, PointerDown, image.Pt(123, 45))
	assertPointer(t, inputs, PointerUp, image.Pt(123, 45))

	xdotool(t, "windowfocus", "--sync", id, "key", "h")
	in := next(t, inputs, func(in Input) bool { return in.Kind == Key })
	if in.Key != "H" {
		t.Errorf("pressing h gave key %q, want \"H\"", in.Key)
	}
}

func TestOpenWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", ":99999")
	var err error
	onMain(func() {
		var w *Window
		if w, err = Open(Options{Title: testTitle, Width: 320, Height: 200}); err == nil {
			w.Close()
			w.Run(make(chan Input, 1))
		}
	})
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("Open without a display: got %v, want ErrNoDisplay", err)
	}
	if !strings.Contains(err.Error(), "set DISPLAY or run with --headless") {
		t.Errorf("error %q does not say what to do", err)
	}
}

func TestToFrame(t *testing.T) {
	frame := image.Pt(1280, 800)
	for _, c := range []struct {
		name    string
		x, y    float64
		win, fb image.Point
		want    image.Point
	}{
		{"same size", 640.5, 10, image.Pt(1280, 800), image.Pt(1280, 800), image.Pt(640, 10)},
		{"HiDPI framebuffer", 320, 200, image.Pt(640, 400), image.Pt(1280, 800), image.Pt(640, 400)},
		{"pillarbox", 200, 400, image.Pt(1600, 800), image.Pt(1600, 800), image.Pt(40, 400)},
		{"tap on the bar lands on the edge", 100, 400, image.Pt(1600, 800), image.Pt(1600, 800), image.Pt(0, 400)},
		{"tap on the bottom bar", 640, 950, image.Pt(1280, 1000), image.Pt(1280, 1000), image.Pt(640, 799)},
	} {
		view := letterbox(c.fb, frame)
		if got := toFrame(c.x, c.y, c.win, c.fb, view, frame); got != c.want {
			t.Errorf("%s: (%v,%v) maps to %v, want %v", c.name, c.x, c.y, got, c.want)
		}
	}
}

func BenchmarkPresentDirty(b *testing.B) {
	w, _ := openWindow(b, Options{Width: 1280, Height: 800})
	frames := [2]*image.RGBA{pattern(1280, 800), image.NewRGBA(image.Rect(0, 0, 1280, 800))}
	dirty := []image.Rectangle{image.Rect(400, 300, 800, 420)}
	if err := w.Present(frames[0], nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(400 * 120 * 4)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := w.Present(frames[i%2], dirty); err != nil {
			b.Fatal(err)
		}
		// Wait until the frame is uploaded, drawn and swapped.
		if err := w.do(func() {}); err != nil {
			b.Fatal(err)
		}
	}
}

// windowID returns the X window id of the test window once it is visible.
func windowID(t *testing.T) string {
	t.Helper()
	out := xdotool(t, "search", "--sync", "--onlyvisible", "--name", "^"+testTitle+"$")
	return strings.Fields(out)[0]
}

func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is not installed: run `make test`, which installs it")
	}
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// next returns the next input accepted by match, skipping others.
func next(t *testing.T, inputs <-chan Input, match func(Input) bool) Input {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case in := <-inputs:
			if match(in) {
				return in
			}
		case <-timeout:
			t.Fatal("no matching input within 5s")
		}
	}
}

func assertPointer(t *testing.T, inputs <-chan Input, kind InputKind, want image.Point) {
	t.Helper()
	in := next(t, inputs, func(in Input) bool { return in.Kind == kind })
	if d := image.Pt(in.X, in.Y).Sub(want); d.X < -1 || d.X > 1 || d.Y < -1 || d.Y > 1 {
		t.Errorf("pointer event %d at (%d,%d), want (%d,%d) ±1", kind, in.X, in.Y, want.X, want.Y)
	}
}
