package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	kioskOnce sync.Once
	kioskBin  string
	kioskErr  error
)

// useKioskBuild makes the benchmark measure the binary a kiosk board runs:
// built with the kiosk tag, without the hall controller's NATS server (which
// samples the process every second from the moment it is linked in).
func useKioskBuild(b *testing.B) {
	kioskOnce.Do(func() {
		kioskBin = onetripBin + "-kiosk"
		out, err := exec.Command("go", "build", "-tags", "kiosk", "-o", kioskBin, ".").CombinedOutput()
		if err != nil {
			kioskErr = fmt.Errorf("build the kiosk binary: %v\n%s", err, out)
		}
	})
	if kioskErr != nil {
		b.Fatal(kioskErr)
	}
	full := onetripBin
	onetripBin = kioskBin
	b.Cleanup(func() { onetripBin = full })
}

// BenchmarkStartToFirstFrame runs the kiosk binary until its first frame is
// presented and it exits. Budget: 150 ms headless, 300 ms in a window.
func BenchmarkStartToFirstFrame(b *testing.B) {
	useKioskBuild(b)
	for _, mode := range []string{"headless", "window"} {
		b.Run(mode, func(b *testing.B) {
			data := b.TempDir()
			args := []string{"run", "--board", "sim", "--data", data, "--exit-after-first-frame"}
			if mode == "headless" {
				args = append(args, "--headless")
			}
			var total time.Duration
			for b.Loop() {
				t0 := time.Now()
				out, err := exec.Command(onetripBin, args...).CombinedOutput()
				if err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				total += time.Since(t0)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
		})
	}
}

// cpuTime is the CPU time all threads of pid have used, from schedstat
// (nanoseconds, far finer than the 10 ms ticks of /proc/PID/stat).
func cpuTime(b *testing.B, pid int) time.Duration {
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	if err != nil || len(tasks) == 0 {
		b.Fatalf("no schedstat for %d", pid)
	}
	var sum time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just ended
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(raw))[0], 10, 64)
		sum += time.Duration(ns)
	}
	return sum
}

func rssMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// BenchmarkIdle measures the attract screen with nothing happening for 10 s:
// CPU as a share of one core (budget 0.2 %) and resident memory after a few
// sessions (budget 40 MB).
func BenchmarkIdle(b *testing.B) {
	useKioskBuild(b)
	for _, mode := range []string{"headless", "window"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				var extra []string
				if mode == "headless" {
					extra = []string{"--headless"}
				}
				k := start(b, b.TempDir(), extra...)
				for range 5 { // a few visits first: steady state, not a fresh process
					for _, id := range []string{"start", "no-id", "matter:pension-cert", "no-questions"} {
						k.post("/tap", map[string]string{"id": id})
					}
					k.onScreen("done")
					k.post("/tap", map[string]string{"id": "cancel"})
					k.onScreen("attract")
				}
				time.Sleep(2 * time.Second)
				pid := k.cmd.Process.Pid
				c0, t0 := cpuTime(b, pid), time.Now()
				time.Sleep(10 * time.Second)
				used, wall := cpuTime(b, pid)-c0, time.Since(t0)
				b.ReportMetric(100*float64(used)/float64(wall), "%cpu")
				b.ReportMetric(rssMB(b, pid), "RSS-MB")
				k.stop()
			}
		})
	}
}
