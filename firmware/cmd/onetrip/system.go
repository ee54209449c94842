package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"onetrip/boards"
	"onetrip/firmware/audit"
	"onetrip/firmware/bus"
	"onetrip/firmware/control"
	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/hallqueue"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/logring"
	"onetrip/firmware/ticket"
	"onetrip/ui/headless"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/rotate"
	"onetrip/ui/screen"
	"onetrip/ui/window"
)

// system is a kiosk assembled from a board, a hall and a data directory.
type system struct {
	log   *slog.Logger
	board *boards.Board
	hall  *hall.Hall
	store *ticket.Store
	bus   *bus.Bus
	link  *hallqueue.Link
	k     *kiosk.Kiosk
	api   *control.API
	first *firstFrame
	sup   *supervision
	sim   control.Sim
	rot   rotate.Rotation
	close []func() error

	readerDownAtStart bool
	presses           chan<- string // every button press, for onetrip selftest; nil: none
	ring              *logring.Ring // the recent log lines service mode shows
}

// assemble loads and checks everything before anything is shown: a broken
// hall file or board stops start-up with one line saying where.
func assemble(ctx context.Context, f Flags, log *slog.Logger) (*system, error) {
	s := &system{log: log, ring: logring.New(200)}
	log = slog.New(s.ring.Handler(log.Handler())) // the service screen's recent log
	s.log = log
	name, err := boards.ResolveName(f.Board, runtime.GOARCH, func() (string, error) {
		return boards.DetectHost("/", readHAT("/"))
	})
	if err != nil {
		return nil, &configError{err}
	}
	if s.board, err = boards.Load(name); err != nil {
		return nil, &configError{err}
	}
	for kind, spec := range map[string]string{"idcard": f.IDCard, "printer": f.Printer} {
		if spec != "" {
			if err := s.board.Override(kind, spec); err != nil {
				return nil, &configError{err}
			}
		}
	}
	if err := checkPatterns(s.board); err != nil {
		return nil, &configError{err}
	}
	rot := s.board.Display.Rotation
	if f.Rotation >= 0 {
		rot = f.Rotation
	}
	if s.rot, err = rotate.Parse(rot); err != nil {
		return nil, &configError{err}
	}
	if _, err := presenterName(f, s.board); err != nil {
		return nil, &configError{err}
	}
	if err := os.MkdirAll(f.Data, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if f.Bus != "" {
		if err := s.joinHall(ctx, f); err != nil {
			return nil, err
		}
	} else if s.hall, err = loadHall(f.Hall); err != nil {
		return nil, &configError{err}
	}
	cats, err := locale.Load()
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.store, err = ticket.Open(filepath.Join(f.Data, "tickets.db")); err != nil {
		return nil, err
	}
	s.close = append(s.close, s.store.Close)

	face := render.DefaultFont().XFace
	devs, profile, err := s.devices(f, face)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.logStart(f)
	if s.sup, err = supervise(f, "kiosk", s.bus, log); err != nil {
		s.Close()
		return nil, err
	}
	s.first = &firstFrame{ready: s.sup.ready("kiosk on screen, hall " + s.hall.ID)}
	fc := flow.NewConfig(s.hall)
	for _, p := range screen.CheckHall(fc, cats) {
		log.Warn("hall file: a name will show cut short; shorten it", "problem", p)
	}
	var issuer kiosk.Issuer
	var desk kiosk.Desk
	if s.bus != nil {
		fc.OnBus = true
		s.link = hallqueue.New(hallqueue.Options{Bus: s.bus, Store: s.store, Hall: s.hall, Kiosk: f.Terminal, Log: log,
			Online: func(on bool) { s.k.Event(flow.BusChanged{Online: on}) },
			Acked:  func(id string) { s.k.GuideComing(id) }})
		issuer, desk = s.link, s.link
	}
	// The audit trail: every event and frame, so a session can be replayed
	// (onetrip replay).
	trail, err := audit.Open(filepath.Join(f.Data, "audit.db"))
	if err != nil {
		s.Close()
		return nil, err
	}
	s.close = append(s.close, trail.Close)
	rec, err := trail.Record(fc, buildVersion().firmware(), log)
	if err != nil {
		s.Close()
		return nil, err
	}
	alive, aliveEvery := s.sup.alive()
	s.k = kiosk.New(kiosk.Options{
		Flow:      fc,
		Catalogs:  cats,
		Store:     s.store,
		Issuer:    s.sup.issuer(issuer, s.store),
		Desk:      desk,
		Devices:   s.sup.devices(devs),
		Presenter: s.sup.presenter(s.first),
		Tickets:   kiosk.NewTickets(s.hall, cats, profile, face),
		Log:       log,
		KeyButton: s.board.ButtonForKey,
		Wake:      s.screenLight(),
		Audit:     recorders{rec, s.sup.metrics},
		Alive:     alive, AliveEvery: aliveEvery,
		Service: s.serviceMode(f, devs),
	})
	if s.readerDownAtStart {
		s.k.Event(flow.ReaderChanged{Available: false})
	}
	if f.Control != "" {
		if s.board.Name != "sim" {
			s.Close()
			return nil, &configError{fmt.Errorf("--control is only available on the sim board (this is %s)", s.board.Name)}
		}
		s.api = control.New(s.k, s.sim, log)
		s.api.ToWindow = func(r image.Rectangle) image.Rectangle { return s.rot.Rect(r, logical) }
		s.api.FromWindow = func(p image.Point) image.Point { return s.rot.FromPanel(p, logical) }
	}
	return s, nil
}

// logStart names, once, everything a technician needs to know what runs:
// the version, the board, the hall file and its version, the data
// directory and each device with its driver.
func (s *system) logStart(f Flags) {
	v := buildVersion()
	hallFile := f.Hall
	switch {
	case s.bus != nil:
		hallFile = "from the hall bus"
	case hallFile == "":
		hallFile = "sample (built in)"
	}
	device := func(d boards.Device) string {
		for _, part := range []string{d.Spec, d.Port} {
			if part != "" {
				return d.Driver + " " + part
			}
		}
		return d.Driver
	}
	b := s.board
	s.log.Info("kiosk starting", "version", v.Version, "commit", v.Commit, "board", b.Name,
		"hall", s.hall.ID, "hall_file", hallFile, "hall_version", s.hall.Version, "data", f.Data,
		"idcard", device(b.IDCard), "printer", device(b.Printer),
		"buttons", len(b.Buttons), "lamps", len(b.Lamps), "buzzer", b.Buzzer.Enabled, "rotation", s.rot)
}

// joinHall connects to the hall bus and takes the hall configuration the
// controller publishes (or the last good copy of it).
func (s *system) joinHall(ctx context.Context, f Flags) error {
	id, err := hallOfCreds(f)
	if err != nil {
		return &configError{err}
	}
	b, err := bus.Connect(ctx, f.busConfig(id), true, s.log)
	if err != nil {
		if errors.Is(err, bus.ErrAuth) {
			return &configError{err}
		}
		return err
	}
	s.bus = b
	s.close = append(s.close, func() error { b.Close(); return nil })
	if s.hall, err = terminalHall(ctx, b, f, s.log); err != nil {
		s.Close()
		return &configError{err}
	}
	s.log.Info("kiosk on the hall bus", "terminal", f.Terminal, "hall", s.hall.ID, "hall_version", s.hall.Version, "online", b.Online())
	return nil
}

func loadHall(path string) (*hall.Hall, error) {
	if path == "" {
		return hall.Sample()
	}
	return hall.Load(path)
}

func (s *system) pressButton(name string) error {
	for _, b := range s.board.Buttons {
		if b.Name == name {
			s.k.Button(name)
			if name == flow.ServiceButton {
				// The sim holds it for the long press that opens service mode.
				s.k.Event(flow.ButtonHeld{Name: name})
			}
			return nil
		}
	}
	return fmt.Errorf("button %q: the %s board has no such button", name, s.board.Name)
}

// Run shows the kiosk until ctx ends or the window is closed.
func (s *system) Run(ctx context.Context, f Flags) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer s.sup.serve(ctx)()
	go s.updates(ctx, f)
	if s.api != nil {
		ln, err := control.Listen(f.Control)
		if err != nil {
			return &configError{err}
		}
		s.log.Info("control API listening", "addr", ln.Addr().String())
		go s.api.Serve(ctx, ln)
	}
	if f.FirstFrame {
		s.first.exit = cancel
	}
	if s.link != nil {
		go s.link.Run(ctx)
		if !s.bus.Online() {
			s.k.Event(flow.BusChanged{Online: false})
		}
	}
	if wantsDRM(f, s.board) {
		return s.runDRM(ctx, f)
	}
	panel := s.rot.Size(logical)
	if f.Headless {
		s.first.set(rotate.New(headless.New(panel.X, panel.Y), s.rot, logical))
		return s.k.Run(ctx)
	}
	presenter, err := presenterName(f, s.board)
	if err != nil {
		return &configError{err}
	}
	w, err := window.Open(window.Options{Title: "onetrip — " + s.hall.Name.In("zh-CN"), Width: panel.X, Height: panel.Y,
		Fullscreen: f.Fullscreen, HideCursor: f.Fullscreen, Presenter: presenter})
	if err != nil {
		return &configError{fmt.Errorf("%w (to run without a window: onetrip run --headless)", err)}
	}
	s.log.Info("window open", "presenter", w.Presenter(), "size", panel)
	s.first.set(rotate.New(w, s.rot, logical))
	s.sup.watchWindow(w)
	done := make(chan error, 1)
	go func() { done <- s.k.Run(ctx) }()
	inputs := make(chan window.Input, 64)
	go s.forward(ctx, inputs)
	go func() {
		<-ctx.Done()
		w.Close()
	}()
	err = w.Run(inputs)
	cancel()
	if kerr := <-done; err == nil {
		err = kerr
	}
	return err
}

