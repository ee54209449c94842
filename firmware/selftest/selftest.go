// Package selftest checks every device of a board, one check after the
// other, and reports each with its result, what was seen and how long it
// took. What a machine cannot see for itself (a lamp lit, a beep heard, a
// button pressed) it asks of a Technician; on the simulated board the twins
// answer, and the report says so.
package selftest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"onetrip/hal/escpos"
	"onetrip/hal/idcard"
)

// Status is how one check ended.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip" // nothing to check here (standalone: no bus), not a fault
)

// Result is one check's outcome.
type Result struct {
	Check     string
	Status    Status
	Detail    string // what was seen, or what was not confirmed
	Simulated bool   // a simulated twin answered, not the real device
	Duration  time.Duration
}

// Lamp and Buzzer are the indicator devices.
type (
	Lamp   interface{ Set(pattern string) error }
	Buzzer interface{ Beep(pattern string) error }
)

// Printer is the printer as far as the checks ask it.
type Printer interface {
	Status(ctx context.Context) (escpos.Status, error)
}

// Reader is the ID-card reader as the board has it.
type Reader struct {
	Driver       string        // "ga467", "pn532", "sim"
	Where        string        // the port or bus, for the report
	Cards        idcard.Reader // nil: the reader did not answer at start
	Problem      error         // why Cards is nil
	SAMID        string        // the GA 467 module's management number
	PresenceOnly bool          // a PN532 senses the card and reads nothing
}

// Probe is one I2C device: Probe reads it and says what it read.
type Probe struct {
	Name  string // "hat-eeprom at 0x50 on /dev/i2c-0"
	Probe func() (string, error)
}

// Display is the board's panel.
type Display struct{ Width, Height, Rotation int }

// Devices are what the checks use; a nil field is a device the board does
// not have.
type Devices struct {
	Simulated bool
	Buttons   []string      // in the board's order
	Presses   <-chan string // every button press, by button name
	LampNames []string      // in the board's order
	Lamps     map[string]Lamp
	Buzzer    Buzzer
	Reader    *Reader
	Printer   Printer
	// PrintSlip prints the test slip; nil: no slip is printed.
	PrintSlip func(ctx context.Context) error
	I2C       []Probe
	// Bus says how the hall bus answers; nil: a standalone kiosk.
	Bus     func(ctx context.Context) (string, error)
	Display Display
	// Clock is the wall clock; Synced says whether the kernel's clock is
	// disciplined (NTP); nil: unknown.
	Clock  func() time.Time
	Synced func() (bool, error)
}

// Prompt is one thing asked of the technician.
type Prompt struct {
	Step  string // "press:help", "lamp:status", "buzzer", "card"
	Text  string // what the technician reads
	YesNo bool   // a question to answer; otherwise an action the device will notice
	// Pattern is what the lamp or buzzer asked about was told to show.
	Pattern string
}

// Technician answers what a machine cannot see by itself. For a question,
// Ask returns the answer (ctx ending: no answer); for an action it returns
// once the technician has been told.
type Technician interface {
	Ask(ctx context.Context, p Prompt) (bool, error)
}

// Options tune a run.
type Options struct {
	// StepTimeout bounds each step a person must do; 30 s if zero.
	StepTimeout time.Duration
	// Earliest is the earliest plausible wall-clock time (the firmware's
	// build time): a clock before it has lost its time.
	Earliest time.Time
}

// Run checks every device of d, in a fixed order: clock, display, buttons,
// lamps, buzzer, ID-card reader, printer, I2C, hall bus. With a nil
// technician the checks that need a person are left out.
func Run(ctx context.Context, d Devices, tech Technician, o Options) Report {
	if o.StepTimeout == 0 {
		o.StepTimeout = 30 * time.Second
	}
	r := run{d: d, tech: tech, o: o}
	start := time.Now()
	r.clock()
	if tech != nil {
		r.display()
		r.buttons(ctx)
		r.lamps(ctx)
	}
	r.reader(ctx)
	r.printer(ctx)
	for _, p := range d.I2C {
		r.timed("i2c "+p.Name, func() (Status, string) {
			s, err := p.Probe()
			if err != nil {
				return Fail, err.Error()
			}
			return Pass, s
		})
	}
	r.bus(ctx)
	return Report{Results: r.results, Duration: time.Since(start)}
}

