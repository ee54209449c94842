package controller

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"onetrip/assets"
	"onetrip/firmware/bus"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs a controller on a copy of the sample hall without its own
// queue link, so tickets link to the controller's phone page.
func start(t testing.TB, now func() time.Time) (*Controller, string, *logBuf) {
	src, err := assets.FS.ReadFile(assets.SampleHall)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, "queue_link") {
			kept = append(kept, line)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hall.toml")
	if err := os.WriteFile(file, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &logBuf{}
	web := freeAddr(t)
	c, err := Start(context.Background(), Options{HallFile: file, Data: filepath.Join(dir, "data"), Listen: freeAddr(t),
		Web: web, PublicURL: "http://hall.example:8080", Log: slog.New(slog.NewTextHandler(log, nil)), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go c.Run(ctx)
	return c, file, log
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Controller) connect(t testing.TB, role string) *bus.Bus {
	b, err := bus.Connect(context.Background(), bus.Config{URLs: []string{c.BusURL()}, Creds: c.Keys().Creds(role), Hall: "hz-sc", Terminal: role},
		false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// A broken hall file keeps the running version and says where it is broken;
// a good one is published with its new version.
func TestHallFileReloadKeepsTheLastGoodVersion(t *testing.T) {
	c, file, log := start(t, nil)
	kiosk := c.connect(t, "kiosk")
	src, v1, err := kiosk.HallConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(src), `queue_link = "http://hall.example:8080/t/{token}"`) {
		t.Fatalf("published hall without its own link does not point at the phone page:\n%.200s", src)
	}
	good, _ := os.ReadFile(file)
	broken := strings.Replace(string(good), `prefix = "B"`, `prefix = "A"`, 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the broken file is reported", func() bool {
		return strings.Contains(log.String(), "previous version stays in use") && strings.Contains(log.String(), file+":")
	})
	if _, v, _ := kiosk.HallConfig(context.Background()); v != v1 {
		t.Fatalf("a broken file replaced version %s with %s", v1, v)
	}
	fixed := strings.Replace(string(good), `wait_warning = "30m"`, `wait_warning = "20m"`, 1)
	if err := os.WriteFile(file, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the fixed file is published", func() bool {
		src, v, err := kiosk.HallConfig(context.Background())
		if err != nil || v == v1 {
			return false
		}
		h, err := hall.Parse("published", src)
		return err == nil && h.WaitWarning.Duration == 20*time.Minute && h.Version == v
	})
}

// A counter that crashed stops counting for the wait once its heartbeats stop.
func TestSilentCounterIsSignedOut(t *testing.T) {
	c, _, _ := start(t, nil)
	w1 := c.connect(t, "counter-1")
	if _, _, err := w1.Publish(context.Background(), queue.Event{Kind: queue.SignedIn, At: time.Now(), Window: 1,
		Terminal: "counter-1", Matters: []string{"social-card"}}, 0); err != nil {
		t.Fatal(err)
	}
	serving := func() int {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.view.Serving("social-card")
	}
	eventually(t, "signed in", func() bool { return serving() == 1 })
	eventually(t, "signed out after silence", func() bool { return serving() == 0 })
}

// The office figures need the office password; the phone page needs none
// but shows one ticket only.
func TestOfficePageNeedsThePassword(t *testing.T) {
	c, _, _ := start(t, nil)
	base := "http://" + c.WebAddr()
	eventually(t, "web up", func() bool { return c.WebAddr() != "" })
	base = "http://" + c.WebAddr()
	for _, path := range []string{"/office", "/report.json"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without the password: %d", path, resp.StatusCode)
		}
		req, _ := http.NewRequest("GET", base+path, nil)
		req.SetBasicAuth("office", c.Keys().Office)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "satisf") && !strings.Contains(string(body), "满意") {
			t.Errorf("%s with the password: %d %.200s", path, resp.StatusCode, body)
		}
	}
	resp, err := http.Get(base + "/t/AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ticket token: %d", resp.StatusCode)
	}
}

// BenchmarkCallToPhonePage measures from a counter's "call next" being
// published to the ticket's phone page answering "请到 1 号窗口".
func BenchmarkCallToPhonePage(b *testing.B) {
	c, _, _ := start(b, nil)
	kiosk, counter := c.connect(b, "kiosk"), c.connect(b, "counter-1")
	ctx := context.Background()
	day := queue.ServiceDay(time.Now(), 6)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		e, _, err := kiosk.Publish(ctx, queue.Event{Kind: queue.Issued, At: time.Now(), Day: day, Prefix: "A", Matter: "social-card",
			Kiosk: "kiosk-1", Token: fmt.Sprintf("bench-token-%012d", i)}, 0)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, _, err := counter.Publish(ctx, queue.Event{Kind: queue.Called, At: time.Now(), Day: day, Number: e.Number, Window: 1}, 0); err != nil {
			b.Fatal(err)
		}
		url := "http://" + c.WebAddr() + "/t/" + e.Token + ".json"
		for {
			resp, err := http.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), `"window":1`) {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatalf("phone page never showed the call: %s", body)
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
