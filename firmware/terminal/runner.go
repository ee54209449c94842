package terminal

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"slices"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/hall"
	"onetrip/firmware/kiosk"
	"onetrip/firmware/queue"
	"onetrip/hal/escpos"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

// Options configure a runner.
type Options struct {
	Role      Role
	RoleName  string // "guide", "counter", "display": the heartbeat's role
	Terminal  string
	Hall      *hall.Hall
	Bus       *bus.Bus
	Presenter kiosk.Presenter
	Printer   escpos.Printer // nil: the terminal has none
	Log       *slog.Logger
	Now       func() time.Time
	// Alive is called after every turn of the loop, and the loop turns at
	// least every AliveEvery while idle (systemd's watchdog). nil: nothing.
	Alive      func()
	AliveEvery time.Duration
}

// Runner is a running terminal: one goroutine owns the view, the role and
// the frame.
type Runner struct {
	o       Options
	view    *queue.View
	seqs    *bus.Sequences
	kiosks  map[string]Kiosk
	online  bool
	started bool

	inputs     chan kiosk.Input
	deliveries chan bus.Delivery
	results    chan outcome
	beats      chan bus.Beat
	calls      kiosk.Calls

	layout  *screen.Layout
	painter *screen.Painter
	shown   *image.RGBA
	pressed string
	painted string          // the widget drawn pressed in shown
	dropped map[string]bool // reasons of dropped messages already logged
}

// outcome is an effect's result on its way back to the loop, with the
// stream sequence of a published event.
type outcome struct {
	Result
	published queue.Event
	seq       uint64
}

// New prepares a runner; Run starts it.
func New(o Options) *Runner {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Alive == nil {
		o.Alive = func() {}
	}
	return &Runner{
		o: o, view: queue.NewView(o.Hall), seqs: bus.NewSequences(o.Bus.Subjects), kiosks: map[string]Kiosk{},
		inputs: make(chan kiosk.Input, 64), deliveries: make(chan bus.Delivery, 1024),
		results: make(chan outcome, 16), beats: make(chan bus.Beat, 64), calls: make(kiosk.Calls),
		painter: screen.NewPainter(), shown: render.NewFrame(screen.Size),
		dropped: map[string]bool{},
	}
}

// Input queues a touch from the window.
func (r *Runner) Input(in kiosk.Input) {
	select {
	case r.inputs <- in:
	default:
	}
}

// Do runs f on the runner's goroutine and waits for it.
func (r *Runner) Do(ctx context.Context, f func()) error {
	return r.calls.Do(ctx, f)
}

// Layout, Lang, Frame and Touch serve the control API (inside Do).
func (r *Runner) Layout() *screen.Layout { return r.layout }
func (r *Runner) Lang() string           { return r.o.Role.Lang() }
func (r *Runner) Frame() *image.RGBA     { return r.shown }
func (r *Runner) Touch(p image.Point) {
	r.input(kiosk.Input{Kind: kiosk.PointerDown, X: p.X, Y: p.Y})
	r.redraw()
	r.input(kiosk.Input{Kind: kiosk.PointerUp, X: p.X, Y: p.Y})
}

// View is the queue view (inside Do).
func (r *Runner) View() *queue.View { return r.view }

func (r *Runner) snapshot() Snapshot {
	ks := make([]Kiosk, 0, len(r.kiosks))
	now := r.o.Now()
	for _, k := range r.kiosks {
		k.Online = now.Sub(k.LastSeen) < 3*bus.BeatEvery && !k.Offline
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b Kiosk) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return Snapshot{View: r.view, Kiosks: ks, Online: r.online, HallVersion: r.o.Hall.Version, Terminal: r.o.Terminal, Now: now}
}

// Run follows the hall's stream from the start of the service day and serves
// the terminal until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	log := r.o.Log
	r.online = r.o.Bus.Online()
	since := queue.DayStart(r.o.Now(), r.o.Hall.ResetHour)
	follow := func() error {
		return r.o.Bus.Follow(ctx, since, func(d bus.Delivery) {
			select {
			case r.deliveries <- d:
			case <-ctx.Done():
			}
		})
	}
	following := follow() == nil
	if !following {
		log.Warn("hall bus: not following the queue yet; trying again while it is away")
	}
	if err := r.o.Bus.Listen(func(b bus.Beat) {
		select {
		case r.beats <- b:
		default:
		}
	}); err != nil {
		log.Warn("hall bus: no heartbeats", "err", err)
	}
	changes := r.o.Bus.Changes()
	beat := time.NewTicker(bus.BeatEvery)
	defer beat.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var turn <-chan time.Time
	if r.o.AliveEvery > 0 {
		t := time.NewTicker(r.o.AliveEvery)
		defer t.Stop()
		turn = t.C
	}
	r.redraw()
	for {
		r.arm(timer)
		select {
		case <-ctx.Done():
			if r.started {
				r.effects(context.Background(), r.o.Role.Stop(r.snapshot()), true)
			}
			return nil
		case in := <-r.inputs:
			r.input(in)
		case d := <-r.deliveries:
			r.deliver(d)
			r.drain()
		case o := <-r.results:
			if o.Err == nil && o.seq > 0 {
				r.seqs.Published(o.published, o.seq)
			}
			r.effects(ctx, r.o.Role.Result(r.snapshot(), o.Result), false)
		case b := <-r.beats:
			if b.Role == "kiosk" {
				r.kiosks[b.Terminal] = Kiosk{ID: b.Terminal, Offline: b.Offline, LastSeen: r.o.Now()}
			}
		case on := <-changes:
			if on != r.online {
				log.Info("hall bus", "online", on)
			}
			r.online = on
		case <-beat.C:
			if !following {
				following = follow() == nil
			}
			r.o.Bus.Beat(bus.Beat{Role: r.o.RoleName, Terminal: r.o.Terminal, Hall: r.o.Hall.Version, At: r.o.Now()})
		case f := <-r.calls:
			f()
		case <-timer.C:
		case <-turn:
		}
		r.redraw()
		r.o.Alive()
	}
}

