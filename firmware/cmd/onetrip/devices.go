package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/image/font"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"
	"periph.io/x/host/v3/gpioioctl"

	"onetrip/boards"
	"onetrip/firmware/flow"
	"onetrip/firmware/kiosk"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/gpio"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/idcard"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/hal/light"
	"onetrip/hal/pn532"
	"onetrip/hal/serial"
)

// devices builds the board's devices: the simulated twins, or the real
// drivers where the board (or a --idcard/--printer flag) names them. A reader
// or printer that is not there at start does not stop the kiosk: citizens can
// still take a number, and the device is picked up when it comes back.
func (s *system) devices(f Flags, face func(px float64) font.Face) (kiosk.Devices, escpos.Profile, error) {
	var d kiosk.Devices
	if err := s.cardReader(&d); err != nil {
		return d, escpos.Profile{}, err
	}
	profile, err := s.printer(&d, f, face)
	if err != nil {
		return d, profile, err
	}
	if err := s.gpio(&d); err != nil {
		return d, profile, err
	}
	return d, profile, nil
}

func (s *system) cardReader(d *kiosk.Devices) error {
	c := s.board.IDCard
	switch c.Driver {
	case "sim":
		cards := idcardsim.New()
		s.close = append(s.close, cards.Close)
		s.sim.Cards, d.Cards = cards, cards
	case "ga467":
		baud := c.Baud
		if baud == 0 {
			b, err := idcard.DetectBaud(func(b int) (idcard.Port, error) {
				return serial.Open(c.Port, serial.Config{Baud: b})
			}, nil)
			if err != nil {
				s.log.Error("ID-card reader not found; citizens continue without a card until it answers", "port", c.Port, "err", err)
				s.readerDownAtStart = true
				return nil
			}
			baud = b
		}
		states := make(chan serial.State, 4)
		port := serial.Reopening(c.Port, serial.Config{Baud: baud}, serial.DefaultRetry, states)
		s.close = append(s.close, port.Close)
		go s.watchReader(states)
		sam, err := idcard.NewSAM(port, idcard.SAMOptions{Logger: s.log})
		if err != nil {
			s.log.Error("ID-card reader does not answer; citizens continue without a card", "port", c.Port, "err", err)
			s.readerDownAtStart = true
			return nil
		}
		s.close = append(s.close, sam.Close)
		s.log.Info("ID-card reader ready", "port", c.Port, "baud", baud, "sam", sam.ID().String())
		d.Cards = sam
	case "pn532":
		bus, err := s.i2cBus(c.Bus)
		if err != nil {
			return err
		}
		r, err := pn532.New(bus, pn532.Options{Logger: s.log})
		if err != nil {
			s.log.Error("card sensor not found; citizens continue without a card", "err", err)
			s.readerDownAtStart = true
			return nil
		}
		s.close = append(s.close, r.Close)
		d.Cards, d.CardsPresenceOnly = r, true
	default:
		return &configError{fmt.Errorf("board %s: ID-card driver %q is unknown", s.board.Name, c.Driver)}
	}
	return nil
}

// watchReader tells the flow when the reader's serial adapter goes away or
// comes back, so the screen can say the reader is unavailable meanwhile.
func (s *system) watchReader(states <-chan serial.State) {
	for st := range states {
		if !st.Available {
			s.log.Warn("ID-card reader unavailable", "port", st.Dev, "err", st.Err)
		}
		if s.k != nil {
			s.k.Event(flow.ReaderChanged{Available: st.Available})
		}
	}
}

func (s *system) printer(d *kiosk.Devices, f Flags, face func(px float64) font.Face) (escpos.Profile, error) {
	p := s.board.Printer
	switch p.Driver {
	case "sim":
		profile, err := escpos.LoadProfile(p.Profile)
		if err != nil {
			return profile, &configError{fmt.Errorf("board %s: %w", s.board.Name, err)}
		}
		printer, err := escpossim.New(filepath.Join(f.Data, "printer"), profile, face)
		if err != nil {
			return profile, err
		}
		s.close = append(s.close, printer.Close)
		s.sim.Printer, d.Printer = printer, printer
		return profile, nil
	case "escpos":
		spec, err := escpos.ParseSpec(p.Spec)
		if err != nil {
			return escpos.Profile{}, &configError{err}
		}
		profile, err := escpos.LoadProfile(spec.Profile)
		if err != nil {
			return profile, &configError{err}
		}
		lp := &reopeningPrinter{spec: spec, log: s.log}
		s.close = append(s.close, lp.Close)
		d.Printer = lp
		return profile, nil
	}
	return escpos.Profile{}, &configError{fmt.Errorf("board %s: printer driver %q is unknown", s.board.Name, p.Driver)}
}

