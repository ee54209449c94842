package kiosk

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/selftest"
	"onetrip/firmware/servicepin"
	"onetrip/hal/escpos"
)

// PINs checks service PINs and keeps the lockout (servicepin.Store).
type PINs interface {
	Configured() bool
	Locked() (time.Time, error)
	Check(pin string) (servicepin.Verdict, error)
}

// Service is what service mode needs besides the kiosk's own devices.
type Service struct {
	PINs     PINs
	Identity selftest.Identity
	// SelfTest checks the devices without a technician; printer is the
	// kiosk's printer as its worker shares it.
	SelfTest func(ctx context.Context, printer selftest.Printer) selftest.Report
	// Log returns the recent log lines.
	Log func() []string
	// Restart ends the process cleanly for its service manager to start
	// it again.
	Restart func()
}

// serviceEffect carries out a service-mode effect; it reports whether f
// was one.
func (k *Kiosk) serviceEffect(f flow.Effect) (flow.Event, bool) {
	sv := k.service
	switch f := f.(type) {
	case flow.AskServiceLock:
		if sv == nil || sv.PINs == nil || !sv.PINs.Configured() {
			k.log.Warn("service mode asked for, but no service PIN is configured")
			return flow.ServiceLock{Configured: false}, true
		}
		until, err := sv.PINs.Locked()
		if err != nil {
			k.log.Error("service PIN lockout not read; the pad stays locked", "err", err)
			until = k.now().Add(servicepin.FirstLock)
		}
		return flow.ServiceLock{Configured: true, Until: until}, true
	case flow.CheckPIN:
		if sv == nil || sv.PINs == nil {
			return flow.ServiceLock{Configured: false}, true
		}
		// bcrypt takes a while on purpose: off the kiosk's goroutine.
		go func() {
			v, err := sv.PINs.Check(f.PIN)
			switch {
			case err != nil:
				k.log.Error("service PIN not checked", "err", err)
			case v.OK:
				k.log.Info("service PIN accepted")
			case v.Locked:
				k.log.Warn("service PIN pad locked after wrong PINs", "until", v.Until.Format(time.DateTime))
			default:
				k.log.Warn("wrong service PIN", "tries_left", v.Left)
			}
			k.events <- flow.PINChecked{OK: v.OK, Left: v.Left, Until: v.Until}
		}()
	case flow.ServiceOpened:
		k.log.Info("service mode opened")
	case flow.RunSelfTest:
		if sv == nil || sv.SelfTest == nil {
			return flow.SelfTestDone{}, true
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			r := sv.SelfTest(ctx, workerPrinter{k})
			k.log.Info("service self-test", "passed", r.Passed(), "checks", len(r.Results), "took", r.Duration.Round(time.Millisecond))
			var out []flow.CheckResult
			for _, res := range r.Results {
				detail := res.Detail
				if res.Simulated {
					detail += " (simulated)"
				}
				out = append(out, flow.CheckResult{Check: res.Check, Status: string(res.Status), Detail: detail})
			}
			k.events <- flow.SelfTestDone{Results: out}
		}()
	case flow.LoadServiceInfo:
		return k.serviceInfo(f.Page), true
	case flow.PrintTestTicket:
		job, err := k.tickets.Encode(k.testTicket(), f.Lang, false)
		if err != nil {
			k.log.Error("test ticket not composed", "err", err)
			return flow.TestPrinted{Problem: err.Error()}, true
		}
		k.work <- printWork{slip: job, test: true}
	case flow.Restart:
		k.log.Warn("restart asked for in service mode")
		if sv != nil && sv.Restart != nil {
			go sv.Restart()
		}
	default:
		return nil, false
	}
	return nil, true
}

// testTicket is the sample ticket service mode prints: the hall's first
// matter, numbered T000 so nobody mistakes it for a real one.
func (k *Kiosk) testTicket() flow.Ticket {
	m := k.cfg.Hall.Matters[0]
	return flow.Ticket{Number: "T000", Matter: m.ID, Issued: k.now(), Token: "service-test"}
}

// serviceInfo gathers an information page: nothing on it is personal.
func (k *Kiosk) serviceInfo(page flow.Screen) flow.ServiceInfo {
	info := flow.ServiceInfo{Page: page, Lines: []string{}}
	sv := k.service
	switch page {
	case flow.ServiceIdentity:
		if sv != nil {
			id := sv.Identity
			info.Lines = []string{"board " + id.Board, "terminal " + id.Terminal, "firmware " + id.Version + " (" + shortCommit(id.Commit) + ")",
				"hall " + id.Hall, "serial " + id.Serial}
			info.QR = id.Payload()
		}
	case flow.ServiceLog:
		if sv != nil && sv.Log != nil {
			info.Lines = sv.Log()
		}
	case flow.ServiceNetwork:
		info.Lines = append(interfaceLines(), k.busLine(), k.deviceLine())
	}
	return info
}

// busLine says how the kiosk stands with the hall bus.
func (k *Kiosk) busLine() string {
	switch {
	case !k.cfg.OnBus:
		return "hall bus: standalone (no --bus)"
	case k.state.Offline:
		return "hall bus: offline, issuing from leased numbers"
	}
	return "hall bus: online"
}

// deviceLine says what the kiosk knows of its reader and printer.
func (k *Kiosk) deviceLine() string {
	state := map[bool]string{false: "ready", true: "not working"}
	return fmt.Sprintf("ID-card reader: %s; printer: %s", state[k.state.ReaderDown], state[k.state.PrinterDown])
}

// interfaceLines lists the network interfaces, up or down, with their
// addresses.
func interfaceLines() []string {
	ifs, err := net.Interfaces()
	if err != nil {
		return []string{"network interfaces: " + err.Error()}
	}
	var out []string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		up := "down"
		if ifc.Flags&net.FlagUp != 0 {
			up = "up"
		}
		var addrs []string
		if as, err := ifc.Addrs(); err == nil {
			for _, a := range as {
				addrs = append(addrs, a.String())
			}
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s", ifc.Name, up, strings.Join(addrs, " "))))
	}
	if len(out) == 0 {
		out = append(out, "no network interface besides loopback")
	}
	return out
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// testPrinted reports the test ticket to the flow.
func (k *Kiosk) testPrinted(err error) {
	if err != nil {
		k.log.Warn("test ticket not printed", "err", err)
		k.step(flow.TestPrinted{Problem: err.Error()})
		k.fault(err)
		return
	}
	k.log.Info("test ticket printed")
	k.step(flow.TestPrinted{})
}

// workerPrinter is the printer as the self-test sees it: every question
// goes through the kiosk's one printer worker.
type workerPrinter struct{ k *Kiosk }

func (p workerPrinter) Status(ctx context.Context) (escpos.Status, error) {
	reply := make(chan statusReply, 1)
	select {
	case p.k.work <- printWork{asked: reply}:
	case <-ctx.Done():
		return escpos.Status{}, ctx.Err()
	}
	select {
	case r := <-reply:
		return r.st, r.err
	case <-ctx.Done():
		return escpos.Status{}, ctx.Err()
	}
}

// statusReply is the worker's answer to a self-test's status question.
type statusReply struct {
	st  escpos.Status
	err error
}
