package counter_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/counter"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
	"onetrip/ui/screen"
)

var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

const (
	day    = "2026-11-25"
	window = 3 // serves social-card (prefix A) in the sample hall
	id     = "counter-03"
)

func setup(t testing.TB) (*hall.Hall, locale.Catalogs) {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	return h, cats
}

// rig is a counter on a queue view, driven as the runner drives it: a tap's
// published events are applied to the view as the bus applies them (the
// view's refusal standing in for the bus's compare-and-set), the outcome comes
// back as a Result, and the clock moves only when a test moves it.
type rig struct {
	t         testing.TB
	view      *queue.View
	c         *counter.Counter
	now       time.Time
	published []queue.Event // what the counter got onto the bus
}

func newRig(t testing.TB, lang string) *rig {
	t.Helper()
	h, cats := setup(t)
	c, err := counter.New(h, cats, id, window, lang)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, view: queue.NewView(h), c: c, now: t0}
	r.carry(c.Start(r.snap()))
	return r
}

func (r *rig) snap() terminal.Snapshot {
	return terminal.Snapshot{View: r.view, Online: true, HallVersion: r.view.Hall().Version, Terminal: id, Now: r.now}
}

// carry does what the runner does with effects.
func (r *rig) carry(effects []terminal.Effect) {
	r.t.Helper()
	for _, ef := range effects {
		p, ok := ef.(terminal.Publish)
		if !ok {
			r.t.Fatalf("unexpected effect %#v", ef)
		}
		err := r.view.Apply(p.Event)
		if err == nil {
			r.published = append(r.published, p.Event)
			r.carry(r.c.Changed(r.snap(), p.Event))
		}
		r.carry(r.c.Result(r.snap(), terminal.Result{Effect: p, Err: err}))
	}
}

// apply folds in an event another terminal put on the bus.
func (r *rig) apply(e queue.Event) {
	r.t.Helper()
	if err := r.view.Apply(e); err != nil {
		r.t.Fatal(err)
	}
	r.carry(r.c.Changed(r.snap(), e))
}

// issue has a kiosk issue social-card ticket A<seq>.
func (r *rig) issue(seq int, green bool) string {
	n := queue.Number("A", seq)
	r.apply(queue.Event{
		Kind: queue.Issued, At: r.now, Day: day, Number: n, Matter: "social-card", Prefix: "A", Seq: seq,
		Green: green, Token: "tok-" + n + "-4f9c2a7d1e", Kiosk: "kiosk-01",
	})
	return n
}

// tap touches a widget the screen shows, as a finger can only touch those.
func (r *rig) tap(widget string) {
	r.t.Helper()
	l := r.c.Build(r.snap())
	if _, ok := l.Widget(widget); !ok {
		r.t.Fatalf("screen %s does not show %q; it shows %v", l.Screen, widget, ids(l))
	}
	r.carry(r.c.Tap(r.snap(), widget))
}

// offers checks the screen and exactly the actions it shows.
func (r *rig) offers(s string, actions ...string) *screen.Layout {
	r.t.Helper()
	l := r.c.Build(r.snap())
	if string(l.Screen) != s {
		r.t.Fatalf("screen is %s, want %s", l.Screen, s)
	}
	if err := l.Verify(actions); err != nil {
		r.t.Fatal(err)
	}
	if got := r.c.Actions(r.snap()); !slices.Equal(got, actions) {
		r.t.Fatalf("actions %v, want %v", got, actions)
	}
	return l
}

// says checks that some text on screen contains want.
func (r *rig) says(want string) {
	r.t.Helper()
	if all := texts(r.c.Build(r.snap())); !strings.Contains(all, want) {
		r.t.Fatalf("screen lacks %q:\n%s", want, all)
	}
}

func ids(l *screen.Layout) []string {
	var out []string
	for _, w := range l.Widgets {
		out = append(out, w.ID)
	}
	return out
}

func texts(l *screen.Layout) string {
	var b strings.Builder
	for _, t := range l.Texts {
		b.WriteString(t.S + "\n")
	}
	return b.String()
}

func (r *rig) ticketEvent(k queue.Kind, number string) queue.Event {
	return queue.Event{Kind: k, At: r.now, Day: day, Number: number, Window: window}
}

// resultOf is the bus's refusal of the one event a tap published.
func resultOf(effects []terminal.Effect, why string) terminal.Result {
	return terminal.Result{Effect: effects[0], Err: fmt.Errorf("%w: %s", queue.ErrConflict, why)}
}

func TestNewNamesAMissingWindow(t *testing.T) {
	h, cats := setup(t)
	_, err := counter.New(h, cats, id, 99, "zh-CN")
	if err == nil || !strings.Contains(err.Error(), "99") {
		t.Fatalf("New for window 99: %v, want an error naming the window", err)
	}
}

func TestSignsInAndOut(t *testing.T) {
	r := newRig(t, "zh-CN")
	want := []queue.Counter{{Window: window, Terminal: id, Matters: []string{"social-card"}, Since: t0}}
	if got := r.view.Counters(); !reflect.DeepEqual(got, want) {
		t.Fatalf("signed in: %+v, want %+v", got, want)
	}
	r.carry(r.c.Stop(r.snap()))
	if got := r.view.Counters(); len(got) != 0 {
		t.Fatalf("still signed in after Stop: %+v", got)
	}
}