// reopeningPrinter opens the printer when it is first needed and again after
// its connection broke (a USB cable pulled, a network printer restarted).
type reopeningPrinter struct {
	spec escpos.Spec
	log  *slog.Logger
	mu   sync.Mutex
	p    escpos.Printer
}

func (r *reopeningPrinter) get() (escpos.Printer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		p, _, err := escpos.OpenSpec(r.spec)
		if err != nil {
			return nil, err
		}
		r.log.Info("printer connected", "printer", r.spec.String())
		r.p = p
	}
	return r.p, nil
}

// drop forgets a connection that failed for a reason other than the
// printer's own status (paper, cover, offline), so the next call reopens it.
func (r *reopeningPrinter) drop(p escpos.Printer, err error) {
	if err == nil || errors.Is(err, escpos.ErrPaperOut) || errors.Is(err, escpos.ErrCoverOpen) ||
		errors.Is(err, escpos.ErrOffline) || errors.Is(err, escpos.ErrCutter) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == p {
		p.Close()
		r.p = nil
	}
}

func (r *reopeningPrinter) Print(ctx context.Context, job []byte) error {
	p, err := r.get()
	if err != nil {
		return err
	}
	err = p.Print(ctx, job)
	r.drop(p, err)
	return err
}

func (r *reopeningPrinter) Status(ctx context.Context) (escpos.Status, error) {
	p, err := r.get()
	if err != nil {
		return escpos.Status{}, err
	}
	st, err := p.Status(ctx)
	r.drop(p, err)
	return st, err
}

func (r *reopeningPrinter) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		return nil
	}
	err := r.p.Close()
	r.p = nil
	return err
}

// gpio sets up buttons, lamps and the buzzer: GPIO lines on real boards,
// keyboard keys and the log on the simulated one.
func (s *system) gpio(d *kiosk.Devices) error {
	b := s.board
	d.Lamps = map[string]kiosk.Lamp{}
	if len(b.Chips) == 0 {
		for _, l := range b.Lamps {
			d.Lamps[l.Name] = gpiosim.NewLamp(l.Name, s.log)
		}
		if b.Buzzer.Enabled {
			d.Buzzer = gpiosim.NewBuzzer(s.log)
		}
		s.sim.Buttons = s.pressButton
		return nil
	}
	if _, err := host.Init(); err != nil {
		return fmt.Errorf("gpio: %w", err)
	}
	clk := clockwork.NewRealClock()
	var cfgs []gpio.ButtonConfig
	for _, btn := range b.Buttons {
		line, err := s.line(btn.Pin)
		if err != nil {
			return fmt.Errorf("button %s: %w", btn.Name, err)
		}
		cfgs = append(cfgs, gpio.ButtonConfig{Name: btn.Name, Pin: line, ActiveLow: btn.ActiveLow,
			Debounce: btn.Debounce, LongPress: btn.LongPress, StuckAfter: btn.StuckAfter})
	}
	buttons, err := gpio.WatchButtons(cfgs, clk)
	if err != nil {
		return fmt.Errorf("buttons: %w", err)
	}
	s.close = append(s.close, buttons.Close)
	go s.watchButtons(buttons)
	for _, l := range b.Lamps {
		line, err := s.line(l.Pin)
		if err != nil {
			return fmt.Errorf("lamp %s: %w", l.Name, err)
		}
		d.Lamps[l.Name] = gpio.NewLamp(l.Name, line, l.ActiveLow, clk)
	}
	if b.Buzzer.Enabled {
		line, err := s.line(b.Buzzer.Pin)
		if err != nil {
			return fmt.Errorf("buzzer: %w", err)
		}
		d.Buzzer = gpio.NewBuzzer(line, b.Buzzer.ActiveLow, clk)
	}
	return nil
}

// line finds a GPIO line by the chip's device name or kernel label.
func (s *system) line(p boards.Pin) (*gpioioctl.GPIOLine, error) {
	label := ""
	for _, c := range s.board.Chips {
		if c.Name == p.Chip {
			label = c.Label
		}
	}
	for _, c := range gpioioctl.Chips {
		if c.Name() == p.Chip || label != "" && c.Label() == label {
			if l := c.ByNumber(p.Line); l != nil {
				return l, nil
			}
			return nil, fmt.Errorf("%s has no line %d", p.Chip, p.Line)
		}
	}
	return nil, fmt.Errorf("GPIO chip %s (%s) not found", p.Chip, label)
}

