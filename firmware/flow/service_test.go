package flow

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// pin types the digits of pin on the pad.
func pin(digits string) []Event {
	var evs []Event
	for _, d := range digits {
		evs = append(evs, Tap{"digit:" + string(d)})
	}
	return evs
}

func openPad(t *testing.T, cfg *Config, s State) State {
	t.Helper()
	s, fx, _ := run(cfg, s, ButtonHeld{ServiceButton})
	if s.Screen != ServicePIN {
		t.Fatalf("holding the service button shows %s, want the PIN pad", s.Screen)
	}
	if _, ok := has[AskServiceLock](fx); !ok {
		t.Fatal("the PIN pad opened without asking whether it is locked")
	}
	s, _, _ = run(cfg, s, ServiceLock{Configured: true})
	return s
}

func TestHoldServiceThenPINOpensTheMenu(t *testing.T) {
	cfg := config(t)
	s := openPad(t, cfg, New(cfg, t0))
	s, fx, _ := run(cfg, s, append(pin("2468"), Tap{"pin-ok"})...)
	check, ok := has[CheckPIN](fx)
	if !ok || check.PIN != "2468" {
		t.Fatalf("pin-ok: effects %v, want the PIN checked", fx)
	}
	if s.Service.PIN != "" || !s.Service.Checking || slices.Contains(s.Actions(cfg), "digit:1") {
		t.Fatalf("while checking: %+v, want the PIN gone from the state and the pad shut", *s.Service)
	}
	s, fx, _ = run(cfg, s, PINChecked{OK: true})
	if s.Screen != ServiceMenu {
		t.Fatalf("right PIN: screen %s, want the menu", s.Screen)
	}
	if _, ok := has[ServiceOpened](fx); !ok {
		t.Error("opening service mode is not logged")
	}
	for _, id := range MenuItems {
		if !slices.Contains(s.Actions(cfg), id) {
			t.Errorf("the menu lacks %s", id)
		}
	}
}

func TestAShortPressOfServiceDoesNothing(t *testing.T) {
	cfg := config(t)
	s, fx, _ := run(cfg, New(cfg, t0), Button{ServiceButton})
	if s.Screen != Attract || len(fx) != 0 {
		t.Fatalf("a short press: %s %v", s.Screen, fx)
	}
	s, _, _ = run(cfg, s, ButtonHeld{"help"})
	if s.InService() {
		t.Fatal("holding the help button opened service mode")
	}
}

func TestHoldingServiceMidSessionWipesTheCitizen(t *testing.T) {
	cfg := config(t)
	s, _, _ := run(cfg, New(cfg, t0), CardRead{citizen}, Tap{"continue"})
	s, fx, _ := run(cfg, s, ButtonHeld{ServiceButton})
	if _, ok := has[EndSession](fx); !ok || s.Holder != nil || s.Matter != "" {
		t.Fatalf("service mode opened over a session: %+v, %v", s, fx)
	}
	// A card put down meanwhile is not read into service mode.
	s, fx, _ = run(cfg, s, CardPresent{}, CardRead{citizen})
	if s.Holder != nil || s.Screen != ServicePIN || len(fx) != 0 {
		t.Fatalf("a card in service mode: %+v %v", s, fx)
	}
}

func TestFiveWrongPINsLockThePadUntilTheLockEnds(t *testing.T) {
	cfg := config(t)
	s := openPad(t, cfg, New(cfg, t0))
	var now time.Time
	for left := 4; left >= 1; left-- {
		s, _, _ = run(cfg, s, append(pin("1111"), Tap{"pin-ok"}, PINChecked{Left: left})...)
		if s.Service.Left != left || !slices.Contains(s.Actions(cfg), "digit:0") {
			t.Fatalf("wrong PIN: %+v, want %d tries left and the pad open", *s.Service, left)
		}
	}
	until := s.LastInput.Add(5 * time.Minute)
	s, _, now = run(cfg, s, append(pin("1111"), Tap{"pin-ok"}, PINChecked{Until: until})...)
	if !s.Service.Locked.Equal(until) || slices.Contains(s.Actions(cfg), "digit:0") || slices.Contains(s.Actions(cfg), "pin-ok") {
		t.Fatalf("locked: %+v actions %v, want no digits", *s.Service, s.Actions(cfg))
	}
	// Typing on a locked pad does nothing.
	s, fx, _ := run(cfg, s, pin("2468")...)
	if s.Service.PIN != "" || len(fx) != 0 {
		t.Fatalf("typing on a locked pad: %+v %v", *s.Service, fx)
	}
	// Reopening the pad during the lock shows it at once (the kiosk asks the store).
	s, _, _ = run(cfg, New(cfg, now), ButtonHeld{ServiceButton}, ServiceLock{Configured: true, Until: until})
	if !s.Service.Locked.Equal(until) {
		t.Fatalf("reopened pad: %+v, want locked until %v", *s.Service, until)
	}
	// Left alone the locked pad goes back to the attract screen.
	s, _ = Step(cfg, s, Tick{}, s.Deadline(cfg))
	if s.InService() {
		t.Fatal("a locked pad stayed open")
	}
	// A lock ending before the idle time does is the pad's deadline: then it opens again.
	soon := now.Add(time.Minute)
	s, _, _ = run(cfg, New(cfg, now), ButtonHeld{ServiceButton}, ServiceLock{Configured: true, Until: soon})
	if dl := s.Deadline(cfg); !dl.Equal(soon) {
		t.Fatalf("deadline %v, want the lock's end %v", dl, soon)
	}
	s, _ = Step(cfg, s, Tick{}, soon)
	if !s.InService() || !s.Service.Locked.IsZero() || !slices.Contains(s.Actions(cfg), "digit:0") {
		t.Fatalf("after the lock: %+v", *s.Service)
	}
}

