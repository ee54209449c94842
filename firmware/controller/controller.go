// Package controller is the hall controller (onetrip hall): it runs the hall
// bus (an embedded NATS server with JetStream, or joins a city's cluster),
// creates the hall's streams, publishes the hall configuration, folds the
// queue like any terminal, signs out counters that fell silent, and serves
// the phone page of each ticket and the hall's figures for the office.
package controller

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/hall"
	"onetrip/firmware/phone"
	"onetrip/firmware/queue"
	"onetrip/firmware/report"
)

// Options configure the controller.
type Options struct {
	HallFile string
	Data     string
	Listen   string   // the embedded server's address for terminals
	Bus      []string // join this cluster instead of running a server
	Creds    string   // credentials on that cluster
	Web      string   // the phone and office pages' address
	// PublicURL is how phones reach the web address (the hall's Wi-Fi name
	// for it); it fills queue_link when the hall has no app link of its own.
	PublicURL string
	// Server is the embedded server's name and cluster (zero: standalone).
	Server   embedded.ServerOptions
	Replicas int
	Log      *slog.Logger
	Now      func() time.Time
}

// Controller is a running hall controller.
type Controller struct {
	o    Options
	log  *slog.Logger
	ns   *server.Server
	bus  *bus.Bus
	keys *embedded.Keys

	mu      sync.Mutex
	hall    *hall.Hall
	src     []byte
	view    *queue.View
	beats   map[string]bus.Beat // terminal → last heartbeat
	web     net.Listener
	busAddr string

	lastReloadErr string
	started       time.Time // heartbeats are only missed after this

	rollouts rollouts // the staged rollout of a release (rollout.go)
}

// ConfigError is a problem the technician fixes in a file or a flag.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Start loads the hall, starts or joins the bus, creates the streams and
// publishes the configuration.
func Start(ctx context.Context, o Options) (*Controller, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Controller{o: o, log: o.Log, beats: map[string]bus.Beat{}, started: o.Now()}
	h, src, err := c.loadHall()
	if err != nil {
		return nil, &ConfigError{err}
	}
	if err := os.MkdirAll(o.Data, 0o755); err != nil {
		return nil, &ConfigError{fmt.Errorf("data directory: %w", err)}
	}
	c.keys, err = embedded.LoadKeys(filepath.Join(o.Data, "creds"), h.ID, append(slices.Clone(bus.Roles), bus.WindowRoles(h)...))
	if err != nil {
		return nil, &ConfigError{err}
	}
	cfg := bus.Config{Hall: h.ID, Terminal: "controller", URLs: o.Bus, Creds: o.Creds}
	if len(o.Bus) == 0 {
		so := o.Server
		so.Listen, so.StoreDir = o.Listen, filepath.Join(o.Data, "jetstream")
		if so.Name == "" {
			so.Name = "hall-" + h.ID
		}
		if c.ns, err = embedded.Start(so, h, c.keys); err != nil {
			return nil, err
		}
		cfg.URLs, cfg.Creds = []string{c.ns.ClientURL()}, c.keys.Creds(embedded.ControllerRole)
		c.busAddr = c.ns.ClientURL()
	}
	c.bus, err = bus.Connect(ctx, cfg, false, o.Log)
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := c.ensureStreams(ctx); err != nil {
		c.Close()
		return nil, err
	}
	c.hall, c.src, c.view = h, src, queue.NewView(h)
	if err := c.publishConfig(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ensureStreams waits for a cluster to elect its meta leader before giving up.
func (c *Controller) ensureStreams(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.bus.EnsureStreams(ctx, bus.StreamOptions{Replicas: c.o.Replicas})
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// BusURL is the embedded server's client URL ("" when joining a cluster).
func (c *Controller) BusURL() string { return c.busAddr }

// Keys are the role credentials the controller handed out.
func (c *Controller) Keys() *embedded.Keys { return c.keys }

func (c *Controller) loadHall() (*hall.Hall, []byte, error) {
	src, err := os.ReadFile(c.o.HallFile)
	if err != nil {
		return nil, nil, fmt.Errorf("hall file: %w", err)
	}
	h, err := hall.Parse(c.o.HallFile, src)
	if err != nil {
		return nil, nil, err
	}
	if h.QueueLink == "" && c.o.PublicURL != "" {
		// Without an app link of its own the ticket's QR code opens the
		// controller's phone page.
		link := strings.TrimRight(c.o.PublicURL, "/") + "/t/{token}"
		src = append([]byte(fmt.Sprintf("queue_link = %q\n", link)), src...)
		if h, err = hall.Parse(c.o.HallFile, src); err != nil {
			return nil, nil, err
		}
	}
	return h, src, nil
}

func (c *Controller) publishConfig(ctx context.Context) error {
	c.mu.Lock()
	src, v := c.src, c.hall.Version
	c.mu.Unlock()
	changed, err := c.bus.PublishConfig(ctx, src, v)
	if err != nil {
		return err
	}
	if changed {
		c.log.Info("hall configuration published", "hall", c.hall.ID, "version", v, "file", c.o.HallFile)
	}
	return nil
}

// Run serves until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	since := queue.DayStart(c.o.Now(), c.hall.ResetHour)
	if err := c.bus.Follow(ctx, since, c.deliver); err != nil {
		return err
	}
	if err := c.bus.Listen(func(b bus.Beat) {
		c.mu.Lock()
		c.beats[b.Terminal] = b
		c.mu.Unlock()
	}); err != nil {
		return err
	}
	if err := c.followRollouts(); err != nil {
		return err
	}
	if c.o.Web != "" {
		ln, err := net.Listen("tcp", c.o.Web)
		if err != nil {
			return &ConfigError{fmt.Errorf("--web %s: %w", c.o.Web, err)}
		}
		c.web = ln
		srv := &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		c.log.Info("phone and office pages", "addr", ln.Addr().String())
	}
	c.log.Info("hall controller running", "hall", c.hall.ID, "version", c.hall.Version, "bus", c.busAddr, "data", c.o.Data)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			c.reloadHall(ctx)
			c.signOutSilent(ctx)
			c.tickRollout()
		}
	}
}