func TestCallsTheGreenChannelFirst(t *testing.T) {
	r := newRig(t, "zh-CN")
	r.issue(1, false)
	a2 := r.issue(2, false)
	a3 := r.issue(3, true)
	r.apply(queue.Event{Kind: queue.Priority, At: r.now, Day: day, Number: a2}) // a guide grants A002 the green channel
	r.offers("counter", "call-next", "lang")
	r.says("下一位\nA002\n绿色通道")

	r.tap("call-next")
	r.offers("counter", "recall", "no-show", "start", "lang")
	r.says("A002")
	r.tap("recall")
	r.says("已叫号 2 次")
	r.tap("no-show")
	r.offers("counter", "call-next", "lang")
	r.tap("call-next")

	want := []queue.Event{
		r.ticketEvent(queue.Called, a2), r.ticketEvent(queue.Recalled, a2), r.ticketEvent(queue.NoShow, a2),
		r.ticketEvent(queue.Called, a3),
	}
	if got := r.published[1:]; !reflect.DeepEqual(got, want) {
		t.Fatalf("published\n%+v\nwant\n%+v", got, want)
	}
}

func TestRefusalWhenAnotherWindowCalledFirst(t *testing.T) {
	r := newRig(t, "zh-CN")
	a1 := r.issue(1, false)
	a2 := r.issue(2, false)
	effects := r.c.Tap(r.snap(), "call-next")
	if len(effects) != 1 {
		t.Fatalf("call-next: %v", effects)
	}
	r.offers("counter", "lang") // nothing to touch twice while the call is on its way
	if again := r.c.Tap(r.snap(), "call-next"); again != nil {
		t.Fatalf("a second touch published %v", again)
	}
	// Window 1 was quicker: its call is on the bus before ours, which is refused.
	r.apply(queue.Event{Kind: queue.Called, At: r.now, Day: day, Number: a1, Window: 1})
	r.carry(r.c.Result(r.snap(), resultOf(effects, "ticket "+a1+" already called")))
	r.offers("counter", "call-next", "lang")
	r.says("A001 已被 1 号窗口叫走")

	r.tap("call-next")
	if got, want := r.published[1:], []queue.Event{r.ticketEvent(queue.Called, a2)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("published %+v, want %+v", got, want)
	}
	if all := texts(r.c.Build(r.snap())); strings.Contains(all, "叫走") {
		t.Fatalf("the refusal outlived the next call:\n%s", all)
	}
}

func TestFailedPublishCanBeRetried(t *testing.T) {
	r := newRig(t, "en")
	r.issue(1, false)
	effects := r.c.Tap(r.snap(), "call-next")
	r.c.Result(r.snap(), terminal.Result{Effect: effects[0], Err: errors.New("bus: not connected")})
	r.offers("counter", "call-next", "lang")
	r.says("Could not reach the queue system")
}

func TestNothingWaiting(t *testing.T) {
	r := newRig(t, "zh-CN")
	r.says("暂时没有人等候")
	r.tap("call-next")
	if len(r.published) != 1 {
		t.Fatalf("published %+v with nobody waiting", r.published[1:])
	}
	r.says("没有人在等候本窗口的事项")
	r.issue(1, false)
	if all := texts(r.c.Build(r.snap())); strings.Contains(all, "没有人在等候本窗口的事项") {
		t.Fatalf("the notice outlived the new ticket:\n%s", all)
	}
	r.says("下一位\nA001")
}

func TestServiceAndRating(t *testing.T) {
	r := newRig(t, "zh-CN")
	a1 := r.issue(1, false)
	r.tap("call-next")
	r.says("已叫号，请等办事人到窗口")
	r.tap("start")
	r.offers("counter", "done", "lang")
	r.says("正在办理")
	r.tap("done")
	r.offers("rating", "rate:1", "rate:2", "rate:3", "rate:4", "rate:5", "lang")
	r.says("取号 A001")
	r.tap("rate:2")
	r.offers("rating-thanks")

	want := []queue.Event{
		r.ticketEvent(queue.Called, a1), r.ticketEvent(queue.Started, a1), r.ticketEvent(queue.Finished, a1),
		{Kind: queue.Rated, At: r.now, Day: day, Number: a1, Rating: queue.Satisfied},
	}
	if got := r.published[1:]; !reflect.DeepEqual(got, want) {
		t.Fatalf("published\n%+v\nwant\n%+v", got, want)
	}
	if tk, _ := r.view.Ticket(a1); tk.Rating != queue.Satisfied {
		t.Fatalf("ticket rated %d", tk.Rating)
	}
	if d := r.c.Refresh(r.snap()); d != counter.ThanksTime {
		t.Fatalf("thanks refresh in %v, want %v", d, counter.ThanksTime)
	}
	r.now = r.now.Add(counter.ThanksTime)
	r.offers("counter", "call-next", "lang")
	if d := r.c.Refresh(r.snap()); d != 0 {
		t.Fatalf("clerk screen refreshes in %v", d)
	}
}

