// Package service is a terminal's side of systemd: it says when the terminal
// is ready (READY=1 once its first frame is on screen), what it is doing
// (STATUS=), that its main loop still turns (WATCHDOG=1), and it sends the
// log to journald with its fields.
package service

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier talks to systemd over NOTIFY_SOCKET (sd_notify). Outside systemd
// every call does nothing, so a terminal run by hand behaves as before.
type Notifier struct {
	log      *slog.Logger
	watchdog time.Duration // WatchdogSec from WATCHDOG_USEC; 0: no watchdog
	send     func(state string) (bool, error)

	mu     sync.Mutex
	ready  bool
	pinged time.Time
	failed bool // a notification failed and was logged
}

// FromEnv is the Notifier for this process: NOTIFY_SOCKET says where systemd
// listens, WATCHDOG_USEC (with WATCHDOG_PID naming this process) how often it
// wants to hear that the loop turns.
func FromEnv(log *slog.Logger) (*Notifier, error) {
	wd, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return nil, fmt.Errorf("systemd watchdog: %w", err)
	}
	return &Notifier{log: log, watchdog: wd, send: func(state string) (bool, error) {
		return daemon.SdNotify(false, state)
	}}, nil
}

// Watchdog is systemd's WatchdogSec for this process; 0 when none is set.
func (n *Notifier) Watchdog() time.Duration { return n.watchdog }

// AliveEvery is how often an idle main loop must turn so that the watchdog
// hears from it: half of WatchdogSec, 0 without a watchdog.
func (n *Notifier) AliveEvery() time.Duration { return n.watchdog / 2 }

// Ready tells systemd, once, that the terminal is up: its first frame is on
// screen. Until then "systemctl start" waits, and after it the watchdog runs.
func (n *Notifier) Ready(status string) {
	n.mu.Lock()
	first := !n.ready
	n.ready = true
	n.mu.Unlock()
	if first {
		n.notify("READY=1\nSTATUS=" + status)
	}
}

// Status sets the line "systemctl status" shows for the service.
func (n *Notifier) Status(status string) { n.notify("STATUS=" + status) }

// Stopping tells systemd the terminal is shutting down on purpose.
func (n *Notifier) Stopping() { n.notify("STOPPING=1\nSTATUS=stopping") }

// Alive is called by the main loop on every turn. It pings the watchdog at
// most once a quarter of WatchdogSec: a loop that stops turning stops the
// pings, and systemd restarts the service.
func (n *Notifier) Alive() {
	if n.watchdog == 0 {
		return
	}
	now := time.Now()
	n.mu.Lock()
	due := now.Sub(n.pinged) >= n.watchdog/4
	if due {
		n.pinged = now
	}
	n.mu.Unlock()
	if due {
		n.notify("WATCHDOG=1")
	}
}

// notify sends one notification; a failure is logged once, since the same
// socket will fail the same way on every ping.
func (n *Notifier) notify(state string) {
	if n.send == nil {
		return
	}
	if _, err := n.send(state); err != nil {
		n.mu.Lock()
		first := !n.failed
		n.failed = true
		n.mu.Unlock()
		if first {
			n.log.Warn("systemd notification not sent", "socket", os.Getenv("NOTIFY_SOCKET"), "err", err)
		}
	}
}