func TestWithoutAPINServiceModeStaysShut(t *testing.T) {
	cfg := config(t)
	s, _, _ := run(cfg, New(cfg, t0), ButtonHeld{ServiceButton}, ServiceLock{Configured: false})
	if !s.Service.NoPIN || slices.Contains(s.Actions(cfg), "pin-ok") {
		t.Fatalf("no PIN: %+v %v", *s.Service, s.Actions(cfg))
	}
	s, _, _ = run(cfg, s, Tap{"service-leave"})
	if s.Screen != Attract || s.InService() {
		t.Fatalf("leave: %s", s.Screen)
	}
}

func menu(t *testing.T, cfg *Config) State {
	t.Helper()
	s := openPad(t, cfg, New(cfg, t0))
	s, _, _ = run(cfg, s, append(pin("2468"), Tap{"pin-ok"}, PINChecked{OK: true})...)
	return s
}

func TestSelfTestChecksCornersInOrderThenTheDevices(t *testing.T) {
	cfg := config(t)
	s, _, _ := run(cfg, menu(t, cfg), Tap{"service-selftest"})
	if s.Screen != ServiceTest || s.Service.Phase != TestBars {
		t.Fatalf("self-test starts on %s/%s, want the colour bars", s.Screen, s.Service.Phase)
	}
	s, _, _ = run(cfg, s, Tap{"test-next"}, Button{"help"})
	// A panel turned half round puts the first touch in the opposite corner.
	s, fx, _ := run(cfg, s, Tap{"corner:bottom-right"})
	if s.Service.Missed != "top-left" || s.Service.Landed != "bottom-right" || len(s.Service.Touched) != 0 {
		t.Fatalf("wrong corner: %+v", *s.Service)
	}
	if _, ok := has[RunSelfTest](fx); ok {
		t.Fatal("devices checked after a wrong corner")
	}
	for _, c := range Corners {
		s, fx, _ = run(cfg, s, Tap{"corner:" + c})
		if _, ok := has[RunSelfTest](fx); ok {
			t.Fatalf("after corner %s: devices checked before the lamps", c)
		}
	}
	// Then every lamp blinks and the buzzer sounds, for the technician to confirm.
	if s.Service.Phase != TestLamps || s.Service.Missed != "" {
		t.Fatalf("after the corners: %+v", *s.Service)
	}
	lamps := map[string]string{}
	for _, e := range fx {
		if l, ok := e.(SetLamp); ok {
			lamps[l.Lamp] = l.Pattern
		}
	}
	if b, ok := has[Beep](fx); !ok || b.Pattern != "attention" || lamps["status"] != "attention" || lamps["help"] != "attention" {
		t.Fatalf("the lamps test drives %v and the buzzer %v", lamps, fx)
	}
	s, fx, _ = run(cfg, s, Tap{"lamps-seen"})
	if _, ok := has[RunSelfTest](fx); !ok || s.Service.Phase != TestRunning {
		t.Fatalf("after the lamps: %+v, %v", *s.Service, fx)
	}
	s, _, _ = run(cfg, s, SelfTestDone{Results: []CheckResult{{"printer", "fail", "paper out"}}})
	var lines []string
	for _, r := range s.Service.Results {
		lines = append(lines, r.Check+":"+r.Status+":"+r.Detail)
	}
	got := strings.Join(lines, "|")
	for _, want := range []string{"display:pass:", "buttons:pass:pressed: help", "lamps:pass:", "printer:fail:paper out"} {
		if !strings.Contains(got, want) {
			t.Errorf("results %s lack %s", got, want)
		}
	}
}

func TestButtonsInServiceModeCallNoGuide(t *testing.T) {
	cfg := config(t)
	s, fx, _ := run(cfg, menu(t, cfg), Button{"help"})
	if _, ok := has[CallGuide](fx); ok || s.GuideCalled {
		t.Fatal("the help button in service mode called a guide")
	}
}