type run struct {
	d       Devices
	tech    Technician
	o       Options
	results []Result
}

// timed runs one check and records its result.
func (r *run) timed(name string, f func() (Status, string)) {
	start := time.Now()
	st, detail := f()
	r.results = append(r.results, Result{Check: name, Status: st, Detail: detail, Duration: time.Since(start)})
}

// simulated marks the last result as answered by a twin on the sim board.
func (r *run) simulated() {
	if r.d.Simulated {
		r.results[len(r.results)-1].Simulated = true
	}
}

// ask asks p within the step timeout; an unanswered or refused question
// fails with what was not confirmed.
func (r *run) ask(ctx context.Context, p Prompt) (Status, string) {
	ctx, cancel := context.WithTimeout(ctx, r.o.StepTimeout)
	defer cancel()
	yes, err := r.tech.Ask(ctx, p)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Fail, fmt.Sprintf("not confirmed within %v: %s", r.o.StepTimeout, p.Text)
	case err != nil:
		return Fail, fmt.Sprintf("%s: %v", p.Text, err)
	case !yes:
		return Fail, "answered no: " + p.Text
	}
	return Pass, "confirmed: " + p.Text
}

func (r *run) clock() {
	if r.d.Clock == nil {
		return
	}
	r.timed("clock", func() (Status, string) {
		now := r.d.Clock()
		detail := now.Format("2006-01-02 15:04:05 MST")
		if !r.o.Earliest.IsZero() && now.Before(r.o.Earliest) {
			return Fail, fmt.Sprintf("%s is before this firmware was built (%s): the clock has lost its time", detail, r.o.Earliest.Format("2006-01-02"))
		}
		if r.d.Synced != nil {
			switch ok, err := r.d.Synced(); {
			case err != nil:
				detail += ", synchronisation unknown: " + err.Error()
			case ok:
				detail += ", synchronised (NTP)"
			default:
				detail += ", not synchronised: check the network time server"
			}
		}
		return Pass, detail
	})
}

func (r *run) display() {
	r.timed("display", func() (Status, string) {
		d := r.d.Display
		return Skip, fmt.Sprintf("%d×%d, rotation %d°; colour bars and corner touches are checked on the kiosk's screen (service mode → self-test)",
			d.Width, d.Height, d.Rotation)
	})
}

// buttons asks for each button in turn and waits for its press; a press
// of another button is reported (wiring swapped).
func (r *run) buttons(ctx context.Context) {
	for _, name := range r.d.Buttons {
		r.timed("button "+name, func() (Status, string) {
			drain(r.d.Presses)
			ctx, cancel := context.WithTimeout(ctx, r.o.StepTimeout)
			defer cancel()
			p := Prompt{Step: "press:" + name, Text: "press the " + name + " button"}
			if _, err := r.tech.Ask(ctx, p); err != nil {
				return Fail, fmt.Sprintf("%s: %v", p.Text, err)
			}
			var others []string
			for {
				select {
				case got := <-r.d.Presses:
					if got == name {
						return Pass, "pressed"
					}
					others = append(others, got)
				case <-ctx.Done():
					detail := fmt.Sprintf("not pressed within %v", r.o.StepTimeout)
					if len(others) > 0 {
						detail += fmt.Sprintf(" (pressed instead: %v; check the wiring)", others)
					}
					return Fail, detail
				}
			}
		})
		r.simulated()
	}
}

