package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"image"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// The window's budgets, measured from outside the kiosk process on the X
// server it draws to, for each presenter (gl, the baseline, then shm): what
// the X server shows, what the process maps, the CPU the kernel charged it.

// benchPresenters are the presenters measured, the baseline first.
var benchPresenters = []string{"gl", "shm"}

// xServer is the benchmark's own connection to the X server.
type xServer struct {
	c    *xgb.Conn
	root xproto.Window
	size image.Point
}

func dialXServer(b *testing.B) *xServer {
	b.Helper()
	c, err := xgb.NewConn()
	if err != nil {
		b.Fatalf("connect to X display %q: %v", os.Getenv("DISPLAY"), err)
	}
	b.Cleanup(c.Close)
	if err := xtest.Init(c); err != nil {
		b.Fatalf("X server %q has no XTEST: %v", os.Getenv("DISPLAY"), err)
	}
	// FakeInput is unchecked: errors, if any, would queue up here.
	go func() {
		for {
			if ev, err := c.WaitForEvent(); ev == nil && err == nil {
				return
			}
		}
	}()
	s := xproto.Setup(c).DefaultScreen(c)
	return &xServer{c: c, root: s.Root, size: image.Pt(int(s.WidthInPixels), int(s.HeightInPixels))}
}

// pixels returns what the screen shows in r, as the server's 32-bit pixels.
func (x *xServer) pixels(b *testing.B, r image.Rectangle) []byte {
	b.Helper()
	reply, err := xproto.GetImage(x.c, xproto.ImageFormatZPixmap, xproto.Drawable(x.root),
		int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), ^uint32(0)).Reply()
	if err != nil {
		b.Fatalf("get image %v of the root window: %v", r, err)
	}
	return reply.Data
}

// colours reports whether the screen shows more than three colours: the
// kiosk's first content, not a black window on an empty screen.
func (x *xServer) colours(b *testing.B) int {
	px := x.pixels(b, image.Rectangle{Max: x.size})
	var seen []uint32
	for i := 0; i+4 <= len(px); i += 4 {
		p := uint32(px[i]) | uint32(px[i+1])<<8 | uint32(px[i+2])<<16
		if !slices.Contains(seen, p) {
			if seen = append(seen, p); len(seen) > 3 {
				break
			}
		}
	}
	return len(seen)
}

// waitEmpty waits until no kiosk shows on the screen any more.
func (x *xServer) waitEmpty(b *testing.B) {
	b.Helper()
	for deadline := time.Now().Add(5 * time.Second); x.colours(b) > 3; time.Sleep(15 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the screen still shows a window before the kiosk starts")
		}
	}
}

// BenchmarkWindowFirstContent starts the kiosk binary and samples the root
// window every 15 ms (XGetImage) until it shows more than three colours.
// Budget with shm: 100 ms from process start.
func BenchmarkWindowFirstContent(b *testing.B) {
	useKioskBuild(b)
	x := dialXServer(b)
	for _, presenter := range benchPresenters {
		b.Run(presenter, func(b *testing.B) {
			data := b.TempDir()
			var total time.Duration
			for b.Loop() {
				x.waitEmpty(b)
				cmd := exec.Command(onetripBin, "run", "--board", "sim", "--data", data, "--presenter", presenter)
				var log bytes.Buffer
				cmd.Stdout, cmd.Stderr = &log, &log
				t0 := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				tick := time.NewTicker(15 * time.Millisecond)
				for x.colours(b) <= 3 {
					if time.Since(t0) > 10*time.Second {
						cmd.Process.Kill()
						cmd.Wait()
						b.Fatalf("no content on the screen 10 s after start\n%s", log.String())
					}
					<-tick.C
				}
				total += time.Since(t0)
				tick.Stop()
				cmd.Process.Signal(syscall.SIGTERM)
				if err := cmd.Wait(); err != nil {
					b.Fatalf("kiosk exit: %v\n%s", err, log.String())
				}
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-content")
		})
	}
}

// BenchmarkWindowSteadyState runs a few sessions, then reads the process's
// proportional set size 5 s after start (budget 40 MB; the biggest
// mappings are logged) and the CPU time the kernel charged it over 10 idle
// seconds, from /proc/PID/stat (budget 0 %).
func BenchmarkWindowSteadyState(b *testing.B) {
	useKioskBuild(b)
	for _, presenter := range benchPresenters {
		b.Run(presenter, func(b *testing.B) {
			for b.Loop() {
				t0 := time.Now()
				k := start(b, b.TempDir(), "--presenter", presenter)
				for range 3 {
					for _, id := range []string{"start", "no-id", "matter:pension-cert", "no-questions"} {
						k.post("/tap", map[string]string{"id": id})
					}
					k.onScreen("done")
					k.post("/tap", map[string]string{"id": "cancel"})
					k.onScreen("attract")
				}
				time.Sleep(5*time.Second - time.Since(t0))
				pid := k.cmd.Process.Pid
				pss, top := pssOf(b, pid)
				b.ReportMetric(pss, "PSS-MB")
				b.Logf("%s: PSS %.1f MB; biggest mappings: %s", presenter, pss, strings.Join(top, ", "))

				ticks0, w0 := cpuTicks(b, pid), time.Now()
				time.Sleep(10 * time.Second)
				ticks, wall := cpuTicks(b, pid)-ticks0, time.Since(w0)
				// /proc/PID/stat counts in USER_HZ, 100 a second on Linux:
				// one tick a second is 1 % of a core.
				b.ReportMetric(float64(ticks)/wall.Seconds(), "%cpu-idle")
				k.stop()
			}
		})
	}
}

// pssOf returns the PSS of pid in MB, from smaps_rollup, and its five
// biggest mappings by PSS, from smaps.
func pssOf(b *testing.B, pid int) (float64, []string) {
	b.Helper()
	rollup, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	total := -1.0
	for _, line := range strings.Split(string(rollup), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			total = kb / 1024
		}
	}
	if total < 0 {
		b.Fatalf("no Pss line in /proc/%d/smaps_rollup", pid)
	}
	smaps, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer smaps.Close()
	byName := map[string]float64{}
	name := ""
	sc := bufio.NewScanner(smaps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"): // a mapping's header
			name = "[anon]"
			if len(f) >= 6 {
				name = f[5]
			}
		case len(f) >= 2 && f[0] == "Pss:":
			kb, _ := strconv.ParseFloat(f[1], 64)
			byName[name] += kb / 1024
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, c string) int { return cmp.Compare(byName[c], byName[a]) })
	var top []string
	for _, n := range names[:min(5, len(names))] {
		top = append(top, fmt.Sprintf("%s %.1f MB", n, byName[n]))
	}
	return total, top
}

