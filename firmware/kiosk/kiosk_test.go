package kiosk

import (
	"context"
	"image"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onetrip/firmware/flow"
	"onetrip/firmware/hall"
	"onetrip/firmware/ticket"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/idcard"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/locale"
	"onetrip/ui/render"
)

// frames records what was presented.
type frames struct {
	mu    sync.Mutex
	n     int
	dirty int
	got   chan struct{}
}

func (f *frames) Present(frame *image.RGBA, dirty []image.Rectangle) error {
	f.mu.Lock()
	f.n++
	for _, r := range dirty {
		f.dirty += r.Dx() * r.Dy()
	}
	f.mu.Unlock()
	select {
	case f.got <- struct{}{}:
	default:
	}
	return nil
}

// clock is the rig's clock: it starts at rigStart whenever the test runs
// and moves at the speed of real time (the kiosk's timers run on real time,
// and the flow's timeouts must fall due), plus whatever the test adds with
// Advance. So nothing a test sees depends on the hour or minute it runs at.
type clock struct {
	mu      sync.Mutex
	started time.Time // real time at rigStart
	skipped time.Duration
}

// rigStart is the rig's time: a Tuesday morning, far from the service day's
// reset, and halfway through a minute, so the attract screen's clock (which
// redraws on the minute) changes only after 30 s, long after any test here
// is over, unless the test moves it.
var rigStart = time.Date(2026, 3, 10, 10, 15, 30, 0, time.Local)

func newClock() *clock { return &clock{started: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return rigStart.Add(time.Since(c.started) + c.skipped)
}

// Advance moves the clock on by d at once.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipped += d
}

// rig is a kiosk on the simulated board, running in the test.
type rig struct {
	t       testing.TB
	k       *Kiosk
	clock   *clock
	cards   *idcardsim.Reader
	printer *escpossim.Printer
	lamps   map[string]*gpiosim.Lamp
	store   *ticket.Store
	dir     string
	frames  *frames
	log     *syncBuilder
	cancel  func()
	done    chan error
}

type syncBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func newRig(t testing.TB, dir string, adjust ...func(*Options)) *rig {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	profile, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	store, err := ticket.Open(filepath.Join(dir, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	face := render.DefaultFont().XFace
	printer, err := escpossim.New(filepath.Join(dir, "printer"), profile, face)
	if err != nil {
		t.Fatal(err)
	}
	logbuf := &syncBuilder{b: &strings.Builder{}}
	var out io.Writer = logbuf
	if testing.Verbose() {
		out = io.MultiWriter(out, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	r := &rig{t: t, clock: newClock(), cards: idcardsim.New(), printer: printer, store: store, dir: dir,
		frames: &frames{got: make(chan struct{}, 1)}, log: logbuf,
		lamps: map[string]*gpiosim.Lamp{"status": gpiosim.NewLamp("status", log), "help": gpiosim.NewLamp("help", log)}}
	lamps := map[string]Lamp{}
	for n, l := range r.lamps {
		lamps[n] = l
	}
	o := Options{
		Flow: flow.NewConfig(h), Catalogs: cats, Store: store,
		Devices:   Devices{Cards: r.cards, Printer: printer, Lamps: lamps, Buzzer: gpiosim.NewBuzzer(log)},
		Presenter: r.frames, Tickets: NewTickets(h, cats, profile, face), Log: log,
		KeyButton: func(k string) (string, bool) { return "help", k == "H" },
		Now:       r.clock.Now,
	}
	for _, a := range adjust {
		a(&o)
	}
	r.k = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.k.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
	r.store.Close()
	r.cards.Close()
}

// screen returns the screen once the condition holds (the kiosk works
// asynchronously, like the real one).
func (r *rig) waitFor(what string, cond func(s flow.State) bool) flow.State {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var s flow.State
		r.k.Do(context.Background(), func() { s = r.k.State() })
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %s: screen %s", what, s.Screen)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) onScreen(sc flow.Screen) flow.State {
	r.t.Helper()
	return r.waitFor(string(sc), func(s flow.State) bool { return s.Screen == sc })
}

func (r *rig) tap(id string) {
	r.t.Helper()
	var p image.Point
	ok := false
	r.k.Do(context.Background(), func() {
		w, found := r.k.Layout().Widget(id)
		p, ok = w.Rect.Min.Add(w.Rect.Size().Div(2)), found
	})
	if !ok {
		r.t.Fatalf("no %q on screen", id)
	}
	r.k.Input(Input{Kind: PointerDown, X: p.X, Y: p.Y})
	r.k.Input(Input{Kind: PointerUp, X: p.X, Y: p.Y})
}

var citizen = &idcard.Card{Kind: idcard.Resident, Name: "张三丰", Sex: "男", Nation: "汉", Birth: "19800101",
	Address: "浙江省杭州市上城区解放路1号", Number: "33010219800101123X", Authority: "杭州市公安局上城分局",
	ValidFrom: "20200101", ValidTo: "20400101"}

func put(t testing.TB, r *rig, c *idcard.Card) {
	t.Helper()
	cc := *c
	if err := r.cards.Put(&cc); err != nil {
		t.Fatal(err)
	}
}

func TestCardToPrintedTicket(t *testing.T) {
	r := newRig(t, t.TempDir())
	put(t, r, citizen)
	s := r.waitFor("holder", func(s flow.State) bool { return s.Holder != nil })
	if s.Screen != flow.ID || s.Holder.Name != "张三丰" {
		t.Fatalf("%s %+v", s.Screen, s.Holder)
	}
	r.tap("continue")
	r.onScreen(flow.Matter)
	r.tap("matter:social-card")
	r.onScreen(flow.Online)
	r.tap("take-ticket")
	r.onScreen(flow.Questions)
	r.tap("no-questions")
	s = r.onScreen(flow.Done)
	if s.Ticket.Number != "A001" {
		t.Fatalf("ticket %+v", s.Ticket)
	}
	jobs := r.printer.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	raw, err := os.ReadFile(jobs[0].EscposPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := escpos.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	text := doc.Text()
	for _, want := range []string{"A001", "社保卡申领", "2楼 A区 1-4号窗口", "请留意叫号", "上城区政务服务中心"} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket lacks %q:\n%s", want, text)
		}
	}
	for _, secret := range []string{"张三丰", "张*丰", "33010219800101123X", "解放路"} {
		if strings.Contains(text, secret) || strings.Contains(r.log.String(), secret) {
			t.Errorf("personal data %q reached the ticket or the log", secret)
		}
	}
	// A standalone kiosk cannot know the queue: it prints no people ahead
	// and no wait, and the phone link carries the ticket's own token.
	if strings.Contains(text, "前面还有") || strings.Contains(text, "分钟") {
		t.Errorf("standalone ticket invents queue figures:\n%s", text)
	}
	if qrs := doc.QRCodes(); len(qrs) != 1 || !strings.HasPrefix(qrs[0], "https://zwfw.example.gov.cn/queue?hall=hz-sc&ticket=A001&t=") ||
		len(qrs[0]) < len("https://zwfw.example.gov.cn/queue?hall=hz-sc&ticket=A001&t=")+16 {
		t.Errorf("QR %v: want the queue link with the ticket's token", qrs)
	}
	if un, _ := r.store.Unprinted(context.Background()); len(un) != 0 {
		t.Errorf("printed ticket still unprinted: %v", un)
	}
	// The session ends on "finish" and nothing personal is left.
	r.tap("cancel")
	s = r.onScreen(flow.Attract)
	if s.Holder != nil {
		t.Fatal("holder kept after the session")
	}
}

func TestHelpKeyCallsGuide(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.k.Input(Input{Kind: Key, Key: "H"})
	r.waitFor("guide", func(s flow.State) bool { return s.GuideCalled })
	if r.lamps["help"].Pattern() != "attention" {
		t.Fatalf("help lamp %q", r.lamps["help"].Pattern())
	}
}

func TestExpiredCardIsExplained(t *testing.T) {
	r := newRig(t, t.TempDir())
	old := *citizen
	old.ValidFrom, old.ValidTo = "20000101", "20200101"
	put(t, r, &old)
	s := r.waitFor("problem", func(s flow.State) bool { return s.CardProblem != "" })
	if s.CardProblem != "expired" || s.Holder != nil {
		t.Fatalf("problem %q holder %v", s.CardProblem, s.Holder)
	}
}

func TestPaperOutTellsNumberAndKeepsTicket(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.printer.SetPaperOut(true)
	r.tap("start")
	r.onScreen(flow.ID)
	r.tap("no-id")
	r.onScreen(flow.Matter)
	r.tap("matter:pension-cert")
	r.onScreen(flow.Questions)
	r.tap("no-questions")
	s := r.onScreen(flow.PrintProblem)
	if s.Ticket == nil || s.Ticket.Number != "C001" {
		t.Fatalf("the citizen must see the number: %+v", s.Ticket)
	}
	if r.lamps["status"].Pattern() != "fault" {
		t.Fatalf("status lamp %q", r.lamps["status"].Pattern())
	}
	un, err := r.store.Unprinted(context.Background())
	if err != nil || len(un) != 1 || un[0].Number != "C001" {
		t.Fatalf("unprinted %v %v", un, err)
	}
	// Paper goes back in: the same ticket is printed for the citizen still
	// at the kiosk, and the lamp returns to ready.
	r.printer.SetPaperOut(false)
	s = r.onScreen(flow.Done)
	if s.Ticket.Number != "C001" {
		t.Fatalf("done with %+v", s.Ticket)
	}
	jobs := r.printer.Jobs()
	if len(jobs) != 1 || !strings.Contains(decodeJob(t, jobs[0].EscposPath), "C001") {
		t.Fatalf("reprint jobs: %v", jobs)
	}
	if got := decodeJob(t, jobs[0].EscposPath); !strings.Contains(got, "补打（原取号时间 "+s.Ticket.Issued.Format("2006-01-02 15:04")+"）") {
		t.Fatalf("the reprint does not say 补打 with the original time:\n%s", got)
	}
	r.waitFor("lamp ready", func(flow.State) bool { return r.lamps["status"].Pattern() == "ready" })
	if un, _ := r.store.Unprinted(context.Background()); len(un) != 0 {
		t.Fatalf("still unprinted after reprint: %v", un)
	}
}

// A ticket issued just before a power cut is printed when the kiosk starts.
func TestRestartPrintsWhatWasNeverPrinted(t *testing.T) {
	dir := t.TempDir()
	store, err := ticket.Open(filepath.Join(dir, "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := store.Issue(context.Background(), ticket.Request{Matter: "invoice", Prefix: "K", Lang: "zh-CN",
		Now: rigStart.Add(-3 * time.Minute), ResetHour: 6})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, dir)
	r.waitFor("reprint", func(flow.State) bool { return len(r.printer.Jobs()) == 1 })
	if got := decodeJob(t, r.printer.Jobs()[0].EscposPath); !strings.Contains(got, tk.Number) || !strings.Contains(got, "发票申领") {
		t.Fatalf("reprinted job:\n%s", got)
	}
	r.waitFor("recorded", func(flow.State) bool {
		un, _ := r.store.Unprinted(context.Background())
		return len(un) == 0
	})
	// The guide is told through the log which ticket came out late.
	r.waitFor("reprint reported", func(flow.State) bool { return strings.Contains(r.log.String(), "issued ticket reprinted") })
	if got := decodeJob(t, r.printer.Jobs()[0].EscposPath); !strings.Contains(got, "补打（原取号时间 2026-03-10 10:12）") {
		t.Fatalf("a ticket printed after a power cut does not say 补打 with its issue time, 10:12:\n%s", got)
	}
}

func decodeJob(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := escpos.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc.Text()
}

// presenceOnly is a card sensor without a SAM (a PN532): it only says a card
// is there.
type presenceOnly struct{ ch chan idcard.Event }

func (p presenceOnly) Events() <-chan idcard.Event { return p.ch }
func (p presenceOnly) Close() error                { return nil }

func TestPresenceOnlyReaderCountsAsIDBrought(t *testing.T) {
	sensor := presenceOnly{ch: make(chan idcard.Event, 1)}
	r := newRig(t, t.TempDir(), func(o *Options) {
		o.Devices.Cards, o.Devices.CardsPresenceOnly = sensor, true
	})
	sensor.ch <- idcard.Event{Kind: idcard.Present}
	s := r.waitFor("card", func(s flow.State) bool { return s.Holder != nil })
	if s.Screen != flow.ID || s.Reading || s.Holder.Name != "" {
		t.Fatalf("screen %s reading %v holder %+v", s.Screen, s.Reading, s.Holder)
	}
	r.tap("continue")
	r.onScreen(flow.Matter)
}

// A touch on a blanked screen only wakes it.
func TestFirstTouchOnBlankScreenOnlyWakes(t *testing.T) {
	blank := true
	r := newRig(t, t.TempDir(), func(o *Options) {
		o.Wake = func(time.Time) bool { w := blank; blank = false; return w }
	})
	touch := func() flow.Screen {
		var sc flow.Screen
		r.k.Do(context.Background(), func() {
			w, _ := r.k.Layout().Widget("start")
			r.k.Touch(w.Rect.Min.Add(w.Rect.Size().Div(2)))
			sc = r.k.State().Screen
		})
		return sc
	}
	if sc := touch(); sc != flow.Attract {
		t.Fatalf("the waking touch went through: %s", sc)
	}
	if sc := touch(); sc != flow.ID {
		t.Fatalf("the next touch did not: %s", sc)
	}
}

// presented is how many frames the kiosk has presented so far, once it has
// looked at its clock again and redrawn: the kiosk redraws after each thing
// it handles, a Do's function included, so the count is read in a second Do.
func (r *rig) presented() int {
	r.t.Helper()
	n := 0
	r.k.Do(context.Background(), func() {})
	r.k.Do(context.Background(), func() {
		r.frames.mu.Lock()
		defer r.frames.mu.Unlock()
		n = r.frames.n
	})
	return n
}

// idle waits until the kiosk is on the attract screen with the first frame
// presented and the printer's first answer in, which may draw again.
func (r *rig) idle() {
	r.t.Helper()
	r.onScreen(flow.Attract)
	<-r.frames.got
	deadline := time.Now().Add(5 * time.Second)
	for {
		checking := true
		r.k.Do(context.Background(), func() { checking = r.k.checking })
		if !checking {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the printer's first status never came back")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNothingPresentedWhileIdle(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.idle()
	before := r.presented()
	// Asking the kiosk for its state makes it loop once; the picture is the
	// same (the rig's clock is half a minute from changing the time shown),
	// so nothing may be presented.
	for range 20 {
		r.k.Do(context.Background(), func() {})
	}
	if after := r.presented(); after != before {
		t.Fatalf("%d frames presented while nothing changed", after-before)
	}
}

// The attract screen's clock is the one thing that changes while nobody is
// there: the next minute is presented, the seconds before it are not.
func TestAttractClockRedrawsOnTheMinute(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.idle()
	before := r.presented()
	r.clock.Advance(20 * time.Second) // 10:15:50: still 10:15 on screen
	r.k.Event(flow.Tick{})
	if after := r.presented(); after != before {
		t.Fatalf("%d frames presented within the minute", after-before)
	}
	r.clock.Advance(10 * time.Second) // 10:16:00
	r.k.Event(flow.Tick{})
	if after := r.presented(); after != before+1 {
		t.Fatalf("%d frames presented when the minute turned, want 1", after-before)
	}
	var shown time.Time
	r.k.Do(context.Background(), func() { shown = r.k.now() })
	if shown.Format("15:04") != "10:16" {
		t.Fatalf("kiosk clock %v, want 10:16", shown)
	}
}

// With no paper when the kiosk starts, the attract screen and the status
// lamp say so before the first citizen comes; paper back, both say ready.
func TestPrinterAskedBeforeTheFirstCitizen(t *testing.T) {
	dir := t.TempDir()
	r := newRig(t, dir, func(o *Options) { o.Devices.Printer.(*escpossim.Printer).SetPaperOut(true) })
	r.waitFor("printer down shown", func(s flow.State) bool { return s.PrinterDown && s.Screen == flow.Attract })
	if r.lamps["status"].Pattern() != "fault" {
		t.Fatalf("status lamp %q with no paper", r.lamps["status"].Pattern())
	}
	r.printer.SetPaperOut(false)
	r.waitFor("printer back", func(s flow.State) bool { return !s.PrinterDown && r.lamps["status"].Pattern() == "ready" })
	if n := len(r.printer.Jobs()); n != 0 {
		t.Fatalf("%d jobs printed with nothing issued", n)
	}
}

// The last citizen's card, still on the reader, is read again when the next
// session starts, not taken as "no card".
func TestCardLeftOnTheReaderIsRead(t *testing.T) {
	r := newRig(t, t.TempDir())
	put(t, r, citizen)
	r.waitFor("read", func(s flow.State) bool { return s.Holder != nil })
	r.tap("cancel")
	r.onScreen(flow.Attract)
	r.tap("start")
	s := r.waitFor("read again", func(s flow.State) bool { return s.Screen == flow.ID && s.Holder != nil })
	if s.Holder.Name == "" {
		t.Fatal("no holder after reading the card again")
	}
}

// A matter handled elsewhere prints a slip with the other hall's address,
// hours, phone and what to bring, with an apology.
func TestElsewhereSlipIsPrinted(t *testing.T) {
	r := newRig(t, t.TempDir())
	r.tap("start")
	r.onScreen(flow.ID)
	r.tap("no-id")
	r.onScreen(flow.Matter)
	r.tap("category:household")
	r.waitFor("household", func(s flow.State) bool { return s.Category == "household" })
	r.tap("matter:passport")
	r.onScreen(flow.Elsewhere)
	r.tap("print-slip")
	r.waitFor("slip printed", func(s flow.State) bool { return s.Slip == "printed" })
	jobs := r.printer.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want the slip", len(jobs))
	}
	text := decodeJob(t, jobs[0].EscposPath)
	for _, want := range []string{"很抱歉", "出入境证件办理", "解放东路18号", "9:00-17:00", "0571-87280000", "户口簿"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q:\n%s", want, text)
		}
	}
	if un, _ := r.store.Unprinted(context.Background()); len(un) != 0 {
		t.Fatalf("a slip issued a ticket: %v", un)
	}
}

// A reader that reads a card once per placement (the SAM module) cannot read
// the card left on it again: the citizen is asked to lift and replace it.
func TestCardLeftOnAReaderThatCannotRereadIsAskedFor(t *testing.T) {
	r := newRig(t, t.TempDir(), func(o *Options) { o.Devices.Cards = onceReader{o.Devices.Cards} })
	put(t, r, citizen)
	r.waitFor("read", func(s flow.State) bool { return s.Holder != nil })
	r.tap("cancel")
	r.onScreen(flow.Attract)
	r.tap("start")
	s := r.waitFor("asked to replace", func(s flow.State) bool { return s.CardProblem == "replace" })
	if s.Holder != nil || s.Screen != flow.ID {
		t.Fatalf("holder %v on %s", s.Holder, s.Screen)
	}
}

// onceReader hides the simulated reader's Reread, as a SAM module has none.
type onceReader struct{ idcard.Reader }
