// Package kiosk wires the pure flow to the devices: one goroutine owns all
// state, turns device reports into flow events, carries out the flow's
// effects and presents a new frame whenever the picture changes.
package kiosk

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/hal/idcard"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

// Presenter shows frames: a GLFW window or the headless presenter.
type Presenter interface {
	Present(frame *image.RGBA, dirty []image.Rectangle) error
}

// Lamp and Buzzer are the indicator devices (GPIO or their twins).
type (
	Lamp   interface{ Set(pattern string) error }
	Buzzer interface{ Beep(pattern string) error }
)

// Issuer numbers tickets and commits them before they are shown: the
// kiosk's own store when it stands alone, the hall bus (with leased numbers
// for when the bus is away) in a hall.
type Issuer interface {
	Issue(ctx context.Context, r ticket.Request) (ticket.Ticket, error)
}

// Desk is the guide desk as a kiosk reaches it. Ask returns the request's
// id; the desk's acknowledgement comes back as flow.GuideComing through
// Kiosk.GuideComing.
type Desk interface {
	Ask(reason, matter string) (string, error)
}

// Devices are the board's devices, real or simulated.
type Devices struct {
	Cards idcard.Reader
	// CardsPresenceOnly marks a reader that only senses the card (PN532
	// without a SAM): its Present counts as "ID card brought".
	CardsPresenceOnly bool
	Printer           escpos.Printer
	Lamps             map[string]Lamp
	Buzzer            Buzzer
}

// InputKind is what a pointer or key did.
type InputKind int

const (
	PointerDown InputKind = iota
	PointerUp
	PointerMove
	Key
)

// Input is a touch (as pointer events, in framebuffer pixels) or a key.
type Input struct {
	Kind InputKind
	X, Y int
	Key  string
}

// Kiosk is the running kiosk.
type Kiosk struct {
	cfg     *flow.Config
	cats    locale.Catalogs
	store   *ticket.Store
	issuer  Issuer
	desk    Desk
	helps   map[string]bool // help requests of the current session
	dev     Devices
	present Presenter
	tickets *Tickets
	log     *slog.Logger
	keys    func(key string) (button string, ok bool)
	now     func() time.Time
	wake    func(now time.Time) bool
	waking  bool // the current touch woke the screen: ignore its release
	audit   Recorder
	service *Service
	alive   func()
	turn    time.Duration // the idle loop turns at least this often; 0: only when needed

	inputs   chan Input
	events   chan flow.Event
	buttons  chan string
	calls    Calls
	work     chan printWork    // to the printer worker
	printed  chan printOutcome // from it
	inFlight map[int64]bool    // tickets the worker has and has not answered for

	recheck      *time.Timer
	printerFault bool // a ticket failed to print; the printer is being watched
	checking     bool // a status question is with the worker

	state   flow.State
	layout  *screen.Layout
	painter *screen.Painter
	shown   *image.RGBA
	pressed string
	painted string // the widget drawn pressed in shown
	frames  int64
}

// Options configure a kiosk.
type Options struct {
	Flow     *flow.Config
	Catalogs locale.Catalogs
	Store    *ticket.Store
	// Issuer numbers tickets; nil: the store alone (a standalone kiosk).
	Issuer Issuer
	// Desk is the guide desk; nil: a standalone kiosk only lights its lamp.
	Desk      Desk
	Devices   Devices
	Presenter Presenter
	Tickets   *Tickets
	Log       *slog.Logger
	// KeyButton maps a keyboard key to a physical button's name (sim board).
	KeyButton func(key string) (string, bool)
	// Now is the clock; tests and benchmarks may replace it.
	Now func() time.Time
	// Wake is told of every touch; it returns true when the touch only woke
	// a blanked screen, and then the touch goes no further.
	Wake func(now time.Time) bool
	// Audit keeps the audit trail of events and frames; nil: none.
	Audit Recorder
	// Service is what service mode needs; nil: the PIN pad says no PIN is
	// configured.
	Service *Service
	// Alive is called after every turn of the loop, and the loop turns at
	// least every AliveEvery while idle: systemd's watchdog hears from it
	// only while the loop is not stuck. nil: nothing.
	Alive      func()
	AliveEvery time.Duration
}

