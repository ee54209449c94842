package flow

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Service mode: holding the service button opens the PIN pad; the right PIN
// opens the service menu (self-test, identity, log, network, test print,
// restart). Nothing of a citizen's session survives into it, and it shows
// nothing personal.
const (
	ServicePIN      Screen = "service-pin"
	ServiceMenu     Screen = "service"
	ServiceTest     Screen = "service-test"
	ServiceIdentity Screen = "service-identity"
	ServiceLog      Screen = "service-log"
	ServiceNetwork  Screen = "service-network"
)

// ServiceTimeout returns service mode to the attract screen after this long
// without a touch.
const ServiceTimeout = 2 * time.Minute

// ServiceButton is the button whose long press opens service mode.
const ServiceButton = "service"

// The PIN pad takes 4 to 8 digits.
const (
	PINMin = 4
	PINMax = 8
)

// Corners are the touch targets of the self-test, in the order asked: a
// rotated or mirrored touch panel hits the wrong one.
var Corners = []string{"top-left", "top-right", "bottom-right", "bottom-left"}

// Self-test phases.
const (
	TestBars    = "bars"    // colour bars: are red, green and blue where they say?
	TestCorners = "corners" // touch each corner in turn
	TestLamps   = "lamps"   // the lamps blink and the buzzer sounds: did the technician see and hear it?
	TestRunning = "running" // the devices are being checked
	TestResults = "results"
)

// Service is the state of service mode; nil outside it.
type Service struct {
	PIN      string // the digits typed so far; never logged or recorded
	Checking bool   // a PIN is being checked
	NoPIN    bool   // no PIN hash is provisioned: service mode stays shut
	Left     int    // tries left after a wrong PIN; 0 before any
	Locked   time.Time

	Phase   string   // of the self-test
	Touched []string // corners touched, in order
	Missed  string   // the corner asked for when another was touched,
	Landed  string   // and the one the touch landed on
	Pressed []string // buttons pressed during the self-test
	Lamps   string   // the technician's answer on the lamps and buzzer: "seen" or "not-seen"
	Results []CheckResult

	Lines []string // the identity, log or network page
	QR    string   // the identity page's code

	Print      string // the test ticket: "", "printing", "printed" or "failed"
	Restarting bool
}

// CheckResult is one line of the device self-test on screen.
type CheckResult struct {
	Check, Status, Detail string
}

type (
	// ButtonHeld means a button was held down for its long press.
	ButtonHeld struct{ Name string }
	// ServiceLock says whether a PIN is provisioned and until when the pad
	// is locked (zero: not locked), asked when the PIN pad opens.
	ServiceLock struct {
		Configured bool
		Until      time.Time
	}
	// PINChecked is the verdict on a PIN: right, or the tries left, or locked.
	PINChecked struct {
		OK    bool
		Left  int
		Until time.Time
	}
	// SelfTestDone carries the results of the device checks.
	SelfTestDone struct{ Results []CheckResult }
	// ServiceInfo carries the lines of the identity, log or network page.
	ServiceInfo struct {
		Page  Screen
		Lines []string
		QR    string
	}
	// TestPrinted reports the test ticket; Problem is empty when it printed.
	TestPrinted struct{ Problem string }
)

func (ButtonHeld) event()   {}
func (ServiceLock) event()  {}
func (PINChecked) event()   {}
func (SelfTestDone) event() {}
func (ServiceInfo) event()  {}
func (TestPrinted) event()  {}

type (
	// AskServiceLock asks whether a PIN is provisioned and whether the pad is locked.
	AskServiceLock struct{}
	// CheckPIN checks a PIN against the provisioned hash and counts a wrong one.
	CheckPIN struct{ PIN string }
	// RunSelfTest checks the devices (printer, reader, bus, clock, I2C).
	RunSelfTest struct{}
	// LoadServiceInfo gathers the lines of an information page.
	LoadServiceInfo struct{ Page Screen }
	// PrintTestTicket prints a sample ticket marked as a test.
	PrintTestTicket struct{ Lang string }
	// Restart ends the process so that its service manager starts it again.
	Restart struct{}
	// ServiceOpened means the right PIN opened the menu (for the log).
	ServiceOpened struct{}
)

func (AskServiceLock) effect()  {}
func (CheckPIN) effect()        {}
func (RunSelfTest) effect()     {}
func (LoadServiceInfo) effect() {}
func (PrintTestTicket) effect() {}
func (Restart) effect()         {}
func (ServiceOpened) effect()   {}

// InService reports whether the kiosk is in service mode (PIN pad included).
func (s State) InService() bool { return s.Service != nil }

// infoPages are the menu's information pages.
var infoPages = map[string]Screen{"service-identity": ServiceIdentity, "service-log": ServiceLog, "service-network": ServiceNetwork}

