package kiosk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/flow"
	"onetrip/firmware/selftest"
	"onetrip/firmware/servicepin"
	"onetrip/hal/escpos"
)

// withService gives the rig service mode with PIN 2468 and its lockout
// file in dir.
func withService(t *testing.T, dir string) func(*Options) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("2468"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) {
		pins, err := servicepin.Open(filepath.Join(dir, "service-pin.db"), string(hash), o.Now)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pins.Close() })
		o.Service = &Service{
			PINs:     pins,
			Identity: selftest.Identity{Board: "sim", Terminal: "kiosk-1", Version: "v1", Commit: "abc", Hall: "hz-sc", Serial: "sim"},
			SelfTest: func(ctx context.Context, p selftest.Printer) selftest.Report {
				return selftest.Run(ctx, selftest.Devices{Printer: p, Clock: o.Now}, nil, selftest.Options{})
			},
			Log: func() []string { return []string{"10:15:30 INFO  kiosk starting"} },
		}
	}
}

func (r *rig) typePIN(pin string) {
	r.t.Helper()
	for _, d := range pin {
		r.tap("digit:" + string(d))
	}
	r.waitFor("the digits", func(s flow.State) bool { return s.InService() && len(s.Service.PIN) == len(pin) })
	r.tap("pin-ok")
}

func (r *rig) openMenu() {
	r.t.Helper()
	r.k.Event(flow.ButtonHeld{Name: flow.ServiceButton})
	r.waitFor("the PIN pad", func(s flow.State) bool { return s.Screen == flow.ServicePIN && !s.Service.NoPIN })
	r.typePIN("2468")
	r.onScreen(flow.ServiceMenu)
}

func TestServiceModeSelfTestAndTestTicket(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, dir, withService(t, dir))
	r.onScreen(flow.Attract)
	r.openMenu()
	if !strings.Contains(r.log.String(), "service mode opened") || strings.Contains(r.log.String(), "2468") {
		t.Fatalf("log:\n%s", r.log.String())
	}

	r.tap("service-print")
	r.waitFor("the test ticket", func(s flow.State) bool { return s.Service.Print == "printed" })
	jobs := r.printer.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want the test ticket", len(jobs))
	}
	raw, err := os.ReadFile(jobs[0].EscposPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := escpos.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Text(), "T000") {
		t.Fatalf("test ticket reads %q, want number T000", doc.Text())
	}

	// The self-test asks the printer through the worker: out of paper, it says so.
	r.printer.SetPaperOut(true)
	r.tap("service-selftest")
	r.waitFor("the colour bars", func(s flow.State) bool { return s.Screen == flow.ServiceTest })
	r.tap("test-next")
	for i, c := range flow.Corners {
		r.waitFor("corner "+c, func(s flow.State) bool { return s.Service.Phase == flow.TestCorners && len(s.Service.Touched) == i })
		r.tap("corner:" + c)
	}
	r.waitFor("the lamps", func(s flow.State) bool { return s.Service.Phase == flow.TestLamps })
	r.tap("lamps-seen")
	s := r.waitFor("the results", func(s flow.State) bool { return s.Service.Phase == flow.TestResults })
	var printer *flow.CheckResult
	for i, res := range s.Service.Results {
		if res.Check == "printer" {
			printer = &s.Service.Results[i]
		}
	}
	if printer == nil || printer.Status != "fail" || !strings.Contains(printer.Detail, "paper out") {
		t.Fatalf("self-test results %+v, want the printer failing with paper out", s.Service.Results)
	}

	r.tap("service-back")
	r.onScreen(flow.ServiceMenu)
	r.tap("service-identity")
	s = r.waitFor("the identity", func(s flow.State) bool { return s.Screen == flow.ServiceIdentity && s.Service.QR != "" })
	if !strings.Contains(s.Service.QR, `"terminal":"kiosk-1"`) {
		t.Fatalf("identity QR %q", s.Service.QR)
	}
	r.tap("service-leave")
	r.onScreen(flow.Attract)
}

func TestTheLockSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, dir, withService(t, dir))
	r.k.Event(flow.ButtonHeld{Name: flow.ServiceButton})
	r.waitFor("the PIN pad", func(s flow.State) bool { return s.Screen == flow.ServicePIN && !s.Service.NoPIN })
	for i := range servicepin.Tries - 1 {
		r.typePIN("1357")
		r.waitFor("the verdict", func(s flow.State) bool { return !s.Service.Checking && s.Service.Left == servicepin.Tries-1-i })
	}
	r.typePIN("1357")
	s := r.waitFor("the lock", func(s flow.State) bool { return !s.Service.Locked.IsZero() })
	until := s.Service.Locked
	r.stop()

	r = newRig(t, dir, withService(t, dir))
	r.k.Event(flow.ButtonHeld{Name: flow.ServiceButton})
	s = r.waitFor("the PIN pad", func(s flow.State) bool { return s.Screen == flow.ServicePIN && !s.Service.Locked.IsZero() })
	if !s.Service.Locked.Equal(until) {
		t.Fatalf("after a restart: locked until %v, want %v", s.Service.Locked, until)
	}
	if r.shows("digit:2") {
		t.Fatal("the locked pad shows its digits after a restart")
	}
	// Left alone the pad goes back to attract; once the lock has ended it opens.
	r.clock.Advance(until.Sub(r.clock.Now()) + time.Second)
	r.k.Event(flow.Tick{})
	r.onScreen(flow.Attract)
	r.k.Event(flow.ButtonHeld{Name: flow.ServiceButton})
	r.waitFor("the unlocked pad", func(s flow.State) bool { return s.Screen == flow.ServicePIN && s.Service.Locked.IsZero() })
	r.typePIN("2468")
	r.onScreen(flow.ServiceMenu)
}

func TestWithoutServiceThePadSaysNoPIN(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.k.Event(flow.ButtonHeld{Name: flow.ServiceButton})
	r.waitFor("no PIN", func(s flow.State) bool { return s.Screen == flow.ServicePIN && s.Service.NoPIN })
	if r.shows("pin-ok") {
		t.Fatal("the pad offers OK without a PIN configured")
	}
}

// shows reports whether the widget id is on screen.
func (r *rig) shows(id string) (ok bool) {
	r.k.Do(context.Background(), func() { _, ok = r.k.Layout().Widget(id) })
	return ok
}
