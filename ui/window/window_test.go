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

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

const testTitle = "onetrip-window-test"

// presenters are the ways a window shows frames; every window test runs on
// each, the shm presenter also with MIT-SHM refused.
var presenters = []struct {
	name  string
	opts  Options
	shows string // what Window.Presenter says
}{
	{"shm", Options{Presenter: PresenterSHM}, "shm (MIT-SHM)"},
	{"putimage", Options{Presenter: PresenterSHM, NoSHM: true}, "shm (core PutImage: MIT-SHM not asked for)"},
	{"gl", Options{Presenter: PresenterGL}, "gl"},
}

// forEachPresenter runs test once per presenter, as a subtest.
func forEachPresenter(t *testing.T, test func(t *testing.T, p Options)) {
	for _, p := range presenters {
		t.Run(p.name, func(t *testing.T) { test(t, p.opts) })
	}
}

// openWindow opens a window with the presenter in p and runs its loop on
// the main thread until the test ends.
func openWindow(tb testing.TB, p Options, opts Options) (*Window, <-chan Input) {
	tb.Helper()
	opts.Title = testTitle
	opts.Presenter, opts.NoSHM = p.Presenter, p.NoSHM
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

func TestOpenUsesPresenter(t *testing.T) {
	for _, p := range presenters {
		t.Run(p.name, func(t *testing.T) {
			w, _ := openWindow(t, p.opts, Options{Width: 320, Height: 200})
			if got := w.Presenter(); got != p.shows {
				t.Errorf("window presents with %q, want %q", got, p.shows)
			}
		})
	}
	err := onMainErr(func() error {
		_, err := Open(Options{Title: testTitle, Width: 320, Height: 200, Presenter: "vulkan"})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `unknown presenter "vulkan" (want one of shm, gl)`) {
		t.Errorf("Open with presenter vulkan: %v", err)
	}
}

// The 640×400 frame is 1 MB: core PutImage must split it under the
// server's maximum request length (256 kB without BIG-REQUESTS).
func TestPresentShowsFrame(t *testing.T) {
	forEachPresenter(t, func(t *testing.T, p Options) {
		w, _ := openWindow(t, p, Options{Width: 640, Height: 400})
		frame := pattern(640, 400)
		if err := w.Present(frame, nil); err != nil {
			t.Fatal(err)
		}
		assertShows(t, w, frame)
	})
}

func TestPresentUploadsOnlyDirtyRect(t *testing.T) {
	forEachPresenter(t, testPresentUploadsOnlyDirtyRect)
}

func testPresentUploadsOnlyDirtyRect(t *testing.T, p Options) {
	w, _ := openWindow(t, p, Options{Width: 320, Height: 200})
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

// TestExposeRedraws covers the window with a white one and takes it away:
// the X server must show the frame again, not what covered it.
func TestExposeRedraws(t *testing.T) {
	forEachPresenter(t, func(t *testing.T, p Options) {
		w, _ := openWindow(t, p, Options{Width: 320, Height: 200})
		frame := pattern(320, 200)
		if err := w.Present(frame, nil); err != nil {
			t.Fatal(err)
		}
		assertShows(t, w, frame)
		x := dialX(t)
		win := xproto.Window(mustAtoi(t, windowID(t)))
		at, err := xproto.TranslateCoordinates(x.c, win, x.screen.Root, 0, 0).Reply()
		if err != nil {
			t.Fatal(err)
		}
		cover, _ := xproto.NewWindowId(x.c)
		err = xproto.CreateWindowChecked(x.c, x.screen.RootDepth, cover, x.screen.Root, at.DstX, at.DstY, 320, 200, 0,
			xproto.WindowClassInputOutput, x.screen.RootVisual,
			xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{x.screen.WhitePixel, 1}).Check()
		if err == nil {
			err = xproto.MapWindowChecked(x.c, cover).Check()
		}
		if err != nil {
			t.Fatalf("cover the window: %v", err)
		}
		onScreen := frame.Rect.Add(image.Pt(int(at.DstX), int(at.DstY)))
		white := color.RGBA{255, 255, 255, 255}
		if got := x.shot(t, x.screen.Root, onScreen).RGBAAt(onScreen.Min.X+10, onScreen.Min.Y+10); got != white {
			t.Fatalf("the covering window does not show: (10,10) is %v", got)
		}
		xproto.DestroyWindow(x.c, cover)
		var got *image.RGBA
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if got = x.shot(t, x.screen.Root, onScreen); string(got.Pix) == string(frame.Pix) {
				return
			}
		}
		t.Fatalf("after the cover went, (10,10) shows %v, want %v", got.RGBAAt(onScreen.Min.X+10, onScreen.Min.Y+10), frame.RGBAAt(10, 10))
	})
}

// xClient is the test's own connection to the X server.
type xClient struct {
	c      *xgb.Conn
	screen *xproto.ScreenInfo
	pixel  pixelLayout
}

func dialX(t *testing.T) *xClient {
	t.Helper()
	c, err := xgb.NewConn()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	setup := xproto.Setup(c)
	x := &xClient{c: c, screen: setup.DefaultScreen(c)}
	vis := findVisual(setup, x.screen.RootVisual)
	if x.pixel, err = layoutOf(vis.RedMask, vis.GreenMask, vis.BlueMask, setup.ImageByteOrder == xproto.ImageOrderMSBFirst); err != nil {
		t.Fatal(err)
	}
	return x
}

// shot is what the X server shows of r in win.
func (x *xClient) shot(t *testing.T, win xproto.Window, r image.Rectangle) *image.RGBA {
	t.Helper()
	reply, err := xproto.GetImage(x.c, xproto.ImageFormatZPixmap, xproto.Drawable(win),
		int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), ^uint32(0)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(r)
	x.pixel.toRGBA(img.Pix, reply.Data)
	return img
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLetterboxWhenResized(t *testing.T) {
	forEachPresenter(t, testLetterboxWhenResized)
}

func testLetterboxWhenResized(t *testing.T, p Options) {
	w, inputs := openWindow(t, p, Options{Width: 320, Height: 200})
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

// TestTallerWindowShowsFrameUnscaled shows a white frame filling a 320×300
// window, then a 320×200 one: it shows pixel for pixel between black bars
// 50 pixels high, where the white frame was.
func TestTallerWindowShowsFrameUnscaled(t *testing.T) {
	forEachPresenter(t, func(t *testing.T, p Options) {
		w, _ := openWindow(t, p, Options{Width: 320, Height: 200})
		xdotool(t, "windowsize", windowID(t), "320", "300")
		white := image.NewRGBA(image.Rect(0, 0, 320, 300))
		draw.Draw(white, white.Rect, image.White, image.Point{}, draw.Src)
		if err := w.Present(white, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, w, white)

		frame := pattern(320, 200)
		if err := w.Present(frame, nil); err != nil {
			t.Fatal(err)
		}
		want := image.NewRGBA(white.Rect)
		draw.Draw(want, want.Rect, image.Black, image.Point{}, draw.Src)
		draw.Draw(want, image.Rect(0, 50, 320, 250), frame, image.Point{}, draw.Src)
		assertShows(t, w, want)
	})
}

// eventually waits until the window shows want: a resize or an Expose
// reaches GLFW a moment after the X server made it.
func eventually(t *testing.T, w *Window, want *image.RGBA) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got, err := w.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if got.Rect == want.Rect && string(got.Pix) == string(want.Pix) {
			return
		}
	}
	assertShows(t, w, want)
}

func TestFullscreenCoversMonitor(t *testing.T) {
	forEachPresenter(t, testFullscreenCoversMonitor)
}

func testFullscreenCoversMonitor(t *testing.T, p Options) {
	var screen image.Point
	if _, err := fmt.Sscan(xdotool(t, "getdisplaygeometry"), &screen.X, &screen.Y); err != nil {
		t.Fatal(err)
	}
	w, inputs := openWindow(t, p, Options{Width: 320, Height: 200, Fullscreen: true, HideCursor: true})
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
	forEachPresenter(t, testPointerAndKeyInput)
}

func testPointerAndKeyInput(t *testing.T, p Options) {
	_, inputs := openWindow(t, p, Options{Width: 320, Height: 200})
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

// BenchmarkPresentDirty presents a button's rectangle (400×120) or a new
// screen (all 1280×800) and waits until it is on the screen: uploaded,
// drawn and swapped (gl), or sent and the X server's round trip answered
// (shm). This is the presenter's share of input → frame.
func BenchmarkPresentDirty(b *testing.B) {
	for _, p := range presenters {
		for _, c := range []struct {
			name  string
			dirty image.Rectangle
		}{{"button", image.Rect(400, 300, 800, 420)}, {"screen", image.Rect(0, 0, 1280, 800)}} {
			b.Run(p.name+"/"+c.name, func(b *testing.B) {
				w, _ := openWindow(b, p.opts, Options{Width: 1280, Height: 800})
				frames := [2]*image.RGBA{pattern(1280, 800), image.NewRGBA(image.Rect(0, 0, 1280, 800))}
				if err := w.Present(frames[0], nil); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(c.dirty.Dx() * c.dirty.Dy() * 4))
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if err := w.Present(frames[i%2], []image.Rectangle{c.dirty}); err != nil {
						b.Fatal(err)
					}
					if err := w.do(func() {}); err != nil {
						b.Fatal(err)
					}
				}
			})
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

// BenchmarkOpenToFirstFrame opens a 1280×800 window, presents a frame and
// waits until it is on the screen, then closes the window: the window's
// share of a kiosk's start-up.
func BenchmarkOpenToFirstFrame(b *testing.B) {
	frame := pattern(1280, 800)
	for _, p := range presenters {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				var w *Window
				var err error
				onMain(func() {
					w, err = Open(Options{Title: testTitle, Width: 1280, Height: 800, Presenter: p.opts.Presenter, NoSHM: p.opts.NoSHM})
				})
				if err != nil {
					b.Fatal(err)
				}
				ran := make(chan error, 1)
				mainThread <- func() { ran <- w.Run(make(chan Input, 64)) }
				if err := w.Present(frame, nil); err != nil {
					b.Fatal(err)
				}
				if err := w.do(func() {}); err != nil {
					b.Fatal(err)
				}
				w.Close()
				if err := <-ran; err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