// cpuTicks is utime+stime of pid, in clock ticks.
func cpuTicks(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name may hold spaces; the fields after it are fixed:
	// state is the 3rd field, utime the 14th, stime the 15th.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// BenchmarkWindowInputToPresented presses a button with XTEST and times
// until the X server shows it pressed (budget 2 ms p99), then releases it
// and times until the X server shows the next screen (budget 8 ms p99):
// start on the attract screen, then cancel on the ID screen. The clock
// starts before the fake event is sent and stops at the first GetImage of
// the button's middle row (polled back to back) that shows the change.
func BenchmarkWindowInputToPresented(b *testing.B) {
	useKioskBuild(b)
	x := dialXServer(b)
	for _, presenter := range benchPresenters {
		b.Run(presenter, func(b *testing.B) {
			k := start(b, b.TempDir(), "--presenter", presenter)
			win := xdotool(b, "search", "--sync", "--name", "onetrip")
			id, err := strconv.Atoi(win)
			if err != nil {
				b.Fatalf("window id %q: %v", win, err)
			}
			at, err := xproto.TranslateCoordinates(x.c, xproto.Window(id), x.root, 0, 0).Reply()
			if err != nil {
				b.Fatal(err)
			}
			origin := image.Pt(int(at.DstX), int(at.DstY))
			k.onScreen("attract")
			x.waitStill(b, image.Rect(0, 0, 1280, 800).Add(origin))
			var press, change []time.Duration
			for b.Loop() {
				for _, step := range []struct{ widget, from, to string }{{"start", "attract", "id"}, {"cancel", "id", "attract"}} {
					w, ok := widget(k.onScreen(step.from), step.widget)
					if !ok {
						b.Fatalf("no %s on %s", step.widget, step.from)
					}
					button := image.Rect(w.X, w.Y, w.X+w.W, w.Y+w.H).Add(origin)
					centre := button.Min.Add(button.Size().Div(2))
					// The button's middle row: small enough (2 kB) that
					// polling it back to back barely loads the X server.
					r := image.Rect(button.Min.X, centre.Y, button.Max.X, centre.Y+1)
					xtest.FakeInput(x.c, xproto.MotionNotify, 0, 0, x.root, int16(centre.X), int16(centre.Y), 0)
					rest := x.waitStill(b, r)
					press = append(press, x.timeUntil(b, r, rest, xproto.ButtonPress))
					pressed := x.pixels(b, r)
					change = append(change, x.timeUntil(b, r, pressed, xproto.ButtonRelease))
					k.onScreen(step.to)
				}
			}
			reportPercentilesAs(b, "press", press)
			reportPercentilesAs(b, "screen", change)
			k.stop()
		})
	}
}

// waitStill waits until r shows the same pixels twice 20 ms apart and
// returns them.
func (x *xServer) waitStill(b *testing.B, r image.Rectangle) []byte {
	b.Helper()
	last := x.pixels(b, r)
	for deadline := time.Now().Add(5 * time.Second); ; {
		time.Sleep(20 * time.Millisecond)
		now := x.pixels(b, r)
		if bytes.Equal(now, last) {
			return now
		}
		if time.Now().After(deadline) {
			b.Fatalf("%v never stops changing", r)
		}
		last = now
	}
}

// timeUntil sends a left button event and returns how long it takes until
// the screen in r no longer shows was.
func (x *xServer) timeUntil(b *testing.B, r image.Rectangle, was []byte, event byte) time.Duration {
	b.Helper()
	t0 := time.Now()
	xtest.FakeInput(x.c, event, 1, 0, x.root, 0, 0, 0)
	for bytes.Equal(x.pixels(b, r), was) {
		if time.Since(t0) > 5*time.Second {
			b.Fatalf("%v unchanged 5 s after button event %d", r, event)
		}
	}
	return time.Since(t0)
}

// reportPercentilesAs reports p50 and p99 (nearest rank) of lat in ms.
func reportPercentilesAs(b *testing.B, what string, lat []time.Duration) {
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), what+"-p50-ms")
	b.ReportMetric(at(0.99), what+"-p99-ms")
	b.ReportMetric(float64(len(lat)), what+"-samples")
}
