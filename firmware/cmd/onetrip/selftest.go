package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/i2c"

	"onetrip/boards"
	"onetrip/firmware/bus"
	"onetrip/firmware/datadir"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/selftest"
	"onetrip/firmware/servicepin"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/hateeprom"
	"onetrip/hal/idcard"
	"onetrip/hal/light"
	"onetrip/ui/render"
)

// selftestCommand checks every device of the board and prints a report:
// exit status 0 when all passed, 1 when something failed, 2 for a bad
// board or flag. On the sim board the twins answer the steps a person
// would; on a real board the technician is asked on the terminal.
func selftestCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip selftest", flag.ContinueOnError)
	var f Flags
	var print, asJSON bool
	var step time.Duration
	fs.StringVar(&f.Board, "board", "", "board to check: a name from boards/, or auto (detect; the default on ARM; sim elsewhere)")
	fs.StringVar(&f.IDCard, "idcard", "", "point the ID-card reader elsewhere, as for onetrip run")
	fs.StringVar(&f.Printer, "printer", "", "point the printer elsewhere, as for onetrip run")
	fs.StringVar(&f.Hall, "hall", "", "hall configuration file, for the hall id in the identity (default: the sample hall)")
	fs.StringVar(&f.Data, "data", "", "the kiosk's data directory, locked while the check runs (the simulated printer's paper lands in DATA/printer)")
	fs.StringVar(&f.Bus, "bus", "", "check the hall bus too: nats://HOST:PORT")
	fs.StringVar(&f.Creds, "creds", "", "credentials file for --bus")
	fs.StringVar(&f.Terminal, "terminal", "", "this terminal's id, for the identity and the bus")
	f.TLS.register(fs)
	fs.BoolVar(&print, "print", false, "print a test slip with the device's identity as a QR code")
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON on stdout (questions go to stderr)")
	fs.DurationVar(&step, "step-timeout", 30*time.Second, "how long to wait for the technician at each step")
	if err := parse(fs, args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip selftest: %v (see onetrip selftest -h)\n", err)
		return selftest.ExitConfig
	}
	if f.Bus != "" && f.Creds == "" {
		fmt.Fprintln(os.Stderr, "onetrip selftest: --bus needs --creds FILE")
		return selftest.ExitConfig
	}
	if f.Data == "" {
		dir, err := stateDir()
		if err != nil {
			fmt.Fprintf(os.Stderr, "onetrip selftest: %v\n", err)
			return selftest.ExitConfig
		}
		f.Data = dir
	}
	if err := os.MkdirAll(f.Data, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "onetrip selftest: data directory: %v\n", err)
		return selftest.ExitConfig
	}
	release, err := datadir.Lock(f.Data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip selftest: %v (a running kiosk holds its devices: use its service mode, or stop it first)\n", err)
		return selftest.ExitConfig
	}
	defer release()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prompts := io.Writer(os.Stdout)
	if asJSON {
		prompts = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := runSelftest(ctx, f, print, step, os.Stdin, prompts, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip selftest: %v\n", err)
		var ce *configError
		if errors.As(err, &ce) {
			return selftest.ExitConfig
		}
		return selftest.ExitFailed
	}
	if asJSON {
		err = r.WriteJSON(os.Stdout)
	} else {
		err = r.WriteText(os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip selftest: %v\n", err)
		return selftest.ExitFailed
	}
	return r.ExitStatus()
}

// runSelftest assembles the board's devices as onetrip run does and checks
// them. in and out are the technician's terminal on a real board.
func runSelftest(ctx context.Context, f Flags, print bool, step time.Duration, in io.Reader, out io.Writer, log *slog.Logger) (selftest.Report, error) {
	s := &system{log: log}
	defer s.Close()
	if err := s.loadBoard(f); err != nil {
		return selftest.Report{}, err
	}
	h, err := loadHall(f.Hall)
	if err != nil {
		return selftest.Report{}, &configError{err}
	}
	id := s.identity(f.Terminal, h.ID)
	presses := make(chan string, 16)
	s.presses = presses
	var kd kiosk.Devices
	reader, err := s.selftestReader(&kd)
	if err != nil {
		return selftest.Report{}, err
	}
	face := render.DefaultFont().XFace
	profile, err := s.printer(&kd, f, face)
	if err != nil {
		return selftest.Report{}, err
	}
	if err := s.gpio(&kd); err != nil {
		return selftest.Report{}, err
	}
	d := selftest.Devices{
		Simulated: s.board.Name == "sim",
		Presses:   presses,
		Lamps:     map[string]selftest.Lamp{},
		Reader:    reader,
		Printer:   kd.Printer,
		I2C:       s.i2cProbes(),
		Display:   selftest.Display{Width: s.board.Display.Width, Height: s.board.Display.Height, Rotation: s.board.Display.Rotation},
		Clock:     time.Now,
		Synced:    clockSynced,
	}
	for _, b := range s.board.Buttons {
		d.Buttons = append(d.Buttons, b.Name)
	}
	for _, l := range s.board.Lamps {
		d.LampNames = append(d.LampNames, l.Name)
		d.Lamps[l.Name] = kd.Lamps[l.Name]
	}
	if kd.Buzzer != nil {
		d.Buzzer = kd.Buzzer
	}
	if print {
		d.PrintSlip = func(ctx context.Context) error {
			job, err := selftest.TestSlip(id, time.Now(), profile, face)
			if err != nil {
				return err
			}
			return kd.Printer.Print(ctx, job)
		}
	}
	if f.Bus != "" {
		d.Bus = func(ctx context.Context) (string, error) { return checkBus(ctx, f, log) }
	}
	var tech selftest.Technician = selftest.NewConsole(in, out)
	if d.Simulated {
		tech = s.simTechnician(&d, kd)
	}
	earliest, _ := time.Parse(time.RFC3339, buildVersion().Built)
	r := selftest.Run(ctx, d, tech, selftest.Options{StepTimeout: step, Earliest: earliest})
	r.Identity = id
	return r, nil
}

// serviceMode is what the kiosk's service mode needs: the PIN and its
// lockout (in the data directory, so a restart keeps a lock), the identity,
// the self-test over the kiosk's devices, the recent log and a restart.
// A PIN hash that is not bcrypt keeps service mode shut, with one log line;
// citizens are served all the same.
func (s *system) serviceMode(f Flags, devs kiosk.Devices) *kiosk.Service {
	hash := f.ServicePINHash
	pins, err := servicepin.Open(filepath.Join(f.Data, "service-pin.db"), hash, nil)
	if err != nil && hash != "" {
		s.log.Error("service mode stays shut", "err", err)
		pins, err = servicepin.Open(filepath.Join(f.Data, "service-pin.db"), "", nil)
	}
	if err != nil {
		s.log.Error("service mode stays shut", "err", err)
		return nil
	}
	s.close = append(s.close, pins.Close)
	reader := s.readerOf(devs)
	probes := s.i2cProbes()
	earliest, _ := time.Parse(time.RFC3339, buildVersion().Built)
	return &kiosk.Service{
		PINs:     pins,
		Identity: s.identity(f.Terminal, s.hall.ID),
		SelfTest: func(ctx context.Context, printer selftest.Printer) selftest.Report {
			d := selftest.Devices{Simulated: s.board.Name == "sim", Reader: reader, Printer: printer, I2C: probes, Clock: time.Now, Synced: clockSynced}
			if s.bus != nil {
				d.Bus = func(context.Context) (string, error) {
					if !s.bus.Online() {
						return "", errors.New("offline: the hall bus does not answer")
					}
					return "online, server " + s.bus.Conn().ConnectedServerName(), nil
				}
			}
			return selftest.Run(ctx, d, nil, selftest.Options{Earliest: earliest})
		},
		Log: s.ring.Lines,
		// Ending as if stopped: systemd (Restart=always) starts the kiosk again.
		Restart: func() { syscall.Kill(os.Getpid(), syscall.SIGTERM) },
	}
}

// loadBoard resolves, loads and checks the board as onetrip run does, with
// the --idcard and --printer overrides.
func (s *system) loadBoard(f Flags) error {
	name, err := boards.ResolveName(f.Board, runtime.GOARCH, func() (string, error) {
		return boards.DetectHost("/", readHAT("/"))
	})
	if err != nil {
		return &configError{err}
	}
	if s.board, err = boards.Load(name); err != nil {
		return &configError{err}
	}
	for kind, spec := range map[string]string{"idcard": f.IDCard, "printer": f.Printer} {
		if spec != "" {
			if err := s.board.Override(kind, spec); err != nil {
				return &configError{err}
			}
		}
	}
	return nil
}

// identity names this device, and nothing personal: board, terminal,
// firmware, hall and the hardware serial.
func (s *system) identity(terminal, hallID string) selftest.Identity {
	v := buildVersion()
	if terminal == "" {
		terminal = "kiosk (standalone)"
	}
	return selftest.Identity{Board: s.board.Name, Terminal: terminal, Version: v.Version, Commit: v.Commit,
		Hall: hallID, Serial: selftest.Serial("/")}
}

// selftestReader opens the ID-card reader and says how it answered.
func (s *system) selftestReader(kd *kiosk.Devices) (*selftest.Reader, error) {
	if err := s.cardReader(kd); err != nil {
		return nil, err
	}
	return s.readerOf(*kd), nil
}

// readerOf describes the board's ID-card reader as it answered at start.
func (s *system) readerOf(kd kiosk.Devices) *selftest.Reader {
	c := s.board.IDCard
	r := &selftest.Reader{Driver: c.Driver, Where: c.Port, Cards: kd.Cards, PresenceOnly: kd.CardsPresenceOnly}
	if c.Driver == "pn532" {
		r.Where = c.Bus
	}
	if sam, ok := kd.Cards.(*idcard.SAM); ok {
		r.SAMID = sam.ID().String()
	}
	if kd.Cards == nil {
		r.Problem = errors.New("no answer at start (the log says why)")
	}
	return r
}

// simTechnician is the sim board's technician: it presses the simulated
// buttons, puts the test card on the simulated reader and reads the
// simulated lamps and buzzer.
func (s *system) simTechnician(d *selftest.Devices, kd kiosk.Devices) selftest.Simulated {
	buttons := gpiosim.NewButtons(clockwork.NewRealClock())
	s.close = append(s.close, buttons.Close)
	d.Presses = selftest.Presses(buttons.Events())
	tech := selftest.Simulated{
		Press: func(name string) error { buttons.Tap(name); return nil },
		PutCard: func() error {
			defer s.sim.Cards.Remove()
			return s.sim.Cards.Put(selftest.TestCard())
		},
		Lamps: map[string]selftest.Recorder{},
	}
	for name, l := range kd.Lamps {
		if r, ok := l.(selftest.Recorder); ok {
			tech.Lamps[name] = r
		}
	}
	if r, ok := kd.Buzzer.(selftest.Recorder); ok {
		tech.Buzzer = r
	}
	return tech
}

// i2cProbes reads each I2C device of the board the way its driver does;
// each bus is opened once, at the first probe on it.
func (s *system) i2cProbes() []selftest.Probe {
	var out []selftest.Probe
	var mu sync.Mutex
	buses := map[string]i2c.Bus{}
	open := func(name string) (i2c.Bus, error) {
		mu.Lock()
		defer mu.Unlock()
		if b, ok := buses[name]; ok {
			return b, nil
		}
		b, err := s.i2cBus(name)
		if err != nil {
			return nil, err
		}
		buses[name] = b
		return b, nil
	}
	for _, d := range s.board.I2C.Devices {
		if d.Kind == "pn532" {
			continue // the ID-card reader's check covers it
		}
		probe, ok := i2cReaders[d.Kind]
		if !ok {
			probe = answers
		}
		out = append(out, selftest.Probe{
			Name: fmt.Sprintf("%s at %#02x on %s", d.Kind, d.Address, d.Bus),
			Probe: func() (string, error) {
				b, err := open(d.Bus)
				if err != nil {
					return "", err
				}
				return probe(i2c.Dev{Bus: b, Addr: uint16(d.Address)})
			},
		})
	}
	return out
}

// i2cReaders read a device of each kind the boards name.
var i2cReaders = map[string]func(i2c.Dev) (string, error){
	"hat-eeprom": func(dev i2c.Dev) (string, error) {
		info, err := hateeprom.Read(dev)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s %s (product %#04x)", info.Vendor, info.Product, info.ProductID), nil
	},
	"bh1750": func(dev i2c.Dev) (string, error) {
		bh, err := light.NewBH1750(dev)
		if err != nil {
			return "", err
		}
		lux, err := bh.Lux()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%.0f lx", lux), nil
	},
}

// answers reads one byte: the device acknowledges its address.
func answers(dev i2c.Dev) (string, error) {
	var b [1]byte
	if err := dev.Tx(nil, b[:]); err != nil {
		return "", err
	}
	return "answers", nil
}

// checkBus connects to the hall bus once, without retrying.
func checkBus(ctx context.Context, f Flags, log *slog.Logger) (string, error) {
	hallID, err := hallOfCreds(f)
	if err != nil {
		return "", err
	}
	b, err := bus.Connect(ctx, f.busConfig(hallID), false, log)
	if err != nil {
		return "", err
	}
	defer b.Close()
	return fmt.Sprintf("connected to %s (server %s), hall %s", b.Conn().ConnectedUrlRedacted(), b.Conn().ConnectedServerName(), hallID), nil
}

// clockSynced asks the kernel whether its clock is disciplined (NTP).
func clockSynced() (bool, error) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return false, fmt.Errorf("adjtimex: %w", err)
	}
	return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0, nil
}

// servicePINCommand reads a new service PIN twice from stdin and prints the
// line for the provisioning file with its bcrypt hash.
func servicePINCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip service-pin", flag.ContinueOnError)
	if err := parse(fs, args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip service-pin: %v\n", err)
		return exitConfig
	}
	line, err := servicePINLine(os.Stdin, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip service-pin: %v\n", err)
		return exitConfig
	}
	fmt.Println(line)
	return 0
}

// servicePINLine asks (on prompts) for the PIN twice and returns the
// provisioning line.
func servicePINLine(in io.Reader, prompts io.Writer) (string, error) {
	sc := bufio.NewScanner(in)
	var pins [2]string
	for i, q := range []string{fmt.Sprintf("new service PIN (%d-%d digits): ", servicepin.MinDigits, servicepin.MaxDigits), "the same PIN again: "} {
		fmt.Fprint(prompts, q)
		if !sc.Scan() {
			return "", errors.New("no PIN given: input ended")
		}
		pins[i] = strings.TrimSpace(sc.Text())
	}
	if pins[0] != pins[1] {
		return "", errors.New("the two PINs differ; nothing was written")
	}
	h, err := servicepin.Hash(pins[0])
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("service_pin_hash = %q", h), nil
}
