package service

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen is systemd's end of NOTIFY_SOCKET: a unixgram socket the test
// reads notifications from.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

// received is every notification waiting on c.
func received(t *testing.T, c *net.UnixConn) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestReadyIsSentOnceWithItsStatus(t *testing.T) {
	c := listen(t)
	n, err := FromEnv(quiet())
	if err != nil {
		t.Fatal(err)
	}
	n.Ready("kiosk on screen")
	n.Ready("kiosk on screen")
	n.Status("printer out of paper")
	got := received(t, c)
	want := []string{"READY=1\nSTATUS=kiosk on screen", "STATUS=printer out of paper"}
	if !slices.Equal(got, want) {
		t.Fatalf("notifications %q, want %q", got, want)
	}
}

func TestWatchdogIsPingedAtMostEveryQuarterOfItsPeriod(t *testing.T) {
	c := listen(t)
	t.Setenv("WATCHDOG_USEC", strconv.Itoa(int(time.Hour/time.Microsecond)))
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n, err := FromEnv(quiet())
	if err != nil {
		t.Fatal(err)
	}
	if n.AliveEvery() != 30*time.Minute {
		t.Fatalf("an idle loop turns every %v, want half of WatchdogSec (30m)", n.AliveEvery())
	}
	for range 1000 {
		n.Alive()
	}
	if got := received(t, c); !slices.Equal(got, []string{"WATCHDOG=1"}) {
		t.Fatalf("1000 turns within a second sent %q, want one WATCHDOG=1", got)
	}
}

func TestWatchdogOfAnotherProcessIsNotPinged(t *testing.T) {
	c := listen(t)
	t.Setenv("WATCHDOG_USEC", "2000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1))
	n, err := FromEnv(quiet())
	if err != nil {
		t.Fatal(err)
	}
	n.Alive()
	if n.AliveEvery() != 0 {
		t.Fatalf("the loop is asked to turn every %v for another process's watchdog", n.AliveEvery())
	}
	if got := received(t, c); len(got) != 0 {
		t.Fatalf("sent %q for a watchdog meant for another process", got)
	}
}

func TestWithoutSystemdNothingIsSentAndNothingFails(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	var log strings.Builder
	n, err := FromEnv(slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.Ready("up")
	n.Alive()
	n.Stopping()
	if n.AliveEvery() != 0 || log.Len() != 0 {
		t.Fatalf("outside systemd: turn every %v, log %q", n.AliveEvery(), log.String())
	}
}

func TestABrokenSocketIsLoggedOnce(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	t.Setenv("WATCHDOG_USEC", "")
	var log strings.Builder
	n, err := FromEnv(slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.Ready("up")
	n.Status("still up")
	if c := strings.Count(log.String(), "systemd notification not sent"); c != 1 {
		t.Fatalf("logged %d times, want once:\n%s", c, log.String())
	}
}

func TestABadWatchdogPeriodIsAnError(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "soon")
	if _, err := FromEnv(quiet()); err == nil || !strings.Contains(err.Error(), "watchdog") {
		t.Fatalf("WATCHDOG_USEC=soon: %v, want an error naming the watchdog", err)
	}
}
