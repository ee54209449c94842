package phone

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/assets/fonts"
	"onetrip/firmware/queue"
)

// chromiumBin is where Debian's chromium package installs the browser.
const chromiumBin = "/usr/bin/chromium"

var keepShots = flag.String("screenshots", "", "keep the phone page screenshots of TestPhonePageInChromium in this directory")

// browser runs headless Chromium, one process per page load.
type browser struct {
	t       *testing.T
	fontCfg string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumBin); err != nil {
		if os.Getenv("CI") != "" {
			// make test installs it: missing in CI is a broken install step.
			t.Fatalf("no %s: make test should have installed Debian's chromium package", chromiumBin)
		}
		t.Skipf("no %s: install Debian's chromium package (make test does) to run the browser test", chromiumBin)
	}
	// A phone has Chinese fonts, a build machine often has none: give the
	// browser the kiosk's own font so the screenshots show the Chinese.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "onetrip-sans.ttf"), fonts.Sans, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "fonts.conf")
	conf := fmt.Sprintf(`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>
`, dir, filepath.Join(dir, "cache"))
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, fontCfg: cfg}
}

// run starts Chromium with args after the flags a closed, headless machine
// needs, and returns what it printed.
func (b *browser) run(args ...string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumBin, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--user-data-dir=" + b.t.TempDir(),
	}, args...)...)
	cmd.Env = append(os.Environ(), "FONTCONFIG_FILE="+b.fontCfg)
	cmd.WaitDelay = 5 * time.Second // a helper process left behind must not hold the test
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		b.t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errs.Bytes())
	}
	return out.String()
}

// screenshot takes a phone-sized picture of url, in a browser asking for
// the languages accept, and checks it is one.
func (b *browser) screenshot(url, accept, file string) image.Image {
	b.t.Helper()
	b.run("--accept-lang="+accept, "--screenshot="+file, "--window-size=412,915", "--hide-scrollbars", url)
	f, err := os.Open(file)
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		b.t.Fatalf("%s: %v", file, err)
	}
	if size := img.Bounds().Size(); size != image.Pt(412, 915) {
		b.t.Errorf("%s is %v, want 412×915", file, size)
	}
	colours := map[[3]uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 3 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 3 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	if len(colours) < 16 {
		b.t.Errorf("%s looks blank: %d colours", file, len(colours))
	}
	return img
}

// share is the part of img in the colour the stylesheet gives a called
// ticket's panel (#c2410c): the style was admitted and applied.
func share(img image.Image) float64 {
	n, all := 0, 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 == 0xc2 && g>>8 == 0x41 && b>>8 == 0x0c {
				n++
			}
			all++
		}
	}
	return float64(n) / float64(all)
}

// TestPhonePageInChromium loads the page in a real browser: its script must
// run under the page's Content-Security-Policy and refresh the page in place
// when the ticket is called, and the page must look like a phone page.
func TestPhonePageInChromium(t *testing.T) {
	b := newBrowser(t)

	// The controller's side: a live view behind its lock.
	var mu sync.Mutex
	v := newView(t, append(morning, signIn)...)
	lookup := func(token string) (Status, bool) {
		mu.Lock()
		defer mu.Unlock()
		return StatusOf(v, token)
	}
	page := "/t/" + tokens["A003"]
	var pages, fetches atomic.Int32
	var callOnFirstFetch atomic.Bool
	h := Handler(lookup)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		switch r.URL.Path {
		case page:
			pages.Add(1)
		case page + ".json":
			// The counter calls A003 once the page has fetched its status
			// the first time. Done here, before the answer reaches the
			// browser, rather than in another goroutine: Chromium's virtual
			// clock runs the next 5-second timer as soon as the network is
			// idle, so a goroutine could lose the race to the next fetch.
			if fetches.Add(1) == 1 && callOnFirstFetch.Load() {
				mu.Lock()
				if err := v.Apply(ticketEvent(queue.Called, "A003", 6)); err != nil {
					t.Errorf("call A003: %v", err) // not Fatal: this is the server's goroutine
				}
				mu.Unlock()
			}
		}
	}))
	defer srv.Close()

	dir := *keepShots
	if dir == "" {
		dir = t.TempDir()
	}
	// As a phone set to Chinese asks, and one set to English.
	langs := []struct{ name, accept string }{{"zh", "zh-CN,zh"}, {"en", "en-US,en"}}
	shoot := func(path, name, accept string) image.Image {
		return b.screenshot(srv.URL+path, accept, filepath.Join(dir, name+".png"))
	}
	for _, l := range langs {
		if s := share(shoot(page, "waiting-"+l.name, l.accept)); s > 0.001 {
			t.Errorf("waiting, %s: %.1f%% of the page in the called colour", l.name, 100*s)
		}
	}
	shoot("/t/unknownToken-0123456", "missing-zh", langs[0].accept)

	// Enough virtual time for the fetches at 5 and 10 seconds.
	pages.Store(0)
	fetches.Store(0)
	callOnFirstFetch.Store(true)
	start := time.Now()
	dom := b.run("--accept-lang=zh-CN,zh", "--dump-dom", "--virtual-time-budget=12000", srv.URL+page)
	t.Logf("refresh in Chromium: %d page loads, %d status fetches, %v", pages.Load(), fetches.Load(), time.Since(start).Round(time.Millisecond))
	if fetches.Load() < 2 {
		t.Fatalf("the page fetched its status %d times in 12 virtual seconds, want 2 or more:\n%s", fetches.Load(), dom)
	}
	if pages.Load() != 1 {
		t.Errorf("the page was loaded %d times: it must refresh in place", pages.Load())
	}
	mustShow(t, dom, `<h1 id="headline">请到 3 号窗口</h1>`, `class="tone-call"`, `<title>A003 请到 3 号窗口`)
	if strings.Contains(dom, "前面还有") {
		t.Errorf("the called page still shows people ahead:\n%s", dom)
	}

	for _, l := range langs {
		if s := share(shoot(page, "called-"+l.name, l.accept)); s < 0.02 {
			t.Errorf("called, %s: only %.1f%% of the page in the called colour: the style did not apply", l.name, 100*s)
		}
	}
}