// New prepares a kiosk; Run starts it.
func New(o Options) *Kiosk {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeyButton == nil {
		o.KeyButton = func(string) (string, bool) { return "", false }
	}
	if o.Issuer == nil {
		o.Issuer = o.Store
	}
	if o.Alive == nil {
		o.Alive = func() {}
	}
	k := &Kiosk{
		cfg: o.Flow, cats: o.Catalogs, store: o.Store, issuer: o.Issuer, desk: o.Desk, helps: map[string]bool{},
		dev: o.Devices, present: o.Presenter,
		tickets: o.Tickets, log: o.Log, keys: o.KeyButton, now: o.Now, wake: o.Wake,
		alive: o.Alive, turn: o.AliveEvery,
		inputs:   make(chan Input, 64),
		events:   make(chan flow.Event, 16),
		buttons:  make(chan string, 16),
		calls:    make(Calls),
		work:     make(chan printWork, 256),
		printed:  make(chan printOutcome, 16),
		inFlight: map[int64]bool{},
		painter:  screen.NewPainter(),
		shown:    render.NewFrame(screen.Size),
	}
	k.recheck = time.NewTimer(time.Hour)
	k.recheck.Stop()
	k.state = flow.New(k.cfg, k.now())
	k.audit = o.Audit
	k.service = o.Service
	return k
}

// Input queues a touch or key; it never blocks the caller for long.
func (k *Kiosk) Input(in Input) {
	if in.Kind == PointerMove {
		select {
		case k.inputs <- in:
		default:
		}
		return
	}
	k.inputs <- in
}

// Touch is a tap at p through the same path as a touchscreen's pointer down
// and up. Call it on the kiosk's goroutine (inside Do).
func (k *Kiosk) Touch(p image.Point) {
	k.input(Input{Kind: PointerDown, X: p.X, Y: p.Y})
	k.redraw()
	k.input(Input{Kind: PointerUp, X: p.X, Y: p.Y})
}

// Event feeds an event from a device edge (such as the reader coming back)
// into the flow.
func (k *Kiosk) Event(ev flow.Event) { k.events <- ev }

// GuideComing reports that a guide acknowledged help request id; it shows
// only if the request is of the current session.
func (k *Kiosk) GuideComing(id string) {
	k.calls <- func() {
		if k.helps[id] {
			k.step(flow.GuideComing{})
		}
	}
}

// Button reports a physical button press.
func (k *Kiosk) Button(name string) { k.buttons <- name }

// Do runs f on the kiosk's goroutine and waits for it: the control API reads
// state this way without locks.
func (k *Kiosk) Do(ctx context.Context, f func()) error {
	return k.calls.Do(ctx, f)
}

// Layout returns the layout on screen (call inside Do).
func (k *Kiosk) Layout() *screen.Layout { return k.layout }

// Lang is the language on screen (call inside Do).
func (k *Kiosk) Lang() string { return k.state.Lang }

// State returns the flow state (call inside Do).
func (k *Kiosk) State() flow.State { return k.state }

// Frame returns the frame on screen (call inside Do; do not keep it).
func (k *Kiosk) Frame() *image.RGBA { return k.shown }

