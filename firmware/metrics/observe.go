package metrics

import (
	"context"
	"errors"
	"image"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
)

// Issuer counts the tickets inner issues; onBus says whether the kiosk is
// in a hall (its tickets are online or offline) or stands alone.
func (m *Metrics) Issuer(inner kiosk.Issuer, onBus bool) kiosk.Issuer {
	return &issuer{m: m, inner: inner, onBus: onBus}
}

type issuer struct {
	m     *Metrics
	inner kiosk.Issuer
	onBus bool
}

func (i *issuer) Issue(ctx context.Context, r ticket.Request) (ticket.Ticket, error) {
	t, err := i.inner.Issue(ctx, r)
	if err == nil {
		source := "standalone"
		if i.onBus {
			source = "online"
			if t.Offline {
				source = "offline"
			}
		}
		i.m.tickets.WithLabelValues(t.Matter, source).Inc()
	}
	return t, err
}

// Printer watches inner's jobs and status answers for faults and the paper.
func (m *Metrics) Printer(inner escpos.Printer) escpos.Printer {
	return &printer{m: m, Printer: inner}
}

type printer struct {
	m *Metrics
	escpos.Printer
}

// printerFaults names the faults a printer reports, in the kind label.
var printerFaults = []struct {
	err  error
	kind string
}{
	{escpos.ErrPaperOut, "paper_out"},
	{escpos.ErrCoverOpen, "cover_open"},
	{escpos.ErrOffline, "offline"},
	{escpos.ErrCutter, "cutter"},
}

func faultKinds(err error) []string {
	var kinds []string
	for _, f := range printerFaults {
		if errors.Is(err, f.err) {
			kinds = append(kinds, f.kind)
		}
	}
	return kinds
}

func (p *printer) Print(ctx context.Context, job []byte) error {
	err := p.Printer.Print(ctx, job)
	if err == nil {
		if p.m.paperState() != "near_end" {
			p.m.setPaper("ok") // it printed: there is paper
		}
		return nil
	}
	kinds := faultKinds(err)
	if len(kinds) == 0 {
		kinds = []string{"other"}
	}
	p.m.jobFailed(kinds)
	if errors.Is(err, escpos.ErrPaperOut) {
		p.m.setPaper("out")
	}
	return err
}

func (p *printer) Status(ctx context.Context) (escpos.Status, error) {
	st, err := p.Printer.Status(ctx)
	var kinds []string
	switch {
	case err != nil:
		kinds = []string{"no_answer"}
		p.m.setPaper("unknown")
	case st.PaperOut:
		p.m.setPaper("out")
	case st.PaperNearEnd:
		p.m.setPaper("near_end")
	default:
		p.m.setPaper("ok")
	}
	if err == nil {
		kinds = faultKinds(st.Err())
	}
	p.m.newFaults(kinds)
	return st, err
}

// newFaults counts the faults of a status answer that the last answer did
// not have: a printer asked every few seconds while out of paper counts
// one paper-out, not one per question.
func (m *Metrics) newFaults(kinds []string) {
	m.mu.Lock()
	now := make(map[string]bool, len(kinds))
	var fresh []string
	for _, k := range kinds {
		now[k] = true
		if !m.faults[k] {
			fresh = append(fresh, k)
		}
	}
	m.faults = now
	m.mu.Unlock()
	for _, k := range fresh {
		m.printerErrors.WithLabelValues(k).Inc()
	}
}

// jobFailed counts the faults of a failed job; the printer's next status
// answer saying the same is then not counted again.
func (m *Metrics) jobFailed(kinds []string) {
	m.mu.Lock()
	for _, k := range kinds {
		m.faults[k] = true
	}
	m.mu.Unlock()
	for _, k := range kinds {
		m.printerErrors.WithLabelValues(k).Inc()
	}
}

func (m *Metrics) paperState() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.paperIs
}

// Presenter times every frame inner presents.
func (m *Metrics) Presenter(inner kiosk.Presenter) kiosk.Presenter {
	return &presenter{m: m, inner: inner}
}

type presenter struct {
	m     *Metrics
	inner kiosk.Presenter
}

func (p *presenter) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	start := time.Now()
	err := p.inner.Present(frame, dirty)
	p.m.frames.Observe(time.Since(start).Seconds())
	return err
}

// cardProblems are the flow's card problems that are the card's, not the
// reader's, fault.
var cardProblems = map[string]bool{"expired": true, "not_yet_valid": true, "bad_number": true}

// Event counts the reader's faults and the refused cards among the events
// the kiosk's flow steps on (a kiosk.Recorder, beside the audit trail).
func (m *Metrics) Event(_ time.Time, ev flow.Event, _, _ flow.State) {
	switch ev := ev.(type) {
	case flow.CardFailed:
		switch {
		case cardProblems[ev.Problem]:
			m.refused.WithLabelValues(ev.Problem).Inc()
		case ev.Problem == "unreadable":
			m.readerErrors.WithLabelValues("unreadable").Inc()
		}
	case flow.ReaderChanged:
		if !ev.Available {
			m.readerErrors.WithLabelValues("unavailable").Inc()
		}
	}
}

// Frame is the Recorder's other half; frames are timed by Presenter.
func (m *Metrics) Frame(time.Time, flow.State, string, *image.RGBA) {}