func TestServicePagesPrintRestartAndTimeout(t *testing.T) {
	cfg := config(t)
	s, fx, _ := run(cfg, menu(t, cfg), Tap{"service-log"})
	if l, ok := has[LoadServiceInfo](fx); !ok || l.Page != ServiceLog || s.Screen != ServiceLog {
		t.Fatalf("log page: %s %v", s.Screen, fx)
	}
	s, _, _ = run(cfg, s, ServiceInfo{Page: ServiceNetwork, Lines: []string{"stale"}}, ServiceInfo{Page: ServiceLog, Lines: []string{"a", "b"}})
	if !slices.Equal(s.Service.Lines, []string{"a", "b"}) {
		t.Fatalf("log lines %v", s.Service.Lines)
	}
	s, _, _ = run(cfg, s, Tap{"service-back"})
	s, fx, _ = run(cfg, s, Tap{"service-print"})
	if _, ok := has[PrintTestTicket](fx); !ok || s.Service.Print != "printing" {
		t.Fatalf("test print: %v %+v", fx, *s.Service)
	}
	s, _, _ = run(cfg, s, TestPrinted{Problem: "paper out"})
	if s.Service.Print != "failed" {
		t.Fatalf("failed test print shows %q", s.Service.Print)
	}
	s, fx, now := run(cfg, s, Tap{"service-restart"})
	if _, ok := has[Restart](fx); !ok || !s.Service.Restarting {
		t.Fatalf("restart: %v", fx)
	}
	// Left alone, service mode goes back to the attract screen.
	s, fx = Step(cfg, s, Tick{}, now.Add(ServiceTimeout))
	if _, ok := has[EndSession](fx); !ok || s.Screen != Attract || s.InService() {
		t.Fatalf("idle service mode: %s %v", s.Screen, fx)
	}
}

func TestServiceModeKeepsDeviceStates(t *testing.T) {
	cfg := config(t)
	s, _, _ := run(cfg, menu(t, cfg), PrinterChanged{false}, BusChanged{false}, ReaderChanged{false})
	s, _, _ = run(cfg, s, Tap{"service-leave"})
	if !s.PrinterDown || !s.Offline || !s.ReaderDown {
		t.Fatalf("device states lost in service mode: %+v", s)
	}
}

// Random walks through service mode: every service screen has a way out and
// a deadline, and leaving it keeps nothing of it.
func TestRandomServiceWalks(t *testing.T) {
	cfg := config(t)
	evs := []Event{Tick{}, ButtonHeld{ServiceButton}, Button{"help"}, CardRead{citizen}, CardPresent{},
		ServiceLock{Configured: true}, ServiceLock{Configured: true, Until: t0.Add(time.Minute)}, ServiceLock{},
		PINChecked{OK: true}, PINChecked{Left: 2}, PINChecked{Until: t0.Add(time.Minute)},
		SelfTestDone{Results: []CheckResult{{"printer", "pass", "ready"}}}, ServiceInfo{Page: ServiceLog, Lines: []string{"x"}},
		TestPrinted{}, TestPrinted{Problem: "paper out"}, PrinterChanged{false}}
	ids := append([]string{"pin-ok", "pin-delete", "test-next", "lamps-seen", "lamps-not-seen", "test-again", "service-back", "service-leave", "lang", "start"}, MenuItems...)
	for d := range 10 {
		ids = append(ids, "digit:"+string(rune('0'+d)))
	}
	for _, c := range Corners {
		ids = append(ids, "corner:"+c)
	}
	for _, id := range ids {
		evs = append(evs, Tap{id})
	}
	for seed := uint64(0); seed < 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 2))
		s, now := New(cfg, t0), t0
		for i := 0; i < 300; i++ {
			e := evs[r.IntN(len(evs))]
			if dl := s.Deadline(cfg); !dl.IsZero() && r.IntN(4) == 0 {
				now = dl
			}
			now = now.Add(time.Duration(r.IntN(2000)) * time.Millisecond)
			var fx []Effect
			s, fx = Step(cfg, s, e, now)
			if s.Holder != nil && s.InService() {
				t.Fatalf("seed %d step %d: a holder in service mode", seed, i)
			}
			if s.InService() {
				if !slices.Contains(s.Actions(cfg), "service-leave") || s.Deadline(cfg).IsZero() {
					t.Fatalf("seed %d step %d: %s has no way out or no deadline", seed, i, s.Screen)
				}
				if len(s.Service.PIN) > PINMax {
					t.Fatalf("seed %d step %d: PIN of %d digits", seed, i, len(s.Service.PIN))
				}
			}
			if _, ok := has[EndSession](fx); ok && s.InService() && s.Screen != ServicePIN {
				t.Fatalf("seed %d step %d: a session ended into service mode without the pad", seed, i)
			}
		}
	}
}
