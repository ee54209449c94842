package main

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/image/font"

	"onetrip/assets"
	"onetrip/boards"
	"onetrip/firmware/control"
	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/headless"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/window"
)

// system is a kiosk assembled from a board, a hall and a data directory.
type system struct {
	log   *slog.Logger
	board *boards.Board
	hall  *hall.Hall
	store *ticket.Store
	k     *kiosk.Kiosk
	api   *control.API
	first *firstFrame
	sim   control.Sim
	close []func() error
}

// assemble loads and checks everything before anything is shown: a broken
// hall file or board stops start-up with one line saying where.
func assemble(f Flags, log *slog.Logger) (*system, error) {
	s := &system{log: log}
	var err error
	if s.board, err = boards.Load(f.Board); err != nil {
		return nil, &configError{err}
	}
	if s.hall, err = loadHall(f.Hall); err != nil {
		return nil, &configError{err}
	}
	cats, err := locale.Load()
	if err != nil {
		return nil, err
	}
	profile, err := escpos.LoadProfile(s.board.Printer.Profile)
	if err != nil {
		return nil, &configError{fmt.Errorf("board %s: %w", s.board.Name, err)}
	}
	if err := os.MkdirAll(f.Data, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if s.store, err = ticket.Open(filepath.Join(f.Data, "tickets.db")); err != nil {
		return nil, err
	}
	s.close = append(s.close, s.store.Close)

	face := render.DefaultFont().XFace
	devs, err := s.devices(f, profile, face)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.first = &firstFrame{}
	s.k = kiosk.New(kiosk.Options{
		Flow:      flow.NewConfig(s.hall),
		Catalogs:  cats,
		Store:     s.store,
		Devices:   devs,
		Presenter: s.first,
		Tickets:   kiosk.NewTickets(s.hall, cats, profile, face),
		Log:       log,
		KeyButton: s.board.ButtonForKey,
	})
	if f.Control != "" {
		if s.board.Name != "sim" {
			s.Close()
			return nil, &configError{fmt.Errorf("--control is only available on the sim board (this is %s)", s.board.Name)}
		}
		s.api = control.New(s.k, s.sim, log)
	}
	return s, nil
}

func loadHall(path string) (*hall.Hall, error) {
	if path == "" {
		src, err := assets.FS.ReadFile(assets.SampleHall)
		if err != nil {
			return nil, err
		}
		return hall.Parse("sample hall ("+assets.SampleHall+")", src)
	}
	return hall.Load(path)
}

// devices builds the board's devices. Issue-2 scope: the simulated board.
func (s *system) devices(f Flags, p escpos.Profile, face func(px float64) font.Face) (kiosk.Devices, error) {
	b := s.board
	if b.IDCard.Driver != "sim" || b.Printer.Driver != "sim" {
		return kiosk.Devices{}, &configError{fmt.Errorf("board %s: drivers %s/%s are not available in this build", b.Name, b.IDCard.Driver, b.Printer.Driver)}
	}
	cards := idcardsim.New()
	s.close = append(s.close, cards.Close)
	printer, err := escpossim.New(filepath.Join(f.Data, "printer"), p, face)
	if err != nil {
		return kiosk.Devices{}, err
	}
	s.close = append(s.close, printer.Close)
	lamps := map[string]kiosk.Lamp{}
	for _, l := range b.Lamps {
		lamps[l.Name] = gpiosim.NewLamp(l.Name, s.log)
	}
	s.sim = control.Sim{Cards: cards, Printer: printer, Buttons: s.pressButton}
	return kiosk.Devices{Cards: cards, Printer: printer, Lamps: lamps, Buzzer: gpiosim.NewBuzzer(s.log)}, nil
}

func (s *system) pressButton(name string) error {
	for _, b := range s.board.Buttons {
		if b.Name == name {
			s.k.Button(name)
			return nil
		}
	}
	return fmt.Errorf("button %q: the %s board has no such button", name, s.board.Name)
}

// Run shows the kiosk until ctx ends or the window is closed.
func (s *system) Run(ctx context.Context, f Flags) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.api != nil {
		ln, err := control.Listen(f.Control)
		if err != nil {
			return err
		}
		s.log.Info("control API listening", "addr", ln.Addr().String())
		go s.api.Serve(ctx, ln)
	}
	if f.FirstFrame {
		s.first.exit = cancel
	}
	if f.Headless {
		s.first.set(headless.New(screen().X, screen().Y))
		return s.k.Run(ctx)
	}
	w, err := window.Open(window.Options{Title: "onetrip — " + s.hall.Name.In("zh-CN"), Width: screen().X, Height: screen().Y, Fullscreen: f.Fullscreen, HideCursor: f.Fullscreen})
	if err != nil {
		return &configError{fmt.Errorf("%w (to run without a window: onetrip run --headless)", err)}
	}
	s.first.set(w)
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

// forward turns window input into kiosk input.
func (s *system) forward(ctx context.Context, in <-chan window.Input) {
	kinds := map[window.InputKind]kiosk.InputKind{
		window.PointerDown: kiosk.PointerDown, window.PointerUp: kiosk.PointerUp,
		window.PointerMove: kiosk.PointerMove, window.Key: kiosk.Key,
	}
	for {
		select {
		case <-ctx.Done():
			return
		case i := <-in:
			if i.Kind == window.Closed {
				return
			}
			if k, ok := kinds[i.Kind]; ok {
				s.k.Input(kiosk.Input{Kind: k, X: i.X, Y: i.Y, Key: i.Key})
			}
		}
	}
}

func screen() image.Point { return image.Pt(1280, 800) }

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
	mu   sync.Mutex
	p    kiosk.Presenter
	seen bool
	exit func()
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
		if f.exit != nil {
			f.exit()
		}
	}
	return err
}
