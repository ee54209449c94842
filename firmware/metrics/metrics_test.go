package metrics

import (
	"context"
	"errors"
	"image"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"onetrip/firmware/flow"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/ui/render"
)

// scrape reads /metrics as Prometheus would: sample name with labels → value.
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return parseText(t, rec.Body.String())
}

// parseText reads the text exposition format's samples.
func parseText(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func newMetrics() *Metrics {
	return New(Build{Version: "v1.2.3", Commit: "abc", Role: "kiosk"}, time.Now().Add(-time.Minute))
}

func simPrinter(t *testing.T) *escpossim.Printer {
	t.Helper()
	profile, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	p, err := escpossim.New(t.TempDir(), profile, render.DefaultFont().XFace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPaperOutShowsAndCountsOncePerFault(t *testing.T) {
	m := newMetrics()
	sim := simPrinter(t)
	p := m.Printer(sim)
	ctx := context.Background()
	paper := func(state string) float64 { return scrape(t, m)[`onetrip_printer_paper{state="`+state+`"}`] }
	outs := func() float64 { return scrape(t, m)[`onetrip_printer_errors_total{kind="paper_out"}`] }

	if paper("unknown") != 1 {
		t.Fatalf("before the printer is asked, paper is %v", scrape(t, m))
	}
	if _, err := p.Status(ctx); err != nil {
		t.Fatal(err)
	}
	if paper("ok") != 1 || paper("unknown") != 0 {
		t.Fatalf("a printer with paper: ok=%v unknown=%v", paper("ok"), paper("unknown"))
	}
	sim.SetPaperOut(true)
	if err := p.Print(ctx, []byte("\x1b@ticket\n")); !errors.Is(err, escpos.ErrPaperOut) {
		t.Fatalf("print without paper: %v", err)
	}
	// The kiosk then asks every few seconds until the roll is changed.
	for range 3 {
		p.Status(ctx)
	}
	if paper("out") != 1 || paper("ok") != 0 || outs() != 1 {
		t.Fatalf("paper out: out=%v ok=%v, paper_out errors %v, want 1, 0, 1", paper("out"), paper("ok"), outs())
	}
	sim.SetPaperOut(false)
	p.Status(ctx)
	if paper("ok") != 1 || paper("out") != 0 {
		t.Fatalf("a new roll: ok=%v out=%v", paper("ok"), paper("out"))
	}
	sim.SetPaperOut(true)
	p.Status(ctx)
	if outs() != 2 {
		t.Fatalf("a second paper-out counted as %v in all, want 2", outs())
	}
}

func TestAPrinterThatDoesNotAnswerIsNoAnswerAndPaperUnknown(t *testing.T) {
	m := newMetrics()
	sim := simPrinter(t)
	p := m.Printer(sim)
	p.Status(context.Background())
	sim.SetNoAnswer(true)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := p.Status(ctx); err == nil {
		t.Fatal("a silent printer answered")
	}
	s := scrape(t, m)
	if s[`onetrip_printer_errors_total{kind="no_answer"}`] != 1 || s[`onetrip_printer_paper{state="unknown"}`] != 1 {
		t.Fatalf("silent printer: %v", s)
	}
}

// offlineIssuer issues what a hall kiosk issues while the bus is away.
type offlineIssuer struct{}

func (offlineIssuer) Issue(_ context.Context, r ticket.Request) (ticket.Ticket, error) {
	return ticket.Ticket{Matter: r.Matter, Number: "C9999", Offline: true}, nil
}

type failingIssuer struct{}

func (failingIssuer) Issue(context.Context, ticket.Request) (ticket.Ticket, error) {
	return ticket.Ticket{}, errors.New("store full")
}

func TestTicketsAreCountedByMatterAndSource(t *testing.T) {
	m := newMetrics()
	store, err := ticket.Open(filepath.Join(t.TempDir(), "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	req := ticket.Request{Matter: "pension-cert", Prefix: "C", Now: time.Now()}
	standalone := m.Issuer(store, false)
	for range 2 {
		if _, err := standalone.Issue(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	m.Issuer(offlineIssuer{}, true).Issue(ctx, req)
	m.Issuer(failingIssuer{}, true).Issue(ctx, req)
	s := scrape(t, m)
	for sample, want := range map[string]float64{
		`onetrip_tickets_issued_total{matter="pension-cert",source="standalone"}`: 2,
		`onetrip_tickets_issued_total{matter="pension-cert",source="offline"}`:    1,
		`onetrip_tickets_issued_total{matter="pension-cert",source="online"}`:     0,
	} {
		if s[sample] != want {
			t.Errorf("%s = %v, want %v", sample, s[sample], want)
		}
	}
}

func TestReaderFaultsAndRefusedCardsAreApart(t *testing.T) {
	m := newMetrics()
	now := time.Now()
	for _, ev := range []flow.Event{
		flow.CardFailed{Problem: "unreadable"}, flow.CardFailed{Problem: "expired"}, flow.CardFailed{Problem: "replace"},
		flow.ReaderChanged{Available: false}, flow.ReaderChanged{Available: true}, flow.Tap{ID: "start"},
	} {
		m.Event(now, ev, flow.State{}, flow.State{})
	}
	s := scrape(t, m)
	for sample, want := range map[string]float64{
		`onetrip_reader_errors_total{kind="unreadable"}`:  1,
		`onetrip_reader_errors_total{kind="unavailable"}`: 1,
		`onetrip_cards_refused_total{problem="expired"}`:  1,
	} {
		if s[sample] != want {
			t.Errorf("%s = %v, want %v", sample, s[sample], want)
		}
	}
	if _, ok := s[`onetrip_reader_errors_total{kind="replace"}`]; ok {
		t.Error("asking the citizen to put the card down again counted as a reader fault")
	}
}

type slowPresenter struct{ d time.Duration }

func (p slowPresenter) Present(*image.RGBA, []image.Rectangle) error { time.Sleep(p.d); return nil }

func TestFramesBuildInfoUptimeAndBus(t *testing.T) {
	m := newMetrics()
	online := true
	m.WatchBus(func() bool { return online })
	p := m.Presenter(slowPresenter{3 * time.Millisecond})
	for range 4 {
		p.Present(nil, nil)
	}
	s := scrape(t, m)
	if s["onetrip_frame_present_seconds_count"] != 4 || s[`onetrip_frame_present_seconds_bucket{le="0.002"}`] != 0 ||
		s[`onetrip_frame_present_seconds_bucket{le="0.512"}`] != 4 {
		t.Errorf("4 frames of at least 3 ms: count %v, ≤2ms %v, ≤512ms %v", s["onetrip_frame_present_seconds_count"],
			s[`onetrip_frame_present_seconds_bucket{le="0.002"}`], s[`onetrip_frame_present_seconds_bucket{le="0.512"}`])
	}
	found := false
	for k, v := range s {
		if strings.HasPrefix(k, "onetrip_build_info{") && strings.Contains(k, `version="v1.2.3"`) && strings.Contains(k, `role="kiosk"`) && v == 1 {
			found = true
		}
	}
	if !found {
		t.Error("no onetrip_build_info naming version v1.2.3 and role kiosk")
	}
	if up := s["onetrip_uptime_seconds"]; up < 60 || up > 3600 {
		t.Errorf("uptime %v s for a process started a minute ago", up)
	}
	if s["onetrip_bus_online"] != 1 {
		t.Errorf("bus online %v", s["onetrip_bus_online"])
	}
	online = false
	if v := scrape(t, m)["onetrip_bus_online"]; v != 0 {
		t.Errorf("bus away: online %v", v)
	}
}

func TestOnlyLoopbackUnlessMeant(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9464", "[::1]:9464", "127.0.0.2:1"} {
		if err := CheckAddr(addr, false); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "kiosk-1.local:9464", "192.168.1.20:9464"} {
		err := CheckAddr(addr, false)
		if err == nil || !strings.Contains(err.Error(), "--metrics-remote") || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: %v, want a refusal naming it and --metrics-remote", addr, err)
		}
		if err := CheckAddr(addr, true); err != nil {
			t.Errorf("%s with --metrics-remote: %v", addr, err)
		}
	}
	if err := CheckAddr("9464", true); err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
		t.Errorf("a bare port: %v", err)
	}
}