// lamps blinks each lamp and asks whether it blinks, then puts it out.
func (r *run) lamps(ctx context.Context) {
	for _, name := range r.d.LampNames {
		l := r.d.Lamps[name]
		r.timed("lamp "+name, func() (Status, string) {
			if err := l.Set("attention"); err != nil {
				return Fail, fmt.Sprintf("lamp %s: %v", name, err)
			}
			defer l.Set("off")
			return r.ask(ctx, Prompt{Step: "lamp:" + name, Text: "is the " + name + " lamp blinking?", YesNo: true, Pattern: "attention"})
		})
		r.simulated()
	}
	if r.d.Buzzer != nil {
		r.timed("buzzer", func() (Status, string) {
			if err := r.d.Buzzer.Beep("attention"); err != nil {
				return Fail, fmt.Sprintf("buzzer: %v", err)
			}
			return r.ask(ctx, Prompt{Step: "buzzer", Text: "did the buzzer sound?", YesNo: true, Pattern: "attention"})
		})
		r.simulated()
	}
}

// reader checks the ID-card reader: that it answered at start (the SAM's
// status and id) and, with a technician, that it reads a card. Nothing of
// the card is kept or reported.
func (r *run) reader(ctx context.Context) {
	rd := r.d.Reader
	if rd == nil {
		return
	}
	r.timed("idcard", func() (Status, string) {
		where := rd.Driver
		if rd.Where != "" {
			where += " on " + rd.Where
		}
		if rd.Cards == nil {
			return Fail, fmt.Sprintf("%s: not answering: %v", where, rd.Problem)
		}
		if rd.SAMID != "" {
			return Pass, fmt.Sprintf("%s: SAM status OK, SAM id %s", where, rd.SAMID)
		}
		return Pass, where + ": answering"
	})
	r.simulated()
	if r.tech == nil || rd.Cards == nil {
		return
	}
	r.timed("idcard read", func() (Status, string) {
		ctx, cancel := context.WithTimeout(ctx, r.o.StepTimeout)
		defer cancel()
		drainCards(rd.Cards.Events())
		p := Prompt{Step: "card", Text: "put an ID card on the reader"}
		if _, err := r.tech.Ask(ctx, p); err != nil {
			return Fail, fmt.Sprintf("%s: %v", p.Text, err)
		}
		for {
			select {
			case ev, ok := <-rd.Cards.Events():
				if !ok {
					return Fail, "the reader closed"
				}
				switch ev.Kind {
				case idcard.Present:
					if rd.PresenceOnly {
						return Pass, "a card was sensed (this reader reads no card data)"
					}
				case idcard.Read:
					ev.Card.Wipe()
					return Pass, "a card was read (nothing of it is kept or shown)"
				case idcard.Failed:
					return Fail, fmt.Sprintf("the card could not be read: %v", ev.Err)
				}
			case <-ctx.Done():
				return Fail, fmt.Sprintf("no card read within %v", r.o.StepTimeout)
			}
		}
	})
	r.simulated()
}

func (r *run) printer(ctx context.Context) {
	if r.d.Printer == nil {
		return
	}
	r.timed("printer", func() (Status, string) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		st, err := r.d.Printer.Status(ctx)
		if err != nil {
			return Fail, fmt.Sprintf("no status: %v", err)
		}
		if err := st.Err(); err != nil {
			return Fail, st.String()
		}
		return Pass, st.String()
	})
	r.simulated()
	if r.d.PrintSlip == nil || r.results[len(r.results)-1].Status != Pass {
		return
	}
	r.timed("printer test slip", func() (Status, string) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := r.d.PrintSlip(ctx); err != nil {
			return Fail, fmt.Sprintf("test slip not printed: %v", err)
		}
		return Pass, "printed, with the device's identity as a QR code"
	})
	r.simulated()
}

func (r *run) bus(ctx context.Context) {
	r.timed("hall bus", func() (Status, string) {
		if r.d.Bus == nil {
			return Skip, "standalone: no hall bus configured"
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := r.d.Bus(ctx)
		if err != nil {
			return Fail, err.Error()
		}
		return Pass, s
	})
}

// drain throws away presses made before the question.
func drain(ch <-chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func drainCards(ch <-chan idcard.Event) {
	for {
		select {
		case ev := <-ch:
			if ev.Card != nil {
				ev.Card.Wipe()
			}
		default:
			return
		}
	}
}