// watchButtons turns button events into kiosk input: the help button calls a
// guide; holding the service button opens service mode; a stuck button is
// reported once. onetrip selftest hears every press on s.presses.
func (s *system) watchButtons(b gpio.Buttons) {
	for ev := range b.Events() {
		switch ev.Kind {
		case gpio.Press:
			select {
			case s.presses <- ev.Button:
			default:
			}
			if s.k != nil {
				s.k.Button(ev.Button)
			}
		case gpio.LongPress:
			s.log.Info("button held", "button", ev.Button)
			if s.k != nil && ev.Button == flow.ServiceButton {
				s.k.Event(flow.ButtonHeld{Name: ev.Button})
			}
		case gpio.Stuck:
			s.log.Warn("button stuck: check the button or its wiring", "button", ev.Button)
		}
	}
}

func (s *system) i2cBus(name string) (i2c.BusCloser, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("i2c: %w", err)
	}
	bus, err := i2creg.Open(strings.TrimPrefix(name, "/dev/i2c-"))
	if err != nil {
		return nil, fmt.Errorf("i2c bus %s: %w", name, err)
	}
	s.close = append(s.close, bus.Close)
	return bus, nil
}

// screenLight dims and blanks the panel from the light sensor, on boards that
// have both. It returns the kiosk's wake hook (nil when there is nothing).
func (s *system) screenLight() func(time.Time) bool {
	b := s.board
	if b.Backlight.Name == "" {
		return nil
	}
	var sensor *i2c.Dev
	for _, d := range b.I2C.Devices {
		if d.Kind == "bh1750" {
			bus, err := s.i2cBus(d.Bus)
			if err != nil {
				s.log.Warn("light sensor unavailable", "err", err)
				return nil
			}
			sensor = &i2c.Dev{Bus: bus, Addr: uint16(d.Address)}
		}
	}
	bl, err := light.OpenBacklight(filepath.Join("/sys/class/backlight", b.Backlight.Name))
	if err != nil {
		s.log.Warn("backlight unavailable", "err", err)
		return nil
	}
	ctl, err := light.NewController(bl, light.Config{BlankAfter: time.Duration(b.Backlight.BlankAfterMinutes) * time.Minute})
	if err != nil {
		s.log.Warn("backlight", "err", err)
		return nil
	}
	var bh *light.BH1750
	if sensor != nil {
		if bh, err = light.NewBH1750(*sensor); err != nil {
			s.log.Warn("light sensor unavailable; brightness stays fixed", "err", err)
		}
	}
	var mu sync.Mutex
	go func() {
		for range time.Tick(2 * time.Second) {
			lux := math.NaN()
			if bh != nil {
				if v, err := bh.Lux(); err == nil {
					lux = v
				}
			}
			mu.Lock()
			if err := ctl.Tick(time.Now(), lux); err != nil {
				s.log.Warn("backlight", "err", err)
			}
			mu.Unlock()
		}
	}()
	return func(now time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		return ctl.Touch(now)
	}
}

// readHAT reads the HAT EEPROM's identity, which the Pi firmware copies to
// the device tree at boot.
func readHAT(root string) func() (*boards.HAT, error) {
	return func() (*boards.HAT, error) {
		dir := filepath.Join(root, "proc", "device-tree", "hat")
		read := func(n string) string {
			b, _ := os.ReadFile(filepath.Join(dir, n))
			return strings.TrimRight(string(b), "\x00\n")
		}
		product := read("product")
		if product == "" {
			return nil, nil
		}
		id, _ := strconv.ParseUint(strings.TrimPrefix(read("product_id"), "0x"), 16, 16)
		return &boards.HAT{Vendor: read("vendor"), Product: product, ProductID: uint16(id)}, nil
	}
}

// checkPatterns makes sure each lamp and the buzzer of the board know every
// pattern the flow can ask of them: a missing one would fail silently in
// front of a citizen (a timeout warning nobody hears).
func checkPatterns(b *boards.Board) error {
	lampKnown, beepKnown := gpio.Patterns(), gpio.BeepPatterns()
	for _, l := range b.Lamps {
		for _, p := range flow.LampPatterns[l.Name] {
			if _, ok := lampKnown[p]; !ok {
				return fmt.Errorf("board %s: lamp %q: the kiosk uses pattern %q, which lamps do not have", b.Name, l.Name, p)
			}
		}
	}
	if b.Buzzer.Enabled {
		for _, p := range flow.BeepPatterns {
			if _, ok := beepKnown[p]; !ok {
				return fmt.Errorf("board %s: buzzer: the kiosk uses pattern %q, which the buzzer does not have", b.Name, p)
			}
		}
	}
	return nil
}
