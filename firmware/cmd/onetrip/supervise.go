package main

import (
	"context"
	"flag"
	"image"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/flow"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/metrics"
	"onetrip/firmware/service"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/ui/window"
)

// metricsFlags are run's flags for Prometheus.
type metricsFlags struct {
	Addr   string
	Remote bool
}

func (s *metricsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.Addr, "metrics", metrics.DefaultAddr, "serve Prometheus metrics at http://ADDR/metrics (loopback only unless --metrics-remote); off: none")
	fs.BoolVar(&s.Remote, "metrics-remote", false, "allow --metrics on an address other than loopback (the hall network)")
}

// supervision is what systemd and Prometheus see of a terminal: READY=1
// after the first frame, the watchdog pinged by the main loop, and the
// metrics.
type supervision struct {
	log     *slog.Logger
	notify  *service.Notifier
	metrics *metrics.Metrics
	ln      net.Listener // nil: metrics not served
	screen  screenWatch

	mu     sync.Mutex
	status string // what the terminal is, once on screen
	said   string // the status line systemd has
}

// supervise prepares the supervision of a terminal of role. A metrics address
// that is not loopback is refused (a configuration error); one already taken
// is only logged: citizens are served without metrics rather than not at all.
func supervise(f Flags, role string, b *bus.Bus, log *slog.Logger) (*supervision, error) {
	n, err := service.FromEnv(log)
	if err != nil {
		return nil, err
	}
	v := buildVersion()
	s := &supervision{log: log, notify: n, metrics: metrics.New(metrics.Build{Version: v.Version, Commit: v.Commit, Role: role}, started)}
	if b != nil {
		s.metrics.WatchBus(b.Online)
	}
	if n.Watchdog() > 0 {
		log.Info("systemd watchdog", "every", n.Watchdog())
	}
	if f.Metrics.Addr == "off" {
		return s, nil
	}
	if err := metrics.CheckAddr(f.Metrics.Addr, f.Metrics.Remote); err != nil {
		return nil, &configError{err}
	}
	ln, err := metrics.Listen(f.Metrics.Addr)
	if err != nil {
		log.Warn("metrics not served; the terminal runs without them", "err", err)
		return s, nil
	}
	s.ln = ln
	return s, nil
}

// serve answers /metrics until ctx ends; the terminal calls the function it
// returns when it stops, which tells systemd so (STOPPING=1).
func (s *supervision) serve(ctx context.Context) (stopping func()) {
	if s.ln != nil {
		s.log.Info("metrics served", "url", "http://"+s.ln.Addr().String()+"/metrics")
		go s.metrics.Serve(ctx, s.ln, s.log)
	}
	return s.notify.Stopping
}

// ready is called once the first frame is on screen: status says what the
// terminal is.
func (s *supervision) ready(status string) func() {
	return func() {
		s.mu.Lock()
		s.status = status
		s.mu.Unlock()
		s.restate(s.notify.Ready)
	}
}

// statusLine is what "systemctl status" shows: the terminal, then anything
// wrong with it.
func (s *supervision) statusLine() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(append([]string{s.status}, s.metrics.Problems()...), "; ")
}

// restate sends the status line with send when it changed (and once the
// terminal is on screen).
func (s *supervision) restate(send func(string)) {
	line := s.statusLine()
	s.mu.Lock()
	changed := s.status != "" && line != s.said
	if changed {
		s.said = line
	}
	s.mu.Unlock()
	if changed {
		send(line)
	}
}

// issuer counts the tickets i issues; nil is the store of a standalone kiosk.
func (s *supervision) issuer(i kiosk.Issuer, store *ticket.Store) kiosk.Issuer {
	if i == nil {
		return s.metrics.Issuer(store, false)
	}
	return s.metrics.Issuer(i, true)
}

// devices watches the printer among d for faults and the paper.
func (s *supervision) devices(d kiosk.Devices) kiosk.Devices {
	d.Printer = s.printer(d.Printer)
	return d
}

// presenter times the frames p presents and follows them onto the screen.
func (s *supervision) presenter(p kiosk.Presenter) kiosk.Presenter {
	return s.metrics.Presenter(watchedPresenter{p, &s.screen})
}

// watchWindow has the watchdog follow w's own main loop, which draws the
// presented frames on another thread.
func (s *supervision) watchWindow(w *window.Window) {
	s.screen.follow(func() int64 { return w.Stats().Frames })
}

// alive is the main loop's hook: it pings the watchdog while the frames the
// loop presents still reach the screen.
func (s *supervision) alive() (func(), time.Duration) {
	every := s.notify.AliveEvery()
	return func() {
		s.restate(s.notify.Status)
		if s.screen.keepsUp(time.Now(), every) {
			s.notify.Alive()
		}
	}, every
}

// screenWatch notices a window whose main loop stopped drawing (a hung X
// server or GL driver) while the terminal's own loop still turns: a frame
// presented and not drawn within the grace time stops the watchdog pings,
// so systemd restarts the terminal instead of leaving a frozen screen.
type screenWatch struct {
	mu      sync.Mutex
	drawn   func() int64 // frames the window has drawn; nil: Present shows them itself
	waiting bool         // a presented frame is not drawn yet
	since   time.Time    // when it was presented
	base    int64        // frames drawn just before
}

func (w *screenWatch) follow(drawn func() int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drawn = drawn
}

func (w *screenWatch) presented(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.drawn != nil && !w.waiting {
		w.waiting, w.since, w.base = true, now, w.drawn()
	}
}

// keepsUp reports whether every frame presented more than grace ago has been drawn.
func (w *screenWatch) keepsUp(now time.Time, grace time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting && w.drawn() > w.base {
		w.waiting = false
	}
	return !w.waiting || now.Sub(w.since) <= grace
}

// watchedPresenter tells the screen watch of every frame presented.
type watchedPresenter struct {
	kiosk.Presenter
	w *screenWatch
}

// Present notes the frame before handing it on: the window may draw it
// before Present returns.
func (p watchedPresenter) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	p.w.presented(time.Now())
	return p.Presenter.Present(frame, dirty)
}

// printer watches p for faults and the paper; nil stays nil.
func (s *supervision) printer(p escpos.Printer) escpos.Printer {
	if p == nil {
		return nil
	}
	return s.metrics.Printer(p)
}

// recorders tells each recorder in turn (the audit trail and the metrics).
type recorders []kiosk.Recorder

func (rs recorders) Event(now time.Time, ev flow.Event, before, after flow.State) {
	for _, r := range rs {
		r.Event(now, ev, before, after)
	}
}

func (rs recorders) Frame(now time.Time, st flow.State, pressed string, frame *image.RGBA) {
	for _, r := range rs {
		r.Frame(now, st, pressed, frame)
	}
}
