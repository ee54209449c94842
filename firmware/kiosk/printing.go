package kiosk

import (
	"context"
	"time"

	"onetrip/firmware/flow"
)

const (
	printTimeout  = 20 * time.Second
	statusTimeout = 2 * time.Second
	// recheckEvery is how often a faulty printer is asked whether it is back.
	recheckEvery = 2 * time.Second
)

// printWork is one thing for the printer worker: a ticket to print, or a
// question about the printer's status.
type printWork struct {
	status  bool
	slip    []byte // a slip (where a matter is done elsewhere), not a ticket
	ticket  flow.Ticket
	lang    string
	reprint bool // printed after it failed, or after a power cut: says 补打
	test    bool // the slip is service mode's test ticket
	// asked is a status question from the service self-test, answered
	// there rather than to the kiosk's goroutine.
	asked chan<- statusReply
}

// printOutcome comes back from the worker to the kiosk's goroutine.
type printOutcome struct {
	work printWork
	err  error
}

// printer is the one worker that owns the printer. Every print, reprint and
// status question goes through it, one at a time, so a reprint cannot start
// while the same ticket's first print is in flight, and the printer is asked
// for its status only between jobs.
func (k *Kiosk) printer(ctx context.Context) {
	for {
		var w printWork
		select {
		case <-ctx.Done():
			return
		case w = <-k.work:
		}
		if w.asked != nil {
			sctx, cancel := context.WithTimeout(ctx, statusTimeout)
			st, err := k.dev.Printer.Status(sctx)
			cancel()
			w.asked <- statusReply{st, err}
			continue
		}
		var err error
		if w.status {
			sctx, cancel := context.WithTimeout(ctx, statusTimeout)
			st, serr := k.dev.Printer.Status(sctx)
			cancel()
			if err = serr; err == nil {
				err = st.Err()
			}
		} else if w.slip != nil {
			pctx, cancel := context.WithTimeout(ctx, printTimeout)
			err = k.dev.Printer.Print(pctx, w.slip)
			cancel()
		} else {
			err = k.printOne(ctx, w)
		}
		select {
		case k.printed <- printOutcome{w, err}:
		case <-ctx.Done():
			return
		}
	}
}

// printOne prints a ticket and records it as printed before the next job.
func (k *Kiosk) printOne(ctx context.Context, w printWork) error {
	job, err := k.tickets.Encode(w.ticket, w.lang, w.reprint)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, printTimeout)
	defer cancel()
	if err := k.dev.Printer.Print(pctx, job); err != nil {
		return err
	}
	if err := k.store.MarkPrinted(ctx, w.ticket.ID); err != nil {
		k.log.Error("printed ticket not recorded; it may print again after a restart", "id", w.ticket.ID, "err", err)
	}
	return nil
}

// print hands the issued ticket to the printer worker; the outcome comes
// back as Printed or PrintFailed with the ticket's id.
func (k *Kiosk) print(f flow.PrintTicket) {
	k.queue(printWork{ticket: f.Ticket, lang: f.Lang})
}

// printSlip prints the slip for a matter handled elsewhere.
func (k *Kiosk) printSlip(f flow.PrintSlip) flow.Event {
	job, err := k.tickets.Slip(f.Matter, f.Lang)
	if err != nil {
		k.log.Error("slip not composed", "matter", f.Matter, "err", err)
		return flow.SlipFailed{}
	}
	k.work <- printWork{slip: job}
	return nil
}

// queue gives the worker a ticket unless it already has it.
func (k *Kiosk) queue(w printWork) {
	if k.inFlight[w.ticket.ID] {
		return
	}
	k.inFlight[w.ticket.ID] = true
	k.work <- w
}

// checkPrinter asks the worker for the printer's status, once at a time.
func (k *Kiosk) checkPrinter() {
	if k.checking {
		return
	}
	k.checking = true
	k.work <- printWork{status: true}
}

// reprint queues every ticket issued but not printed — after a paper
// change, or after a power cut between issue and print — oldest first. The
// citizen still waiting at the kiosk gets their ticket; the others are
// logged so a guide can hand them over.
func (k *Kiosk) reprint() {
	un, err := k.store.Unprinted(context.Background())
	if err != nil {
		k.log.Error("unprinted tickets not read", "err", err)
		return
	}
	for _, t := range un {
		k.queue(printWork{ticket: flowTicket(t), lang: t.Lang, reprint: true})
	}
}

// printerReported carries a worker outcome into the flow, the status lamp
// and the log.
func (k *Kiosk) printerReported(o printOutcome) {
	if o.work.status {
		k.checking = false
		if o.err != nil {
			k.fault(o.err)
			return
		}
		if k.printerFault {
			k.log.Info("printer ready again")
			k.setLamp("status", "ready")
		}
		k.printerFault = false
		k.step(flow.PrinterChanged{Working: true})
		k.reprint()
		return
	}
	if o.work.test {
		k.testPrinted(o.err)
		return
	}
	if o.work.slip != nil {
		if o.err != nil {
			k.log.Warn("slip not printed", "err", o.err)
			k.step(flow.SlipFailed{})
			k.fault(o.err)
			return
		}
		k.step(flow.SlipPrinted{})
		return
	}
	t := o.work.ticket
	delete(k.inFlight, t.ID)
	if o.err != nil {
		k.log.Error("ticket not printed; it will be reprinted when the printer is back", "number", t.Number, "id", t.ID, "err", o.err)
		k.step(flow.PrintFailed{ID: t.ID, Problem: o.err.Error()})
		k.fault(o.err)
		return
	}
	if o.work.reprint {
		k.log.Warn("issued ticket reprinted", "number", t.Number, "id", t.ID, "issued", t.Issued.Format(time.DateTime))
	}
	k.step(flow.Printed{ID: t.ID})
}

// fault marks the printer faulty: the lamp and the attract screen say so,
// and it is asked again every few seconds.
func (k *Kiosk) fault(err error) {
	if !k.printerFault {
		k.log.Warn("printer fault", "err", err)
		k.setLamp("status", "fault")
	}
	k.printerFault = true
	k.step(flow.PrinterChanged{Working: false})
	k.recheck.Reset(recheckEvery)
}
