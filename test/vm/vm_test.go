package vm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"onetrip/firmware/control"
	"onetrip/hal/escpos"
	"onetrip/ui/qrscan"
	"onetrip/ui/rotate"
)

// modules are what the kiosk needs of the kernel in the machine: the
// display (bochs DRM, for qemu's standard VGA), the virtual tablet and the
// evdev nodes it is read through; and uinput, for evdevcheck's
// multitouch screen.
var modules = []string{"bochs", "virtio_pci", "virtio_input", "evdev", "uinput"}

// walk is the ticket walk without an ID card: on each screen, the widget
// tapped to leave it.
var walk = []struct{ screen, tap string }{
	{"attract", "start"},
	{"id", "no-id"},
	{"matter", "matter:social-card"},
	{"online", "take-ticket"},
	{"questions", "no-questions"},
	{"done", ""},
}

// qrArea is where the done screen shows the ticket's QR code, whose token
// differs from one kiosk to the next: the picture comparison leaves it out
// and the code is read instead.
var qrArea = image.Rect(840, 190, 1240, 570)

// TestKioskOnDRMInVM walks to a ticket on a kiosk that presents through
// DRM and reads touches from evdev, in a virtual machine: every screen the
// machine shows must be the headless kiosk's rendering of it, and the
// ticket's QR code on the screen must be the one on the printed paper. It
// walks on a landscape panel and on a portrait one (rotation 90), where
// both the picture and the touches are turned.
func TestKioskOnDRMInVM(t *testing.T) {
	dir := t.TempDir()
	bin := build(t, dir)
	vmlinuz, initrd := pack(t, dir)
	kvm := kvmRuns(t, dir, vmlinuz, initrd)
	for _, rot := range []rotate.Rotation{0, 90} {
		t.Run(fmt.Sprintf("rotation %d", rot), func(t *testing.T) {
			t.Parallel()
			walkInVM(t, bin, vmlinuz, initrd, rot, kvm)
		})
	}
}

func walkInVM(t *testing.T, bin, vmlinuz, initrd string, rot rotate.Rotation, kvm bool) {
	dir := t.TempDir()
	size := rot.Size(logical)
	m := start(t, dir, vmlinuz, initrd, size, rot, kvm) // boots while the reference is drawn
	ref := reference(t, bin, dir, rot)
	qr := rot.Rect(qrArea, logical)
	for i := 1; i < len(ref); i++ { // the comparison tells these screens apart
		if d := differ(ref[i-1].img, ref[i].img, qr); d < 0.02 {
			t.Fatalf("screens %s and %s differ in only %.1f%% of their pixels", ref[i-1].screen, ref[i].screen, 100*d)
		}
	}

	var shown *image.RGBA
	for i, step := range ref {
		shown = m.waitForScreen(t, step.screen, step.img, qr)
		if i < len(ref)-1 {
			if err := m.q.tap(step.tap, size); err != nil {
				t.Fatal(err)
			}
		}
	}

	if g := m.waitForLog(regexp.MustCompile(`evdevcheck: ([^\r\n]*)`), time.Second); g == nil || g[1] != "ok" {
		t.Errorf("hal/evdev on the machine's multitouch screen: %v", g)
	}
	job := m.waitForLog(regexp.MustCompile(`printed (\d+) (\S+)`), 20*time.Second)
	if job == nil {
		t.Fatal("the console shows no printed ticket")
	}
	raw, err := base64.StdEncoding.DecodeString(job[2])
	if err != nil {
		t.Fatalf("printed job: %v", err)
	}
	doc, err := escpos.Decode(raw)
	if err != nil {
		t.Fatalf("printed bytes do not decode: %v", err)
	}
	if !strings.Contains(doc.Text(), "A001") || !strings.Contains(doc.Text(), "社保卡申领") {
		t.Fatalf("ticket text:\n%s", doc.Text())
	}
	if !strings.Contains(m.logText(), `msg="ticket issued" number=A001`) {
		t.Fatal("no ticket issued in the console log")
	}
	onScreen, err := qrscan.Read(shown.SubImage(qr))
	if err != nil {
		t.Fatalf("the machine's done screen shows no readable QR code: %v", err)
	}
	if qrs := doc.QRCodes(); len(qrs) != 1 || qrs[0] != onScreen {
		t.Fatalf("QR on the screen %q, on the paper %v", onScreen, qrs)
	}
	m.quit(t)
}

// logical is the size the kiosk lays its screens out in.
var logical = image.Pt(1280, 800)