// MenuItems are the service menu's actions, in display order.
var MenuItems = []string{"service-selftest", "service-identity", "service-log", "service-network", "service-print", "service-restart"}

func (s State) serviceActions(cfg *Config) []string {
	var a []string
	v := s.Service
	switch s.Screen {
	case ServicePIN:
		if !v.NoPIN && v.Locked.IsZero() && !v.Checking {
			for d := range 10 {
				a = append(a, "digit:"+strconv.Itoa(d))
			}
			a = append(a, "pin-delete", "pin-ok")
		}
	case ServiceMenu:
		if !v.Restarting {
			a = append(a, MenuItems...)
		}
	case ServiceTest:
		switch v.Phase {
		case TestBars:
			a = append(a, "test-next")
		case TestCorners:
			for _, c := range Corners {
				if !slices.Contains(v.Touched, c) {
					a = append(a, "corner:"+c)
				}
			}
		case TestLamps:
			a = append(a, "lamps-seen", "lamps-not-seen")
		case TestResults:
			a = append(a, "test-again")
		}
		a = append(a, "service-back")
	case ServiceIdentity, ServiceLog, ServiceNetwork:
		a = append(a, "service-back")
	}
	if len(cfg.Languages) > 1 && s.Screen != ServiceTest {
		// The self-test's corners are where the language button would be.
		a = append(a, "lang")
	}
	return append(a, "service-leave")
}

// serviceDeadline is the end of the idle time, or of the lock if sooner.
func (s State) serviceDeadline() time.Time {
	dl := s.LastInput.Add(ServiceTimeout)
	if l := s.Service.Locked; !l.IsZero() && l.Before(dl) {
		return l
	}
	return dl
}

// openService ends whatever session was on screen and opens the PIN pad.
func openService(cfg *Config, s State, now time.Time) (State, []Effect) {
	var fx []Effect
	if s.InSession() {
		s, fx = end(cfg, s, "service", now)
	}
	s.Screen, s.Service, s.LastInput = ServicePIN, &Service{}, now
	return s, append(fx, AskServiceLock{})
}

// serviceStep is Step in service mode.
func serviceStep(cfg *Config, s State, ev Event, now time.Time) (State, []Effect) {
	v := *s.Service
	s.Service = &v
	switch e := ev.(type) {
	case Tick:
		if !v.Locked.IsZero() && !now.Before(v.Locked) {
			v.Locked, v.Left = time.Time{}, 0
		}
		if !now.Before(s.LastInput.Add(ServiceTimeout)) {
			return leaveService(cfg, s, "service-timeout", now)
		}
		return s, nil
	case Tap:
		s.LastInput = now
		if !slices.Contains(s.Actions(cfg), e.ID) {
			return s, nil
		}
		return serviceTap(cfg, s, e.ID, now)
	case Button:
		s.LastInput = now
		if s.Screen == ServiceTest && !slices.Contains(v.Pressed, e.Name) {
			v.Pressed = append(slices.Clone(v.Pressed), e.Name)
		}
		return s, nil
	case ServiceLock:
		if s.Screen == ServicePIN {
			v.NoPIN, v.Locked = !e.Configured, e.Until
		}
		return s, nil
	case PINChecked:
		if s.Screen != ServicePIN || !v.Checking {
			return s, nil
		}
		v.Checking = false
		if e.OK {
			s.Screen, s.Service = ServiceMenu, &Service{}
			return s, []Effect{ServiceOpened{}}
		}
		v.Left, v.Locked = e.Left, e.Until
		return s, []Effect{Beep{"error"}}
	case SelfTestDone:
		if s.Screen == ServiceTest && v.Phase == TestRunning {
			v.Phase, v.Results = TestResults, append(screenChecks(v), e.Results...)
		}
		return s, nil
	case ServiceInfo:
		if s.Screen == e.Page {
			v.Lines, v.QR = e.Lines, e.QR
		}
		return s, nil
	case TestPrinted:
		if v.Print == "printing" {
			v.Print = "printed"
			if e.Problem != "" {
				v.Print = "failed"
			}
		}
		return s, nil
	case CardPresent:
		s.CardOnReader = true
		return s, nil
	case CardRemoved:
		s.CardOnReader = false
		return s, nil
	case PrinterChanged:
		s.PrinterDown = !e.Working
		return s, nil
	case BusChanged:
		s.Offline = !e.Online
		return s, nil
	case ReaderChanged:
		s.ReaderDown = !e.Available
		return s, []Effect{SetLamp{Lamp: "status", Pattern: map[bool]string{true: "ready", false: "attention"}[e.Available]}}
	}
	// Cards read, tickets and guide calls belong to citizens' sessions.
	return s, nil
}

