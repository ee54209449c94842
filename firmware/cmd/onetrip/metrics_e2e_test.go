package main

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onetrip/hal/escpos/escposemu"
	"onetrip/hal/serial/serialtest"
)

// scrapeMetrics reads a terminal's /metrics as Prometheus would: each sample
// (name with labels) and its value.
func scrapeMetrics(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
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

// TestMetricsCountTicketsAndSeeThePaperRunOut runs the kiosk with an
// emulated ESC/POS printer on a pseudo-terminal (the real driver talks to
// it) and scrapes /metrics while a citizen takes a ticket with the paper
// out, and after the roll is changed.
func TestMetricsCountTicketsAndSeeThePaperRunOut(t *testing.T) {
	pty := serialtest.New(t)
	var printed atomic.Int32
	printer := escposemu.New(pty.Master, func([]byte) { printed.Add(1) })
	go printer.Run()
	maddr := freePort(t)
	k := start(t, t.TempDir(), "--headless", "--printer", "escpos:"+pty.SlavePath()+"?profile=80mm", "--metrics", maddr)
	until := func(what string, cond func(m map[string]float64) bool) map[string]float64 {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			m := scrapeMetrics(t, maddr)
			if cond(m) {
				return m
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; metrics %v\n%s", what, m, k.logText())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const (
		issued   = `onetrip_tickets_issued_total{matter="pension-cert",source="standalone"}`
		paperOut = `onetrip_printer_errors_total{kind="paper_out"}`
	)
	paper := func(state string) string { return `onetrip_printer_paper{state="` + state + `"}` }

	m := until("the printer's answer at start", func(m map[string]float64) bool { return m[paper("ok")] == 1 })
	if m[issued] != 0 || m[paper("out")] != 0 || m[paperOut] != 0 {
		t.Fatalf("at start: issued %v, paper out %v, paper-out errors %v", m[issued], m[paper("out")], m[paperOut])
	}
	if m["onetrip_frame_present_seconds_count"] < 1 {
		t.Errorf("the first frame is not in onetrip_frame_present_seconds: %v", m["onetrip_frame_present_seconds_count"])
	}
	if m["onetrip_uptime_seconds"] <= 0 {
		t.Errorf("uptime %v", m["onetrip_uptime_seconds"])
	}
	v := buildVersion()
	info := fmt.Sprintf(`onetrip_build_info{commit=%q,goversion=%q,role="kiosk",version=%q}`, v.Commit, v.Go, v.Version)
	if m[info] != 1 {
		t.Errorf("no %s in the metrics", info)
	}
	if _, ok := m["onetrip_bus_online"]; ok {
		t.Error("a standalone kiosk reports a hall bus")
	}

	printer.SetPaperOut(true)
	toQuestions(k)
	k.post("/tap", map[string]string{"id": "no-questions"})
	k.onScreen("print-problem")
	m = until("the paper-out", func(m map[string]float64) bool { return m[paper("out")] == 1 })
	if m[issued] != 1 || m[paperOut] != 1 || m[paper("ok")] != 0 {
		t.Fatalf("a ticket issued with the paper out: issued %v, paper-out errors %v, paper ok %v", m[issued], m[paperOut], m[paper("ok")])
	}

	printer.SetPaperOut(false)
	m = until("the new roll", func(m map[string]float64) bool { return m[paper("ok")] == 1 && printed.Load() == 1 })
	if m[paper("out")] != 0 || m[paperOut] != 1 || m[issued] != 1 {
		t.Fatalf("after the roll was changed and the ticket reprinted: paper out %v, paper-out errors %v (the kiosk asked every 2 s meanwhile), issued %v",
			m[paper("out")], m[paperOut], m[issued])
	}
	k.stop()
}

// TestMetricsOnTheHallNetworkMustBeAskedFor: a metrics address beyond the
// board is a configuration error unless --metrics-remote says it is meant.
func TestMetricsOnTheHallNetworkMustBeAskedFor(t *testing.T) {
	cmd := exec.Command(onetripBin, "run", "--board", "sim", "--headless", "--data", t.TempDir(), "--metrics", "0.0.0.0:9464")
	b, _ := cmd.CombinedOutput()
	out := string(b)
	if code := cmd.ProcessState.ExitCode(); code != exitConfig || !strings.Contains(out, `metrics address "0.0.0.0:9464" is not a loopback address`) || !strings.Contains(out, "--metrics-remote") {
		t.Fatalf("exit %d:\n%s", cmd.ProcessState.ExitCode(), out)
	}
}