func TestLowRatingNeedsAReason(t *testing.T) {
	r := newRig(t, "zh-CN")
	a1 := r.issue(1, false)
	r.tap("call-next")
	r.tap("start")
	r.tap("done")
	before := len(r.published)
	reasons := []string{"reason:wait", "reason:attitude", "reason:materials", "reason:not-done", "reason:other", "back", "lang"}

	r.tap("rate:4")
	r.offers("rating-reason", reasons...)
	r.tap("back")
	r.offers("rating", "rate:1", "rate:2", "rate:3", "rate:4", "rate:5", "lang")
	r.tap("rate:5")
	r.offers("rating-reason", reasons...)
	r.says("您的评价：非常不满意")
	if len(r.published) != before {
		t.Fatalf("published %+v before a reason was chosen", r.published[before:])
	}
	r.tap("reason:attitude")
	r.offers("rating-thanks")
	want := []queue.Event{{Kind: queue.Rated, At: r.now, Day: day, Number: a1, Rating: queue.VeryDissatisfied, Reason: "attitude"}}
	if got := r.published[before:]; !reflect.DeepEqual(got, want) {
		t.Fatalf("published %+v, want %+v", got, want)
	}
}

func TestAbandonedRatingTimesOut(t *testing.T) {
	r := newRig(t, "zh-CN")
	a1 := r.issue(1, false)
	r.tap("call-next")
	r.tap("start")
	r.tap("done")
	before := len(r.published)
	done := r.now

	r.now = done.Add(counter.RatingTimeout - time.Second)
	r.offers("rating", "rate:1", "rate:2", "rate:3", "rate:4", "rate:5", "lang")
	if d := r.c.Refresh(r.snap()); d != time.Second {
		t.Fatalf("rating refresh in %v, want 1s", d)
	}
	r.now = done.Add(counter.RatingTimeout)
	r.offers("counter", "call-next", "lang")
	if r.c.Tap(r.snap(), "rate:1") != nil {
		t.Fatal("a rating was taken after the timeout")
	}
	if len(r.published) != before {
		t.Fatalf("published %+v for an abandoned rating", r.published[before:])
	}
	if tk, ok := r.view.Unrated(window); !ok || tk.Number != a1 {
		t.Fatalf("unrated at window %d: %+v %v", window, tk, ok)
	}
}

// A touch on the rating screens shows someone is there: the timeout counts
// from the last one.
func TestRatingTimeoutCountsFromLastTouch(t *testing.T) {
	r := newRig(t, "en")
	r.issue(1, false)
	r.tap("call-next")
	r.tap("start")
	r.tap("done")
	r.now = r.now.Add(30 * time.Second)
	r.tap("rate:4")
	touched := r.now
	r.now = touched.Add(counter.RatingTimeout - time.Second)
	r.offers("rating-reason", "reason:wait", "reason:attitude", "reason:materials", "reason:not-done", "reason:other", "back", "lang")
	r.now = touched.Add(counter.RatingTimeout)
	r.offers("counter", "call-next", "lang")
}

func TestSwitchesLanguage(t *testing.T) {
	r := newRig(t, "zh-CN")
	r.tap("lang")
	if r.c.Lang() != "en" {
		t.Fatalf("lang %q after switching", r.c.Lang())
	}
	r.says("Window 3")
	r.tap("lang")
	r.says("3号窗口")
}

// A rating the bus did not take can be given again; the ticket stays unrated.
func TestUnsentRatingCanBeGivenAgain(t *testing.T) {
	r := newRig(t, "zh-CN")
	a1 := r.issue(1, false)
	r.tap("call-next")
	r.tap("start")
	r.tap("done")
	effects := r.c.Tap(r.snap(), "rate:1")
	r.offers("rating", "lang")
	r.says("正在提交")
	r.c.Result(r.snap(), terminal.Result{Effect: effects[0], Err: errors.New("bus: not connected")})
	r.offers("rating", "rate:1", "rate:2", "rate:3", "rate:4", "rate:5", "lang")
	r.says("评价没有提交成功")
	r.tap("rate:1")
	r.offers("rating-thanks")
	if tk, _ := r.view.Ticket(a1); tk.Rating != queue.VerySatisfied {
		t.Fatalf("ticket rated %d", tk.Rating)
	}
}

// The controller signs out a window it stopped hearing from; a counter that
// is still there signs in again.
func TestSignsInAgainAfterTheControllerSignedItOut(t *testing.T) {
	r := newRig(t, "zh-CN")
	out := queue.Event{Kind: queue.SignedOut, At: t0, Window: window, Terminal: id}
	if err := r.view.Apply(out); err != nil {
		t.Fatal(err)
	}
	r.carry(r.c.Changed(r.snap(), out))
	if got := r.view.Counters(); len(got) != 1 || got[0].Window != window {
		t.Fatalf("after the controller's sign-out: %+v, want window %d signed in again", got, window)
	}
}