func serviceTap(cfg *Config, s State, id string, now time.Time) (State, []Effect) {
	v := s.Service
	switch {
	case id == "service-leave":
		return leaveService(cfg, s, "service-left", now)
	case id == "lang":
		s.Lang = nextLang(cfg.Languages, s.Lang)
		return s, nil
	case id == "service-back":
		s.Screen, s.Service = ServiceMenu, &Service{}
		return s, nil
	case strings.HasPrefix(id, "digit:"):
		if len(v.PIN) < PINMax {
			v.PIN += strings.TrimPrefix(id, "digit:")
		}
		return s, nil
	case id == "pin-delete":
		v.PIN = v.PIN[:max(len(v.PIN)-1, 0)]
		return s, nil
	case id == "pin-ok":
		if len(v.PIN) < PINMin {
			return s, []Effect{Beep{"error"}}
		}
		// The PIN leaves the state as it goes to be checked.
		pin := v.PIN
		v.PIN, v.Checking = "", true
		return s, []Effect{CheckPIN{PIN: pin}}
	case id == "service-selftest", id == "test-again":
		s.Screen, s.Service = ServiceTest, &Service{Phase: TestBars}
		return s, nil
	case id == "test-next":
		v.Phase = TestCorners
		return s, nil
	case strings.HasPrefix(id, "corner:"):
		c := strings.TrimPrefix(id, "corner:")
		if c != v.NextCorner() {
			v.Missed, v.Landed = v.NextCorner(), c
			return s, []Effect{Beep{"error"}}
		}
		v.Touched, v.Missed, v.Landed = append(slices.Clone(v.Touched), c), "", ""
		if len(v.Touched) < len(Corners) {
			return s, []Effect{Beep{"click"}}
		}
		// Every lamp blinks and the buzzer sounds until the technician says
		// whether they saw and heard it: no machine can tell a dead bulb.
		v.Phase = TestLamps
		return s, []Effect{SetLamp{Lamp: "status", Pattern: "attention"}, SetLamp{Lamp: "help", Pattern: "attention"}, Beep{"attention"}}
	case id == "lamps-seen", id == "lamps-not-seen":
		if v.Phase != TestLamps {
			return s, nil
		}
		v.Lamps, v.Phase = strings.TrimPrefix(id, "lamps-"), TestRunning
		status := "ready"
		if s.ReaderDown || s.PrinterDown {
			status = "attention"
		}
		return s, []Effect{SetLamp{Lamp: "status", Pattern: status}, SetLamp{Lamp: "help", Pattern: "off"}, RunSelfTest{}}
	case infoPages[id] != "":
		s.Screen, s.Service = infoPages[id], &Service{}
		return s, []Effect{LoadServiceInfo{Page: infoPages[id]}}
	case id == "service-print":
		if v.Print == "printing" {
			return s, nil
		}
		v.Print = "printing"
		return s, []Effect{PrintTestTicket{Lang: s.Lang}}
	case id == "service-restart":
		v.Restarting = true
		return s, []Effect{Restart{}}
	}
	return s, nil
}

// NextCorner is the corner the self-test asks for now ("" when all are touched).
func (v Service) NextCorner() string {
	if len(v.Touched) < len(Corners) {
		return Corners[len(v.Touched)]
	}
	return ""
}

// leaveService returns to a fresh attract screen.
func leaveService(cfg *Config, s State, reason string, now time.Time) (State, []Effect) {
	n := New(cfg, now)
	n.CardOnReader, n.ReaderDown, n.Offline, n.PrinterDown = s.CardOnReader, s.ReaderDown, s.Offline, s.PrinterDown
	return n, []Effect{EndSession{Reason: reason}}
}

// screenChecks are the self-test's lines for what the flow itself saw: the
// corners touched in order, and the buttons pressed meanwhile.
func screenChecks(v Service) []CheckResult {
	pressed := CheckResult{Check: "buttons", Status: "skip", Detail: "none pressed during the test"}
	if len(v.Pressed) > 0 {
		pressed = CheckResult{Check: "buttons", Status: "pass", Detail: "pressed: " + strings.Join(v.Pressed, ", ")}
	}
	lamps := CheckResult{Check: "lamps", Status: "pass", Detail: "the lamps blinked and the buzzer sounded (confirmed on screen)"}
	if v.Lamps != "seen" {
		lamps = CheckResult{Check: "lamps", Status: "fail", Detail: "the technician did not see the lamps blink or hear the buzzer"}
	}
	return []CheckResult{
		{Check: "display", Status: "pass", Detail: "colour bars shown, the 4 corners touched in order"},
		pressed,
		lamps,
	}
}
