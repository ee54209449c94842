package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"onetrip/firmware/bus"
	"onetrip/firmware/control"
	"onetrip/firmware/counter"
	"onetrip/firmware/display"
	"onetrip/firmware/guide"
	"onetrip/firmware/hall"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/terminal"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/ui/headless"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
	"onetrip/ui/window"
)

// runTerminal runs a guide desk, a counter or the call display.
func runTerminal(ctx context.Context, f Flags, log *slog.Logger) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(os.Stderr, "onetrip: %v\n", err)
		return code
	}
	id, err := hallOfCreds(f)
	if err != nil {
		return fail(exitConfig, err)
	}
	b, err := bus.Connect(ctx, f.busConfig(id), true, log)
	if err != nil {
		if errors.Is(err, bus.ErrAuth) {
			return fail(exitConfig, err)
		}
		return fail(1, err)
	}
	defer b.Close()
	if err := os.MkdirAll(f.Data, 0o755); err != nil {
		return fail(1, fmt.Errorf("data directory: %w", err))
	}
	h, err := terminalHall(ctx, b, f, log)
	if err != nil {
		return fail(exitConfig, err)
	}
	cats, err := locale.Load()
	if err != nil {
		return fail(1, err)
	}
	lang := f.Lang
	if lang == "" {
		lang = h.Languages[0]
	}
	var role terminal.Role
	var printer escpos.Printer
	switch f.Role {
	case "guide":
		profile, err := escpos.LoadProfile("80mm")
		if err != nil {
			return fail(1, err)
		}
		sim, err := escpossim.New(filepath.Join(f.Data, "printer"), profile, render.DefaultFont().XFace)
		if err != nil {
			return fail(1, err)
		}
		defer sim.Close()
		printer = sim
		role = guide.New(h, cats, f.Terminal, profile, lang)
	case "counter":
		c, err := counter.New(h, cats, f.Terminal, f.Window, lang)
		if err != nil {
			return fail(exitConfig, err)
		}
		role = c
	case "display":
		role = display.New(h, cats, lang)
	}
	sup, err := supervise(f, f.Role, b, log)
	if err != nil {
		return fail(exitConfig, err)
	}
	first := &firstFrame{ready: sup.ready(f.Role + " on screen, hall " + h.ID)}
	alive, aliveEvery := sup.alive()
	r := terminal.New(terminal.Options{Role: role, RoleName: f.Role, Terminal: f.Terminal, Hall: h, Bus: b,
		Presenter: sup.presenter(first), Printer: sup.printer(printer), Log: log,
		Alive: alive, AliveEvery: aliveEvery})
	log.Info("terminal starting", "role", f.Role, "terminal", f.Terminal, "hall", h.ID, "hall_version", h.Version,
		"bus", f.Bus, "online", b.Online(), "data", f.Data)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer sup.serve(ctx)()
	if f.Control != "" {
		ln, err := control.Listen(f.Control)
		if err != nil {
			return fail(exitConfig, err)
		}
		log.Info("control API listening", "addr", ln.Addr().String())
		go control.New(r, control.Sim{}, log).Serve(ctx, ln)
	}
	if f.FirstFrame {
		first.exit = cancel
	}
	// A version on trial commits once the runner keeps answering.
	go commitOnTrial(ctx, log, func(ctx context.Context) (bool, error) { return true, r.Do(ctx, func() {}) })
	size := screen.Size.Size()
	if f.Headless {
		first.set(headless.New(size.X, size.Y))
		if err := r.Run(ctx); err != nil {
			return fail(1, err)
		}
		return 0
	}
	presenter := cmp.Or(f.Presenter, window.Presenters[0])
	if presenter == "drm" {
		return fail(exitConfig, fmt.Errorf("--presenter drm: the %s runs in a window (gl or shm) or --headless; only the kiosk takes the display itself", f.Role))
	}
	w, err := window.Open(window.Options{Title: "onetrip " + f.Role + " — " + h.Name.In("zh-CN"), Width: size.X, Height: size.Y,
		Fullscreen: f.Fullscreen, HideCursor: f.Fullscreen, Presenter: presenter})
	if err != nil {
		return fail(exitConfig, fmt.Errorf("%w (to run without a window: onetrip run --headless)", err))
	}
	first.set(w)
	sup.watchWindow(w)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	inputs := make(chan window.Input, 64)
	go forwardTo(ctx, inputs, r.Input)
	go func() {
		<-ctx.Done()
		w.Close()
	}()
	err = w.Run(inputs)
	cancel()
	if rerr := <-done; err == nil {
		err = rerr
	}
	if err != nil {
		return fail(1, err)
	}
	return 0
}

// terminalHall is the hall configuration the controller publishes, kept in
// the data directory as the last good version for when the controller is
// away; without either, the --hall file.
func terminalHall(ctx context.Context, b *bus.Bus, f Flags, log *slog.Logger) (*hall.Hall, error) {
	saved := filepath.Join(f.Data, "hall.toml")
	src, version, err := b.HallConfig(ctx)
	if err == nil {
		h, perr := hall.Parse("hall configuration from the bus (version "+version+")", src)
		if perr == nil {
			if werr := os.WriteFile(saved+".new", src, 0o644); werr == nil {
				os.Rename(saved+".new", saved)
			}
			log.Info("hall configuration from the controller", "version", h.Version)
			return h, nil
		}
		log.Error("the controller's hall configuration does not load; using the last good one", "err", perr)
	} else {
		log.Warn("hall configuration not available from the bus", "err", err)
	}
	if _, serr := os.Stat(saved); serr == nil {
		h, err := hall.Load(saved)
		if err == nil {
			log.Warn("running the last good hall configuration", "version", h.Version, "file", saved)
		}
		return h, err
	}
	if f.Hall != "" {
		return hall.Load(f.Hall)
	}
	return nil, fmt.Errorf("no hall configuration: the controller is not reachable and %s does not exist yet (give --hall FILE)", saved)
}

// forwardTo turns window input into terminal input.
func forwardTo(ctx context.Context, in <-chan window.Input, to func(kiosk.Input)) {
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
				to(kiosk.Input{Kind: k, X: i.X, Y: i.Y, Key: i.Key})
			}
		}
	}
}