// drain applies every delivery already waiting before the next redraw: a
// rush of tickets, or catching up with a day's stream, costs one frame,
// not one frame per ticket.
func (r *Runner) drain() {
	for range cap(r.deliveries) {
		select {
		case d := <-r.deliveries:
			r.deliver(d)
		default:
			return
		}
	}
}

func (r *Runner) arm(t *time.Timer) {
	wait := time.Hour
	if d := r.o.Role.Refresh(r.snapshot()); d > 0 {
		wait = d
	}
	// Kiosks fall silent without a message: look again when one may have.
	if len(r.kiosks) > 0 {
		wait = min(wait, bus.BeatEvery)
	}
	t.Reset(wait)
}

// deliver applies one message of the stream. A message that is not a valid
// event, or contradicts the queue, is logged once per reason and dropped.
func (r *Runner) deliver(d bus.Delivery) {
	if d.Err == nil && d.Event.Kind != "" {
		if err := r.view.Apply(d.Event); err != nil {
			d.Err = err
		} else {
			r.seqs.Saw(d.Subject, d.Sequence)
			r.effects(context.Background(), r.o.Role.Changed(r.snapshot(), d.Event), false)
		}
	}
	if d.Err != nil {
		key := d.Err.Error()
		if !r.dropped[key] {
			r.dropped[key] = true
			r.o.Log.Warn("hall bus: dropped a message", "subject", d.Subject, "seq", d.Sequence, "err", d.Err)
		}
	}
	if d.CaughtUp && !r.started {
		r.started = true
		r.o.Log.Info("caught up with the hall's queue", "day", r.view.Day(), "tickets", len(r.view.Tickets()))
		r.effects(context.Background(), r.o.Role.Start(r.snapshot()), false)
	}
}

// effects carries out what the role asked for. Publishing and printing run
// in the background; their results come back to the loop. On shutdown
// (wait) they are carried out before returning.
func (r *Runner) effects(ctx context.Context, fx []Effect, wait bool) {
	for _, f := range fx {
		switch f := f.(type) {
		case Publish:
			expect := r.seqs.Expect(f.Event)
			run := func() {
				e, seq, err := r.o.Bus.Publish(ctx, f.Event, expect)
				if err != nil && !errors.Is(err, queue.ErrConflict) {
					r.o.Log.Warn("hall bus: not published", "kind", f.Event.Kind, "err", err)
				}
				select {
				case r.results <- outcome{Result{Effect: Publish{Event: e}, Err: err}, e, seq}:
				case <-ctx.Done():
				}
			}
			if wait {
				if _, _, err := r.o.Bus.Publish(ctx, f.Event, expect); err != nil {
					r.o.Log.Warn("hall bus: not published", "kind", f.Event.Kind, "err", err)
				}
				continue
			}
			go run()
		case Print:
			if r.o.Printer == nil {
				r.results <- outcome{Result: Result{Effect: f, Err: errors.New("this terminal has no printer")}}
				continue
			}
			go func() {
				pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				err := r.o.Printer.Print(pctx, f.Job)
				if err != nil {
					r.o.Log.Warn("slip not printed", "slip", f.Name, "err", err)
				}
				r.results <- outcome{Result: Result{Effect: f, Err: err}}
			}()
		}
	}
}

func (r *Runner) input(in kiosk.Input) {
	switch in.Kind {
	case kiosk.PointerDown:
		if id, ok := r.layout.Hit(image.Pt(in.X, in.Y)); ok {
			r.pressed = id
		}
	case kiosk.PointerUp:
		id, ok := r.layout.Hit(image.Pt(in.X, in.Y))
		pressed := r.pressed
		r.pressed = ""
		if ok && id == pressed {
			r.effects(context.Background(), r.o.Role.Tap(r.snapshot(), id), false)
		}
	}
}

// redraw builds the role's screen, repaints in the shown frame only what
// changed and presents those rectangles.
func (r *Runner) redraw() {
	prev := r.layout
	r.layout = r.o.Role.Build(r.snapshot())
	dirty := r.painter.Update(r.shown, prev, r.layout, r.painted, r.pressed)
	r.painted = r.pressed
	if len(dirty) == 0 {
		return
	}
	if err := r.o.Presenter.Present(r.shown, dirty); err != nil {
		r.o.Log.Error("present", "err", err)
	}
}
