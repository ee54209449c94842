// Package metrics counts what a technician watches on a terminal — tickets
// issued, printer and reader faults, the paper, how long frames take to
// present, the hall bus — and serves it in Prometheus's text format on
// /metrics. It sees the kiosk only through the interfaces the kiosk already
// has (Issuer, Printer, Presenter, Recorder), by standing in front of them.
package metrics

import (
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Paper states, the values of onetrip_printer_paper's state label.
var paperStates = []string{"ok", "near_end", "out", "unknown"}

// Metrics is one terminal's registry.
type Metrics struct {
	reg           *prometheus.Registry
	tickets       *prometheus.CounterVec
	printerErrors *prometheus.CounterVec
	readerErrors  *prometheus.CounterVec
	refused       *prometheus.CounterVec
	paper         *prometheus.GaugeVec
	frames        prometheus.Histogram

	busOnline func() bool // nil: no hall bus

	mu      sync.Mutex
	paperIs string
	faults  map[string]bool // the printer's faults at its last answer
}

// Build names what runs, for onetrip_build_info.
type Build struct{ Version, Commit, Role string }

// New is a registry for a terminal running build; started is when the
// process started (onetrip_uptime_seconds counts from it).
func New(b Build, started time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "onetrip_tickets_issued_total",
			Help: "Tickets issued, by matter and source: online (numbered on the hall bus), offline (from a leased block while the bus was away), standalone (no bus)."},
			[]string{"matter", "source"}),
		printerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "onetrip_printer_errors_total",
			Help: "Printer faults by kind (paper_out, cover_open, offline, cutter, no_answer, other): each failed job, and each fault the printer newly reports when asked."},
			[]string{"kind"}),
		readerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "onetrip_reader_errors_total",
			Help: "ID-card reader faults by kind: unreadable (a read failed), unavailable (the reader went away)."},
			[]string{"kind"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "onetrip_cards_refused_total",
			Help: "Cards read but refused, by problem (expired, not_yet_valid, bad_number)."},
			[]string{"problem"}),
		paper: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "onetrip_printer_paper",
			Help: "The printer's paper as last seen: 1 for the current state (ok, near_end, out, unknown), 0 for the others."},
			[]string{"state"}),
		frames: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "onetrip_frame_present_seconds",
			Help:    "Time to present one frame (the changed rectangles) to the screen.",
			Buckets: []float64{.0005, .001, .002, .004, .008, .016, .032, .064, .128, .256, .512}}),
		faults: map[string]bool{},
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "onetrip_build_info", Help: "The running build: always 1.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "role": b.Role, "goversion": runtime.Version()}})
	info.Set(1)
	uptime := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "onetrip_uptime_seconds", Help: "Seconds since the process started."},
		func() float64 { return time.Since(started).Seconds() })
	m.reg.MustRegister(m.tickets, m.printerErrors, m.readerErrors, m.refused, m.paper, m.frames, info, uptime,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.setPaper("unknown")
	// Known kinds start at 0, so a dashboard sees "none yet", not "no data".
	for _, f := range printerFaults {
		m.printerErrors.WithLabelValues(f.kind)
	}
	m.printerErrors.WithLabelValues("no_answer")
	m.printerErrors.WithLabelValues("other")
	for _, k := range []string{"unreadable", "unavailable"} {
		m.readerErrors.WithLabelValues(k)
	}
	return m
}

// Registry is where the metrics are registered (for the handler and tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// WatchBus adds onetrip_bus_online, read from online at every scrape.
func (m *Metrics) WatchBus(online func() bool) {
	m.busOnline = online
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "onetrip_bus_online",
		Help: "1 while the hall bus is connected, 0 while it is away."},
		func() float64 {
			if online() {
				return 1
			}
			return 0
		}))
}

// Problems lists what a technician should know now, in a few words each:
// the paper, a hall bus that is away. Empty when all is well.
func (m *Metrics) Problems() []string {
	var p []string
	switch m.paperState() {
	case "out":
		p = append(p, "printer out of paper")
	case "near_end":
		p = append(p, "paper running low")
	}
	if m.busOnline != nil && !m.busOnline() {
		p = append(p, "hall bus away")
	}
	return p
}

func (m *Metrics) setPaper(state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if state == m.paperIs {
		return
	}
	m.paperIs = state
	for _, s := range paperStates {
		v := 0.0
		if s == state {
			v = 1
		}
		m.paper.WithLabelValues(s).Set(v)
	}
}