// build compiles the firmware as a kiosk board runs it (static, no cgo)
// and the machine's init and evdevcheck, without symbols: a smaller initramfs boots
// faster when the machine is emulated.
func build(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "onetrip")
	for _, b := range []struct{ out, pkg string }{{bin, "onetrip/firmware/cmd/onetrip"},
		{filepath.Join(dir, "init"), "onetrip/test/vm/init"}, {filepath.Join(dir, "evdevcheck"), "onetrip/test/vm/evdevcheck"}} {
		cmd := exec.Command("go", "build", "-tags", "kiosk", "-ldflags", "-s -w", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return bin
}

// step is one screen of the walk as the headless kiosk renders it.
type step struct {
	screen string
	img    *image.RGBA
	tap    image.Point // the centre of the widget tapped to leave it
}

// reference walks the same binary headless on the simulated board through
// its control API and keeps each screen's picture as the panel shows it
// and where on the panel to tap.
func reference(t *testing.T, bin, dir string, rot rotate.Rotation) []step {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "run", "--board", "sim", "--headless", "--data", filepath.Join(dir, "headless"), "--control", addr, "--rotation", fmt.Sprint(int(rot)))
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.Env = append(os.Environ(), "TZ=UTC")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	get := func(path string) []byte {
		for range 200 {
			resp, err := http.Get(base + path)
			if err == nil {
				b := new(bytes.Buffer)
				b.ReadFrom(resp.Body)
				resp.Body.Close()
				return b.Bytes()
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the headless kiosk does not answer %s\n%s", path, log.String())
		return nil
	}
	var steps []step
	for _, w := range walk {
		var s control.ScreenJSON
		for range 200 {
			if err := json.Unmarshal(get("/screen"), &s); err != nil {
				t.Fatal(err)
			}
			if s.Screen == w.screen {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if s.Screen != w.screen {
			t.Fatalf("headless kiosk on %s, want %s", s.Screen, w.screen)
		}
		time.Sleep(100 * time.Millisecond) // the frame follows the state
		img, err := png.Decode(bytes.NewReader(get("/screenshot")))
		if err != nil {
			t.Fatalf("screenshot of %s: %v", w.screen, err)
		}
		st := step{screen: w.screen, img: turn(toRGBA(img), rot)}
		if w.tap != "" {
			var found bool
			for _, wd := range s.Widgets {
				if wd.ID == w.tap {
					st.tap, found = image.Pt(wd.X+wd.W/2, wd.Y+wd.H/2), true
				}
			}
			if !found {
				t.Fatalf("screen %s has no %s: %+v", w.screen, w.tap, s.Widgets)
			}
			body, _ := json.Marshal(map[string]string{"id": w.tap})
			resp, err := http.Post(base+"/tap", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		steps = append(steps, st)
	}
	return steps
}

// machine is the running virtual machine.
type machine struct {
	cmd    *exec.Cmd
	q      *qmp
	dir    string
	mu     sync.Mutex
	log    bytes.Buffer
	done   chan error
	n      int
	killed bool
}

func (m *machine) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.Write(p)
}

func (m *machine) logText() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.log.String()
}

// pack finds the kernel and packs the initramfs: the modules in load
// order, init and the firmware.
func pack(t *testing.T, dir string) (vmlinuz, initrd string) {
	t.Helper()
	vmlinuz, moddir, err := kernel()
	if err != nil {
		t.Fatal(err)
	}
	order, err := moduleOrder(filepath.Join(moddir, "modules.dep"), modules...)
	if err != nil {
		t.Fatal(err)
	}
	files := []cpioFile{{name: "modules", mode: 0o40755}, {name: "data", mode: 0o40755}, {name: "dev", mode: 0o40755}}
	for i, p := range order {
		b, err := readModule(filepath.Join(moddir, p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, cpioFile{name: fmt.Sprintf("modules/%02d-%s.ko", i, moduleName(p)), mode: 0o100644, data: b})
	}
	for _, name := range []string{"init", "onetrip", "evdevcheck"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, cpioFile{name: name, mode: 0o100755, data: b})
	}
	var ramfs bytes.Buffer
	if err := writeCpio(&ramfs, files); err != nil {
		t.Fatal(err)
	}
	initrd = filepath.Join(dir, "initramfs.cpio")
	if err := os.WriteFile(initrd, ramfs.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s with %d modules, initramfs %d MB", filepath.Base(vmlinuz), len(order), ramfs.Len()>>20)
	return vmlinuz, initrd
}

// kvmRuns reports whether a guest runs under KVM here: /dev/kvm opens and
// a kernel started on it prints its banner. Some hosts (nested, emulated)
// open /dev/kvm and never run a guest; the machines are emulated there.
func kvmRuns(t *testing.T, dir, vmlinuz, initrd string) bool {
	t.Helper()
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		t.Logf("no KVM (%v): the machines are emulated", err)
		return false
	}
	f.Close()
	m := start(t, dir, vmlinuz, initrd, logical, 0, true)
	defer m.kill()
	if m.waitForLog(regexp.MustCompile(`Linux version`), kvmProbe) == nil {
		t.Logf("the kernel printed nothing in %v under KVM: the machines are emulated", kvmProbe)
		return false
	}
	return true
}

// kvmProbe is how long a kernel under KVM may take to print its banner
// (a notice, shown at loglevel 6).
const kvmProbe = 5 * time.Second

// start runs qemu on the kernel and initramfs, under KVM or emulated.
func start(t *testing.T, dir, vmlinuz, initrd string, panel image.Point, rot rotate.Rotation, kvm bool) *machine {
	t.Helper()
	var accelArgs []string
	accel := "emulated (tcg)"
	// Under KVM the kernel's banner (a notice) shows that the guest runs;
	// emulated, a quiet console boots faster.
	loglevel := 4
	if kvm {
		loglevel = 6
		accel = "kvm"
		accelArgs = []string{"-enable-kvm", "-cpu", "host"}
	} else {
		accelArgs = []string{"-accel", "tcg"}
	}
	sock := filepath.Join(dir, "qmp.sock")
	os.Remove(sock)
	args := []string{"-nodefaults", "-no-user-config", "-no-reboot", "-m", "512", "-smp", "2",
		"-kernel", vmlinuz, "-initrd", initrd, "-append", fmt.Sprintf("console=ttyS0 panic=-1 loglevel=%d -- --rotation %d", loglevel, rot),
		"-display", "none", "-serial", "stdio",
		"-device", fmt.Sprintf("VGA,xres=%d,yres=%d", panel.X, panel.Y), "-device", "virtio-tablet-pci",
		"-qmp", "unix:" + sock + ",server=on,wait=off"}
	args = append(args, accelArgs...)
	m := &machine{dir: dir, done: make(chan error, 1)}
	m.cmd = exec.Command("qemu-system-x86_64", args...)
	m.cmd.Stdout, m.cmd.Stderr = m, m
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("qemu-system-x86_64 (make test-deps installs qemu-system-x86): %v", err)
	}
	t.Logf("booting %s", accel)
	go func() { m.done <- m.cmd.Wait() }()
	t.Cleanup(func() {
		m.kill()
		if t.Failed() {
			t.Logf("the machine's console:\n%s", m.logText())
		}
	})
	var err error
	if m.q, err = dialQMP(sock); err != nil {
		t.Fatal(err)
	}
	return m
}

// kill stops qemu at once, if it still runs.
func (m *machine) kill() {
	if m.cmd.ProcessState == nil && !m.killed {
		m.killed = true
		m.cmd.Process.Kill()
		<-m.done
	}
}

// waitForScreen takes screendumps until the machine shows want, of the
// same size, outside skip (the first ones may still show the screen
// before, or the boot console in text mode).
func (m *machine) waitForScreen(t *testing.T, name string, want *image.RGBA, skip image.Rectangle) *image.RGBA {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var d float64
	for {
		m.n++
		got, err := m.q.screendump(filepath.Join(m.dir, fmt.Sprintf("screen-%d.ppm", m.n)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() == want.Bounds() {
			if d = differ(got, want, skip); d < 0.005 {
				return got
			}
		}
		select {
		case err := <-m.done:
			t.Fatalf("the machine stopped (%v) while waiting for screen %s", err, name)
		default:
		}
		if time.Now().After(deadline) {
			out := filepath.Join(m.dir, "last.png")
			f, _ := os.Create(out)
			png.Encode(f, got)
			f.Close()
			t.Fatalf("the machine never showed screen %s: last %v differs in %.1f%% of its pixels (saved in %s)", name, got.Bounds(), 100*d, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForLog waits up to d for console output matching re and returns its
// groups, nil if none came.
func (m *machine) waitForLog(re *regexp.Regexp, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		if g := re.FindStringSubmatch(m.logText()); g != nil {
			return g
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quit stops the machine through its monitor.
func (m *machine) quit(t *testing.T) {
	m.q.do("quit", nil)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		t.Error("qemu did not quit")
	}
}

// differ is the share of pixels outside skip that differ noticeably.
func differ(a, b *image.RGBA, skip image.Rectangle) float64 {
	r := a.Bounds().Intersect(b.Bounds())
	var n, total int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if image.Pt(x, y).In(skip) {
				continue
			}
			total++
			p, q := a.Pix[a.PixOffset(x, y):], b.Pix[b.PixOffset(x, y):]
			for c := range 3 {
				if d := int(p[c]) - int(q[c]); d > 16 || d < -16 {
					n++
					break
				}
			}
		}
	}
	return float64(n) / float64(max(total, 1))
}

// turn is the upright picture img as a panel mounted with rotation rot shows it.
func turn(img *image.RGBA, rot rotate.Rotation) *image.RGBA {
	s := img.Bounds().Size()
	out := image.NewRGBA(image.Rectangle{Max: rot.Size(s)})
	for y := range s.Y {
		for x := range s.X {
			q := rot.ToPanel(image.Pt(x, y), s)
			out.SetRGBA(q.X, q.Y, img.RGBAAt(x, y))
		}
	}
	return out
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}