// WebAddr is the address the pages are served on.
func (c *Controller) WebAddr() string {
	if c.web == nil {
		return ""
	}
	return c.web.Addr().String()
}

func (c *Controller) deliver(d bus.Delivery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.Err == nil && d.Event.Kind != "" {
		d.Err = c.view.Apply(d.Event)
	}
	if d.Err != nil {
		c.log.Warn("hall bus: dropped a message", "subject", d.Subject, "seq", d.Sequence, "err", d.Err)
	}
}

// reloadHall publishes a changed hall file; a file that does not load
// keeps the running version and says why, once per change.
func (c *Controller) reloadHall(ctx context.Context) {
	h, src, err := c.loadHall()
	c.mu.Lock()
	same := err == nil && h.Version == c.hall.Version
	c.mu.Unlock()
	if same {
		return
	}
	if err != nil {
		msg := err.Error()
		c.mu.Lock()
		seen := c.lastReloadErr == msg
		c.lastReloadErr = msg
		c.mu.Unlock()
		if !seen {
			c.log.Error("hall file not loaded; the previous version stays in use", "err", msg, "version", c.hall.Version)
		}
		return
	}
	c.mu.Lock()
	c.hall, c.src, c.lastReloadErr = h, src, ""
	c.view.SetHall(h)
	c.mu.Unlock()
	if err := c.publishConfig(ctx); err != nil {
		c.log.Error("hall configuration not published", "err", err)
	}
}

// signOutSilent signs out windows whose counter has not been heard from for
// three heartbeats: a crashed counter must not keep a matter's wait low.
func (c *Controller) signOutSilent(ctx context.Context) {
	now := c.o.Now()
	c.mu.Lock()
	var gone []queue.Event
	for _, ct := range c.view.Counters() {
		b, ok := c.beats[ct.Terminal]
		last := ct.Since
		if c.started.After(last) {
			last = c.started // a restarted controller first listens for a while
		}
		if ok && b.At.After(last) {
			last = b.At
		}
		if now.Sub(last) > 3*bus.BeatEvery {
			gone = append(gone, queue.Event{Kind: queue.SignedOut, At: now, Window: ct.Window, Terminal: ct.Terminal})
		}
	}
	c.mu.Unlock()
	for _, e := range gone {
		if _, _, err := c.bus.Publish(ctx, e, 0); err == nil {
			c.log.Warn("counter silent: window signed out", "window", e.Window, "terminal", e.Terminal)
		}
	}
}

// Handler serves the phone page (/t/TOKEN, open to all: one ticket each),
// and for the hall operator (user "office", the password in
// creds/office.password) the office page (/office) and the report as JSON
// (/report.json), with ?from=DATE&to=DATE.
func (c *Controller) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/t/", phone.Handler(func(token string) (phone.Status, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		return phone.StatusOf(c.view, token)
	}))
	mux.HandleFunc("GET /office", c.office(func(w http.ResponseWriter, r *http.Request, rep report.Report, h *hall.Hall) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		lang := "zh-CN"
		if r.URL.Query().Get("lang") == "en" {
			lang = "en"
		}
		if err := report.OfficePage(w, rep, h, lang); err != nil {
			c.log.Error("office page", "err", err)
		}
	}))
	mux.HandleFunc("GET /report.json", c.office(func(w http.ResponseWriter, r *http.Request, rep report.Report, _ *hall.Hall) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rep)
	}))
	c.handleRollouts(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		v := c.hall.Version
		c.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"hall_version": v, "bus_online": c.bus.Online()})
	})
	return mux
}

func (c *Controller) office(serve func(http.ResponseWriter, *http.Request, report.Report, *hall.Hall)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		if !ok || user != "office" || subtle.ConstantTimeCompare([]byte(pw), []byte(c.keys.Office)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="onetrip hall office", charset="UTF-8"`)
			http.Error(w, "the hall's figures need the office password (creds/office.password on the controller)", http.StatusUnauthorized)
			return
		}
		from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
		rep, err := c.Report(r.Context(), from, to)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		h := c.hall
		c.mu.Unlock()
		serve(w, r, rep, h)
	}
}

// Report computes the hall's figures from the stored events.
func (c *Controller) Report(ctx context.Context, from, to string) (report.Report, error) {
	since, err := sinceDay(from, c.o.Now())
	if err != nil {
		return report.Report{}, err
	}
	evs, bad, err := c.bus.Fetch(ctx, since, true)
	if err != nil {
		return report.Report{}, err
	}
	for _, e := range bad {
		c.log.Warn("report: dropped a message", "err", e)
	}
	c.mu.Lock()
	h := c.hall
	c.mu.Unlock()
	return report.Compute(h, evs, from, to), nil
}

// sinceDay is where to start reading for a report from day (a day before,
// for the reset hour); empty reads everything kept.
func sinceDay(day string, now time.Time) (time.Time, error) {
	if day == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, now.Location())
	if err != nil {
		return time.Time{}, fmt.Errorf("from %q: not a date like 2026-12-01", day)
	}
	return d.Add(-24 * time.Hour), nil
}

// Close stops the bus connection and the embedded server.
func (c *Controller) Close() {
	if c.bus != nil {
		c.bus.Close()
	}
	if c.ns != nil {
		c.ns.Shutdown()
		c.ns.WaitForShutdown()
	}
}