// presenterName is how frames reach the screen: --presenter, else the
// board's display.presenter, else the window's default (shm, which starts
// sooner and needs a third of the memory of gl: see present_bench_test.go).
func presenterName(f Flags, b *boards.Board) (string, error) {
	name := cmp.Or(f.Presenter, b.Display.Presenter, window.Presenters[0])
	if !slices.Contains(boards.Presenters, name) {
		return "", fmt.Errorf("--presenter %q is not one of %s", name, strings.Join(boards.Presenters, ", "))
	}
	return name, nil
}

// forward turns window input, turned by the panel's rotation, into kiosk input.
func (s *system) forward(ctx context.Context, in <-chan window.Input) {
	forwardTo(ctx, in, func(i kiosk.Input) {
		p := s.rot.FromPanel(image.Pt(i.X, i.Y), logical)
		i.X, i.Y = p.X, p.Y
		s.k.Input(i)
	})
}

// logical is the size every screen is laid out in; the panel may show it rotated.
var logical = screen.Size.Size()

// Close releases devices and the store.
func (s *system) Close() {
	for i := len(s.close) - 1; i >= 0; i-- {
		if err := s.close[i](); err != nil {
			s.log.Warn("close", "err", err)
		}
	}
}

// firstFrame forwards frames to the real presenter and logs how long start-up
// took to the first one.
type firstFrame struct {
	mu    sync.Mutex
	p     kiosk.Presenter
	seen  bool
	exit  func()
	ready func() // tells systemd the terminal is up; nil: nothing
}

func (f *firstFrame) set(p kiosk.Presenter) {
	f.mu.Lock()
	f.p = p
	f.mu.Unlock()
}

func (f *firstFrame) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	f.mu.Lock()
	p := f.p
	first := !f.seen
	f.seen = true
	f.mu.Unlock()
	err := p.Present(frame, dirty)
	if first {
		slog.Info("first frame presented", "after", time.Since(started).Round(time.Microsecond))
		if f.ready != nil {
			f.ready()
		}
		if f.exit != nil {
			f.exit()
		}
	}
	return err
}
