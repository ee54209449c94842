package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// privateX starts an X server of the test's own, so that the test may stop
// it (SIGSTOP) without stopping anyone else's windows.
func privateX(t *testing.T) (display string, x *os.Process) {
	t.Helper()
	ready, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer ready.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{readyW}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT)
		cmd.Process.Kill()
		cmd.Wait()
	})
	n, err := bufio.NewReader(ready).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not start: %v", err)
	}
	return ":" + strings.TrimSpace(n), cmd.Process
}

// notification is one sd_notify datagram and when it came.
type notification struct {
	state string
	at    time.Time
}

// notifySocket is systemd's end of NOTIFY_SOCKET; every datagram goes on the
// returned channel.
func notifySocket(t *testing.T) (string, <-chan notification) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ch := make(chan notification, 256)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- notification{string(buf[:n]), time.Now()}
		}
	}()
	return path, ch
}

// TestSystemdSeesReadyAfterTheFirstFrameAndPingsUntilTheLoopHangs runs the
// kiosk as systemd would (NOTIFY_SOCKET, WATCHDOG_USEC of 2 s) in a window on
// an X server of its own. READY=1 must come only once the first frame is
// presented, then WATCHDOG=1 about every second while the kiosk idles. Then
// the X server is stopped and the screen touched: the window's loop hangs
// drawing the new frame, and the pings must stop within WatchdogSec —
// systemd would restart the service rather than leave a frozen screen.
// When the X server goes on, so do the pings; SIGTERM sends STOPPING=1.
func TestSystemdSeesReadyAfterTheFirstFrameAndPingsUntilTheLoopHangs(t *testing.T) {
	const watchdog = 2 * time.Second
	display, x := privateX(t)
	socket, notes := notifySocket(t)
	data := t.TempDir()
	addr := freePort(t)
	logPath := filepath.Join(t.TempDir(), "stderr")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(onetripBin, "run", "--board", "sim", "--data", data, "--control", addr, "--metrics", "off")
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "NOTIFY_SOCKET="+socket,
		fmt.Sprintf("WATCHDOG_USEC=%d", watchdog.Microseconds()))
	// The kiosk writes its log straight into the file: what it logged
	// before a notification is there when the notification arrives.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logText := func() string { b, _ := os.ReadFile(logPath); return string(b) }

	next := func(within time.Duration) (notification, bool) {
		select {
		case n := <-notes:
			return n, true
		case <-time.After(within):
			return notification{}, false
		}
	}
	var ready notification
	for ready.state == "" {
		n, ok := next(30 * time.Second)
		if !ok {
			t.Fatalf("no READY=1 within 30 s\n%s", logText())
		}
		switch {
		case strings.HasPrefix(n.state, "READY=1"):
			if !strings.Contains(logText(), "first frame presented") {
				t.Fatalf("READY=1 before the first frame was presented; the log then:\n%s", logText())
			}
			ready = n
		case n.state == "WATCHDOG=1":
		default:
			t.Fatalf("before READY=1, unexpected notification %q", n.state)
		}
	}
	if !strings.Contains(ready.state, "STATUS=kiosk on screen") {
		t.Errorf("READY=1 came with %q, want a STATUS line saying the kiosk is on screen", ready.state)
	}

	// Idle: the pings keep coming, never further apart than WatchdogSec.
	last, pings := ready.at, 0
	for until := time.Now().Add(4 * time.Second); time.Now().Before(until); {
		n, ok := next(watchdog)
		if !ok {
			t.Fatalf("the idle kiosk sent nothing for %v (WatchdogSec)\n%s", watchdog, logText())
		}
		if n.state != "WATCHDOG=1" {
			t.Fatalf("idle: unexpected notification %q", n.state)
		}
		if gap := n.at.Sub(last); gap > watchdog {
			t.Fatalf("pings %v apart, more than WatchdogSec %v", gap, watchdog)
		}
		last, pings = n.at, pings+1
	}
	if pings < 2 {
		t.Fatalf("%d pings in 4 s of idling, want about one a second (WatchdogSec/2)", pings)
	}

	// Hang: the X server stops, and a touch makes the kiosk present a
	// new frame to it.
	if err := x.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	tapped := make(chan error, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/tap", "application/json", strings.NewReader(`{"id":"start"}`))
		if err == nil {
			resp.Body.Close()
		}
		tapped <- err
	}()
	hungSince := time.Now()
	late := 0
	for time.Since(hungSince) < 3*watchdog {
		n, ok := next(3*watchdog - time.Since(hungSince))
		if !ok {
			break
		}
		// Pings may go on for a while (WatchdogSec/2) before the frame
		// not drawn counts as a hang; after WatchdogSec systemd acts.
		if n.state == "WATCHDOG=1" && n.at.Sub(hungSince) > watchdog {
			late++
		}
	}
	if late > 0 {
		t.Fatalf("%d watchdog pings while the window hung on the stopped X server\n%s", late, logText())
	}

	if err := x.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := <-tapped; err != nil {
		t.Fatalf("touch after the X server went on: %v", err)
	}
	for {
		n, ok := next(2 * watchdog)
		if !ok {
			t.Fatalf("no ping after the X server went on\n%s", logText())
		}
		if n.state == "WATCHDOG=1" {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for {
		n, ok := next(10 * time.Second)
		if !ok {
			t.Fatal("no STOPPING=1 on SIGTERM")
		}
		if strings.HasPrefix(n.state, "STOPPING=1") {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logText())
	}
}