// Run serves the kiosk until ctx ends. It first deals with tickets that were
// issued but never printed (a power cut mid-ticket), then draws the first frame.
func (k *Kiosk) Run(ctx context.Context) error {
	k.setLamp("status", "ready")
	go k.printer(ctx)
	// Ask the printer before the first citizen does; a good answer also
	// prints what was issued before a power cut and never printed.
	k.checkPrinter()
	k.redraw()
	var cards <-chan idcard.Event
	if k.dev.Cards != nil {
		cards = k.dev.Cards.Events()
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var turn <-chan time.Time
	if k.turn > 0 {
		t := time.NewTicker(k.turn)
		defer t.Stop()
		turn = t.C
	}
	for {
		k.arm(timer)
		select {
		case <-ctx.Done():
			return nil
		case in := <-k.inputs:
			k.input(in)
		case name := <-k.buttons:
			k.step(flow.Button{Name: name})
		case ev, ok := <-cards:
			if !ok {
				cards = nil
				k.log.Warn("card reader closed")
				continue
			}
			k.card(ev)
		case ev := <-k.events:
			k.step(ev)
		case o := <-k.printed:
			k.printerReported(o)
		case <-k.recheck.C:
			if k.printerFault && !k.checking {
				k.checkPrinter()
			}
		case f := <-k.calls:
			f()
		case <-timer.C:
			k.step(flow.Tick{})
		case <-turn:
		}
		k.redraw()
		k.alive()
	}
}

// arm sets the timer to the earlier of the flow's deadline and the screen's
// next refresh; on the attract screen that is once a minute.
func (k *Kiosk) arm(t *time.Timer) {
	now := k.now()
	wait := time.Hour
	if dl := k.state.Deadline(k.cfg); !dl.IsZero() {
		wait = max(dl.Sub(now), 0)
	}
	if r := screen.Refresh(k.state, now); r > 0 && r < wait {
		wait = r
	}
	t.Reset(wait)
}

func (k *Kiosk) input(in Input) {
	switch in.Kind {
	case Key:
		if b, ok := k.keys(in.Key); ok {
			k.step(flow.Button{Name: b})
			if b == flow.ServiceButton {
				// Only the sim board has keys, and they cannot be held
				// for the long press: the service key counts as held.
				k.step(flow.ButtonHeld{Name: b})
			}
		}
	case PointerDown:
		if k.wake != nil && k.wake(k.now()) {
			k.waking = true
			return
		}
		id, ok := k.layout.Hit(image.Pt(in.X, in.Y))
		if ok {
			k.pressed = id
		}
	case PointerUp:
		if k.waking {
			k.waking = false
			return
		}
		id, ok := k.layout.Hit(image.Pt(in.X, in.Y))
		pressed := k.pressed
		k.pressed = ""
		if ok && id == pressed {
			k.step(flow.Tap{ID: id})
		}
	}
}

// card turns a reader report into a flow event. The card itself is wiped
// here: only the holder's name and number go on, into session memory.
func (k *Kiosk) card(ev idcard.Event) {
	switch ev.Kind {
	case idcard.Present:
		k.step(flow.CardPresent{})
		if k.dev.CardsPresenceOnly {
			k.step(flow.CardRead{Holder: flow.Holder{}})
		}
	case idcard.Read:
		c := ev.Card
		defer c.Wipe()
		if err := c.Check(k.now()); err != nil {
			k.log.Info("card refused", "card", c, "why", err)
			k.step(flow.CardFailed{Problem: cardProblem(err)})
			k.judged(cardProblem(err))
			return
		}
		k.step(flow.CardRead{Holder: flow.Holder{Name: c.Name, Number: c.Number}})
		k.judged("")
	case idcard.Failed:
		k.log.Warn("card read failed", "err", ev.Err)
		k.step(flow.CardFailed{Problem: "unreadable"})
		k.judged("unreadable")
	case idcard.Removed:
		k.step(flow.CardRemoved{})
	}
}

// cardProblems maps card errors to the explanation shown (a locale key under "id.").
var cardProblems = []struct {
	err error
	key string
}{
	{idcard.ErrExpired, "expired"},
	{idcard.ErrNotYetValid, "not_yet_valid"},
	{idcard.ErrBadNumber, "bad_number"},
}

func cardProblem(err error) string {
	for _, p := range cardProblems {
		if errors.Is(err, p.err) {
			return p.key
		}
	}
	return "unreadable"
}

// step runs one event through the flow and carries out the effects, which
// may feed further events back in.
func (k *Kiosk) step(ev flow.Event) {
	queue := []flow.Event{ev}
	for len(queue) > 0 {
		var fx []flow.Effect
		before, now := k.state, k.now()
		k.state, fx = flow.Step(k.cfg, before, queue[0], now)
		// Service mode is no citizen's session, and its PIN stays out of the trail.
		if k.audit != nil && !before.InService() && !k.state.InService() {
			k.audit.Event(now, queue[0], before, k.state)
		}
		queue = queue[1:]
		for _, f := range fx {
			if next := k.effect(f); next != nil {
				queue = append(queue, next)
			}
		}
	}
}

func (k *Kiosk) effect(f flow.Effect) flow.Event {
	if ev, ok := k.serviceEffect(f); ok {
		return ev
	}
	switch f := f.(type) {
	case flow.IssueTicket:
		return k.issue(f)
	case flow.PrintTicket:
		k.print(f)
	case flow.CallGuide:
		k.callGuide(f)
	case flow.SetLamp:
		k.setLamp(f.Lamp, f.Pattern)
	case flow.Beep:
		if k.dev.Buzzer != nil {
			if err := k.dev.Buzzer.Beep(f.Pattern); err != nil {
				k.log.Warn("buzzer", "err", err)
			}
		}
	case flow.PrintSlip:
		return k.printSlip(f)
	case flow.ReadCard:
		if k.dev.CardsPresenceOnly {
			return flow.CardRead{} // the card is there: that is all this reader says
		}
		rr, ok := k.dev.Cards.(idcard.Rereader)
		if !ok {
			// A SAM module reads a card once per placement: ask for it again.
			return flow.CardFailed{Problem: "replace"}
		}
		go func() {
			if err := rr.Reread(); err != nil {
				k.log.Warn("card on the reader not read again", "err", err)
			}
		}()
	case flow.EndSession:
		k.log.Info("session ended", "reason", f.Reason)
		clear(k.helps)
		k.checkPrinter() // back on the attract screen: is the printer ready for the next one?
	}
	return nil
}

func (k *Kiosk) setLamp(name, pattern string) {
	if l, ok := k.dev.Lamps[name]; ok {
		if err := l.Set(pattern); err != nil {
			k.log.Warn("lamp", "lamp", name, "err", err)
		}
	}
}

// issue makes the ticket durable; only then does the flow show or print it.
func (k *Kiosk) issue(f flow.IssueTicket) flow.Event {
	m, ok := k.cfg.Hall.Matter(f.Matter)
	if !ok {
		return flow.IssueFailed{Reason: "unknown matter " + f.Matter}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t, err := k.issuer.Issue(ctx, ticket.Request{
		Matter: m.ID, Prefix: m.Prefix, Green: f.Green, Lang: f.Lang, Now: k.now(), ResetHour: k.cfg.Hall.ResetHour,
	})
	if err != nil {
		k.log.Error("ticket not issued", "matter", m.ID, "err", err)
		return flow.IssueFailed{Reason: err.Error()}
	}
	k.log.Info("ticket issued", "number", t.Number, "matter", t.Matter, "green", t.Green, "offline", t.Offline)
	return flow.TicketIssued{Ticket: flowTicket(t)}
}

func flowTicket(t ticket.Ticket) flow.Ticket {
	return flow.Ticket{ID: t.ID, Number: t.Number, Matter: t.Matter, Green: t.Green, Ahead: t.Ahead, AheadKnown: t.AheadKnown,
		WaitMin: t.WaitMin, WaitKnown: t.WaitKnown, Approx: t.Approx, Token: t.Token, Issued: t.Issued}
}

// helpReasons maps the flow's reasons for a guide call to what the guide
// desk lists.
var helpReasons = map[string]string{
	"have-questions": "questions", "online-help": "online-help", "print-problem": "not-printed",
	"help": "help", "call-guide": "help",
}

// callGuide tells the guide desk, in the background; a call that cannot
// reach it changes the banner so the citizen is not told a guide is coming.
func (k *Kiosk) callGuide(f flow.CallGuide) {
	reason := helpReasons[f.Reason]
	if f.Screen == flow.ID || k.state.NoID && f.Reason == "call-guide" {
		reason = "no-id"
	}
	k.log.Info("guide called", "reason", reason, "screen", string(f.Screen), "matter", f.Matter)
	if k.desk == nil {
		return
	}
	go func() {
		id, err := k.desk.Ask(reason, f.Matter)
		if err != nil {
			k.log.Warn("the guide desk was not told", "err", err)
			k.events <- flow.GuideUnreachable{}
			return
		}
		k.calls <- func() { k.helps[id] = true }
	}()
}

// redraw lays out the screen, repaints in the shown frame only the widgets,
// texts and codes that changed (all of it for the first frame or another
// screen) and presents those rectangles. Nothing is presented when nothing
// changed.
func (k *Kiosk) redraw() {
	now := k.now()
	prev := k.layout
	k.layout = screen.Build(k.cfg, k.state, k.cats, now)
	dirty := k.painter.Update(k.shown, prev, k.layout, k.painted, k.pressed)
	k.painted = k.pressed
	if len(dirty) == 0 {
		return
	}
	if err := k.present.Present(k.shown, dirty); err != nil {
		k.log.Error("present", "err", err)
	}
	if k.audit != nil && !k.state.InService() {
		k.audit.Frame(now, k.state, k.pressed, k.shown)
	}
	k.frames++
}
