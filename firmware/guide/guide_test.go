package guide

import (
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/hal/escpos"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
)

var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

const day = "2026-11-25"

// desk is a guide desk on a queue view, driven the way the runner drives it:
// touches become effects, published events are applied to the view and
// their outcome is reported back.
type desk struct {
	t      *testing.T
	h      *hall.Hall
	cats   locale.Catalogs
	g      *Guide
	v      *queue.View
	kiosks []terminal.Kiosk
	online bool
	now    time.Time
}

func newDesk(t *testing.T, lang string) *desk {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, h: h, cats: cats, g: New(h, cats, "guide-1", p, lang), v: queue.NewView(h), online: true, now: t0}
}

func (d *desk) snap() terminal.Snapshot {
	return terminal.Snapshot{View: d.v, Kiosks: d.kiosks, Online: d.online, Terminal: "guide-1", Now: d.now}
}

// apply folds events into the view and tells the role, as the bus does.
func (d *desk) apply(evs ...queue.Event) {
	d.t.Helper()
	for _, e := range evs {
		if err := d.v.Apply(e); err != nil {
			d.t.Fatalf("apply %s: %v", e.Kind, err)
		}
		d.g.Changed(d.snap(), e)
	}
}

func (d *desk) build() *screen.Layout { return d.g.Build(d.snap()) }

// tap touches widget id, which must be on the screen.
func (d *desk) tap(id string) []terminal.Effect {
	d.t.Helper()
	if _, ok := d.build().Widget(id); !ok {
		d.t.Fatalf("no widget %q on the screen", id)
	}
	return d.g.Tap(d.snap(), id)
}

// carry out runs effects as the runner would: a publish is applied to the
// view (a refusal becomes the error), a print succeeds unless printErr.
func (d *desk) carryOut(effs []terminal.Effect, printErr error) {
	d.t.Helper()
	for _, ef := range effs {
		var err error
		switch e := ef.(type) {
		case terminal.Publish:
			if err = d.v.Apply(e.Event); err == nil {
				d.g.Changed(d.snap(), e.Event)
			}
		case terminal.Print:
			err = printErr
		}
		d.g.Result(d.snap(), terminal.Result{Effect: ef, Err: err})
	}
}

// text is everything the screen says, widget labels included.
func text(l *screen.Layout) string {
	var b strings.Builder
	for _, t := range l.Texts {
		b.WriteString(t.S + "\n")
	}
	for _, w := range l.Widgets {
		b.WriteString(w.Label + "\n")
	}
	return b.String()
}

func at(hhmm string) time.Time {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 11, 25, t.Hour(), t.Minute(), 0, 0, time.UTC)
}

func issued(prefix string, seq int, matter, when string) queue.Event {
	n := queue.Number(prefix, seq)
	return queue.Event{Kind: queue.Issued, At: at(when), Day: day, Number: n, Matter: matter, Prefix: prefix, Seq: seq,
		Token: "tok-" + n + "-7f3c9a1e5b2d", Kiosk: "kiosk-1"}
}

func ticketEvent(k queue.Kind, number string, window int, when string) queue.Event {
	return queue.Event{Kind: k, At: at(when), Day: day, Number: number, Window: window}
}

func signedIn(window int, matter string) queue.Event {
	return queue.Event{Kind: queue.SignedIn, At: at("08:30"), Window: window, Terminal: fmt.Sprintf("counter-%d", window), Matters: []string{matter}}
}

func helpAsked(id, kiosk, reason, matter, when string) queue.Event {
	return queue.Event{Kind: queue.HelpAsked, At: at(when), Help: id, Kiosk: kiosk, Reason: reason, Matter: matter}
}

// busyMorning is a realistic 09:41: windows open, people waiting (one matter
// past the hall's wait warning, one with no window open), two missed
// tickets, four help requests (one taken) and one kiosk offline.
func (d *desk) busyMorning() {
	d.apply(signedIn(1, "social-card"), signedIn(2, "social-card"), signedIn(5, "medical-transfer"),
		signedIn(8, "residence-permit"), signedIn(20, "company-setup"))
	d.apply(
		issued("A", 1, "social-card", "08:52"), issued("A", 2, "social-card", "08:58"),
		issued("D", 1, "residence-permit", "09:01"), issued("A", 3, "social-card", "09:05"),
		issued("D", 2, "residence-permit", "09:08"), issued("M", 1, "property-register", "09:10"),
		issued("B", 1, "medical-transfer", "09:12"), issued("D", 3, "residence-permit", "09:15"),
		issued("A", 4, "social-card", "09:18"), issued("H", 1, "company-setup", "09:20"),
		issued("D", 4, "residence-permit", "09:24"), issued("A", 5, "social-card", "09:27"),
		issued("M", 2, "property-register", "09:29"), issued("D", 5, "residence-permit", "09:33"),
		issued("A", 6, "social-card", "09:36"),
	)
	d.apply(
		ticketEvent(queue.Called, "A001", 1, "09:02"), ticketEvent(queue.NoShow, "A001", 1, "09:05"),
		ticketEvent(queue.Called, "D001", 8, "09:20"), ticketEvent(queue.Recalled, "D001", 8, "09:23"),
		ticketEvent(queue.NoShow, "D001", 8, "09:26"),
		ticketEvent(queue.Called, "A002", 2, "09:30"), ticketEvent(queue.Started, "A002", 2, "09:31"),
	)
	d.apply(
		helpAsked("h1", "kiosk-1", "questions", "social-card", "09:30"),
		helpAsked("h2", "kiosk-2", "no-id", "", "09:33"),
		helpAsked("h3", "kiosk-1", "online-help", "residence-permit", "09:38"),
		helpAsked("h4", "kiosk-3", "not-printed", "medical-transfer", "09:39"),
		queue.Event{Kind: queue.HelpAcked, At: at("09:40"), Help: "h4", Terminal: "guide-2"},
	)
	d.kiosks = []terminal.Kiosk{
		{ID: "kiosk-1", Online: true, LastSeen: at("09:41")},
		{ID: "kiosk-2", Online: true, LastSeen: at("09:41")},
		{ID: "kiosk-3", Online: false, LastSeen: at("09:36")},
	}
}

func TestNewHelpRequestAppears(t *testing.T) {
	d := newDesk(t, "zh-CN")
	if s := text(d.build()); !strings.Contains(s, "暂无求助") {
		t.Fatalf("an empty desk does not say so:\n%s", s)
	}
	d.apply(issued("A", 1, "social-card", "09:20"), helpAsked("h1", "kiosk-2", "no-id", "social-card", "09:32"))
	l := d.build()
	w, ok := l.Widget("help:h1")
	if !ok {
		t.Fatalf("no widget for the request:\n%s", text(l))
	}
	for _, want := range []string{"09:32", "kiosk-2", "没带身份证", "社保卡申领"} {
		if !strings.Contains(w.Label, want) {
			t.Errorf("request row %q lacks %q", w.Label, want)
		}
	}
	if tab, _ := l.Widget("tab:help"); tab.Label != "求助（1）" {
		t.Errorf("help tab says %q, want the open count", tab.Label)
	}
	// On another tab, the help tab calls for attention.
	d.tap("tab:missed")
	if tab, _ := d.build().Widget("tab:help"); tab.Kind != screen.Help {
		t.Errorf("help tab with an open request is %v, want the orange help kind", tab.Kind)
	}
}

func TestEveryReasonIsInWords(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		d := newDesk(t, lang)
		for i, r := range queue.HelpReasons {
			d.apply(helpAsked(fmt.Sprintf("h%d", i), "kiosk-1", r, "", "09:3"+fmt.Sprint(i)))
		}
		d.g.page[tabHelp] = 0
		for p := 0; ; p++ {
			l := d.build()
			for _, w := range l.Widgets {
				if strings.Contains(w.Label, "{") || strings.Contains(w.Label, "reason") {
					t.Errorf("%s: row %q shows a key, not words", lang, w.Label)
				}
			}
			if _, ok := l.Widget("next"); !ok {
				break
			}
			d.tap("next")
		}
	}
	zh := newDesk(t, "zh-CN").cats.Get("zh-CN")
	want := map[string]string{"questions": "有疑问", "no-id": "没带身份证", "online-help": "需要帮忙网上办", "not-printed": "号票没打出来", "help": "按了求助键"}
	for r, w := range want {
		if got := zh.T("guide.reason_" + r); got != w {
			t.Errorf("reason %s reads %q, want %q", r, got, w)
		}
	}
}

func TestAckPublishesOneHelpAcked(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.apply(helpAsked("h1", "kiosk-1", "questions", "", "09:30"), helpAsked("h2", "kiosk-2", "no-id", "", "09:35"))
	if _, ok := d.build().Widget("ack"); ok {
		t.Fatal("ack shown before a request is picked")
	}
	if effs := d.tap("help:h1"); effs != nil {
		t.Fatalf("picking a request did %v", effs)
	}
	if w, _ := d.build().Widget("help:h1"); !w.Selected {
		t.Fatal("the picked request is not marked")
	}
	effs := d.tap("ack")
	if len(effs) != 1 {
		t.Fatalf("ack did %d effects, want 1: %v", len(effs), effs)
	}
	pub, ok := effs[0].(terminal.Publish)
	if !ok || pub.Event.Kind != queue.HelpAcked || pub.Event.Help != "h1" || pub.Event.Terminal != "guide-1" || !pub.Event.At.Equal(t0) {
		t.Fatalf("ack published %+v", effs[0])
	}
	// A second tap while the first is on its way does nothing more.
	if more := d.g.Tap(d.snap(), "ack"); more != nil {
		t.Fatalf("second ack did %v", more)
	}
	if more := d.g.Tap(d.snap(), "help:h1"); more != nil || d.g.selected == "h1" {
		t.Fatal("a request being acknowledged can be picked again")
	}
	if s := text(d.build()); !strings.Contains(s, "正在通知取号机") {
		t.Errorf("no sign that the kiosk is being told:\n%s", s)
	}
	d.carryOut(effs, nil)
	l := d.build()
	if _, ok := l.Widget("help:h1"); ok {
		t.Error("an acknowledged request is still a row to pick")
	}
	s := text(l)
	for _, want := range []string{"guide-1 已接手（09:41）", "已通知 kiosk-1：导办员马上过去"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	if tab, _ := l.Widget("tab:help"); tab.Label != "求助（1）" {
		t.Errorf("help tab says %q after one of two was taken", tab.Label)
	}
}

func TestAckTakenByAnotherGuide(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.apply(helpAsked("h1", "kiosk-2", "not-printed", "", "09:30"))
	d.tap("help:h1")
	effs := d.tap("ack")
	// Another desk's acknowledgement reaches the bus first.
	d.apply(queue.Event{Kind: queue.HelpAcked, At: t0, Help: "h1", Terminal: "guide-2"})
	d.carryOut(effs, nil)
	s := text(d.build())
	for _, want := range []string{"kiosk-2 的求助已由 guide-2 接手", "guide-2 已接手"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	for _, tx := range d.build().Texts {
		if strings.Contains(tx.S, "guide-2 接手") && tx.Style != screen.Warn {
			t.Errorf("refusal %q is not a warning", tx.S)
		}
	}
}

func TestAckFailureSaysTryAgain(t *testing.T) {
	d := newDesk(t, "en")
	d.apply(helpAsked("h1", "kiosk-2", "questions", "", "09:30"))
	d.tap("help:h1")
	effs := d.tap("ack")
	d.g.Result(d.snap(), terminal.Result{Effect: effs[0], Err: errors.New("bus: not connected")})
	l := d.build()
	if s := text(l); !strings.Contains(s, "Could not tell kiosk-2") {
		t.Errorf("no failure line:\n%s", s)
	}
	if _, ok := l.Widget("help:h1"); !ok {
		t.Error("a request whose ack failed cannot be picked again")
	}
}

func TestWaitWarningOnlyPastWaitWarning(t *testing.T) {
	d := newDesk(t, "zh-CN")
	// 社保卡申领 takes 6 min at one window: 5 waiting is 30 min, the warning
	// itself; the sixth takes it past.
	d.apply(signedIn(1, "social-card"))
	for i := 1; i <= 5; i++ {
		d.apply(issued("A", i, "social-card", fmt.Sprintf("09:%02d", i)))
	}
	d.tap("tab:waits")
	row := func() screen.Text {
		for _, tx := range d.build().Texts {
			if tx.S == "社保卡申领" {
				return tx
			}
		}
		t.Fatalf("no row for the matter:\n%s", text(d.build()))
		return screen.Text{}
	}
	if s := text(d.build()); !strings.Contains(s, "约 30 分钟") || strings.Contains(s, "超过") {
		t.Fatalf("at the warning itself:\n%s", s)
	}
	if st := row().Style; st != screen.Body {
		t.Errorf("row at 30 min has style %v, want body", st)
	}
	d.apply(issued("A", 6, "social-card", "09:06"))
	s := text(d.build())
	for _, want := range []string{"约 36 分钟", "1 个事项等候超过 30 分钟"} {
		if !strings.Contains(s, want) {
			t.Errorf("past the warning, screen lacks %q:\n%s", want, s)
		}
	}
	if st := row().Style; st != screen.Inverse {
		t.Errorf("row past the warning has style %v, want white on the red panel", st)
	}
	if !slices.ContainsFunc(d.build().Panels, func(p screen.Panel) bool { return p.Style == screen.Warn }) {
		t.Error("no red panel behind the row past the warning")
	}
}

func TestWaitWithoutWindowIsNotAGuess(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.apply(issued("M", 1, "property-register", "09:10"))
	d.tap("tab:waits")
	s := text(d.build())
	for _, want := range []string{"不动产登记", "1 人", "无窗口在办", "其余 11 个事项暂无人等候"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
}

func TestGrantPublishesPriority(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	d.tap("tab:waits")
	effs := d.tap("grant:A003")
	if len(effs) != 1 {
		t.Fatalf("grant did %v", effs)
	}
	pub, ok := effs[0].(terminal.Publish)
	if want := (queue.Event{Kind: queue.Priority, Day: day, Number: "A003", At: t0}); !ok || !reflectEqual(pub.Event, want) {
		t.Fatalf("grant published %+v, want %+v", effs[0], want)
	}
	if more := d.g.Tap(d.snap(), "grant:A003"); more != nil {
		t.Fatalf("second grant while the first is on its way did %v", more)
	}
	d.carryOut(effs, nil)
	if tk, _ := d.v.Ticket("A003"); !tk.Green {
		t.Fatal("the view did not take the green channel")
	}
	l := d.build()
	if _, ok := l.Widget("grant:A003"); ok {
		t.Error("a ticket with the green channel is still offered")
	}
	if s := text(l); !strings.Contains(s, "A003 已开通绿色通道") {
		t.Errorf("no confirmation:\n%s", s)
	}
}

func reflectEqual(a, b queue.Event) bool { return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b) }

func TestGrantOfACalledTicket(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	d.tap("tab:waits")
	effs := d.tap("grant:D002")
	d.apply(ticketEvent(queue.Called, "D002", 8, "09:41"))
	d.carryOut(effs, nil)
	if s := text(d.build()); !strings.Contains(s, "D002 已经叫号") {
		t.Errorf("no explanation of the refusal:\n%s", s)
	}
}

func TestGreenChannelPages(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	d.tap("tab:waits")
	var seen []string
	for {
		l := d.build()
		for _, w := range l.Widgets {
			if n, ok := strings.CutPrefix(w.ID, "grant:"); ok {
				seen = append(seen, n)
			}
		}
		if _, ok := l.Widget("next"); !ok {
			break
		}
		d.tap("next")
	}
	want := []string{"A003", "D002", "M001", "B001", "D003", "A004", "H001", "D004", "A005", "M002", "D005", "A006"}
	if !slices.Equal(seen, want) {
		t.Errorf("green channel offers %v, want the waiting tickets oldest first %v", seen, want)
	}
	d.tap("prev")
	if _, ok := d.build().Widget("prev"); !ok {
		t.Error("prev from the last page went to the first")
	}
}

func TestMissedList(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	if tab, _ := d.build().Widget("tab:missed"); tab.Label != "过号（2）" {
		t.Errorf("missed tab says %q", tab.Label)
	}
	d.tap("tab:missed")
	s := text(d.build())
	for _, want := range []string{"D001", "居住证办理", "8 号窗口", "09:20", "叫了 2 次", "A001", "1 号窗口", "09:02"} {
		if !strings.Contains(s, want) {
			t.Errorf("missed tab lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "D001") > strings.Index(s, "A001") {
		t.Error("the latest call is not first")
	}
	if strings.Contains(s, "A002") {
		t.Error("a ticket being served is listed as missed")
	}
}

func TestOfflineKioskWarningOnEveryTab(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	d.kiosks = append(d.kiosks, terminal.Kiosk{ID: "kiosk-4", Online: true, Offline: true, LastSeen: t0})
	for _, tab := range tabs {
		d.tap("tab:" + tab)
		s := text(d.build())
		if !strings.Contains(s, "取号机离线：kiosk-3、kiosk-4（离线取号中），请到现场查看") {
			t.Errorf("%s tab lacks the offline warning:\n%s", tab, s)
		}
	}
	d.kiosks = d.kiosks[:2]
	if s := text(d.build()); strings.Contains(s, "离线") || !strings.Contains(s, "2 台取号机均在线") {
		t.Errorf("with every kiosk online:\n%s", s)
	}
	d.online = false
	if s := text(d.build()); !strings.Contains(s, "本机未连上大厅网络") {
		t.Errorf("the desk off the bus does not say so:\n%s", s)
	}
}

func TestLanguageSwitches(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	d.tap("lang")
	if d.g.Lang() != "en" {
		t.Fatalf("lang is %q after one tap", d.g.Lang())
	}
	if s := text(d.build()); !strings.Contains(s, "Help (3)") || !strings.Contains(s, "No ID card") {
		t.Errorf("English screen:\n%s", s)
	}
	d.tap("lang")
	if d.g.Lang() != "zh-CN" {
		t.Fatalf("lang is %q after two taps", d.g.Lang())
	}
}

func TestPrintChecklist(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.tap("tab:materials")
	if _, ok := d.build().Widget("print"); ok {
		t.Fatal("print offered before a matter is picked")
	}
	d.tap("matter:social-card")
	s := text(d.build())
	for _, want := range []string{"居民身份证", "近期一寸免冠照片（可容缺）", "2楼 A区 1-4号窗口"} {
		if !strings.Contains(s, want) {
			t.Errorf("checklist lacks %q:\n%s", want, s)
		}
	}
	effs := d.tap("print")
	if len(effs) != 1 {
		t.Fatalf("print did %v", effs)
	}
	pr, ok := effs[0].(terminal.Print)
	want, err := Checklist(d.h, d.cats, "social-card", "zh-CN", d.g.profile)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || pr.Name != "checklist-social-card" || string(pr.Job) != string(want) {
		t.Fatalf("print effect %+v", effs[0])
	}
	if _, ok := d.build().Widget("print"); ok {
		t.Error("print offered again while printing")
	}
	d.carryOut(effs, errors.New("printer: paper out"))
	if s := text(d.build()); !strings.Contains(s, "清单没打出来") {
		t.Errorf("no line about the failed print:\n%s", s)
	}
	d.carryOut(d.tap("print"), nil)
	if s := text(d.build()); !strings.Contains(s, "清单已打印") || strings.Contains(s, "清单没打出来") {
		t.Errorf("after a good print:\n%s", s)
	}
}

// TestEveryTabShowsExactlyItsActions checks each tab in both languages:
// the widgets are the touches Tap accepts, each a finger's size and on
// screen, none overlapping, every text large enough and on screen.
func TestEveryTabShowsExactlyItsActions(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		d := newDesk(t, lang)
		d.busyMorning()
		d.tap("help:h2")
		for _, tab := range tabs {
			d.tap("tab:" + tab)
			if tab == tabMaterials {
				d.tap("matter:residence-permit")
			}
			l := d.build()
			if err := l.Verify(d.g.actions(d.snap())); err != nil {
				t.Errorf("%s/%s: %v", tab, lang, err)
			}
			for i, w := range l.Widgets {
				if w.Label == "" {
					t.Errorf("%s/%s: %s has no label", tab, lang, w.ID)
				}
				for _, o := range l.Widgets[i+1:] {
					if o.Rect.Overlaps(w.Rect) {
						t.Errorf("%s/%s: %s and %s overlap", tab, lang, w.ID, o.ID)
					}
				}
			}
			for _, tx := range l.Texts {
				if tx.Px < 28 {
					t.Errorf("%s/%s: %q at %v px", tab, lang, tx.S, tx.Px)
				}
				if !tx.Box.In(screen.Size) {
					t.Errorf("%s/%s: %q off screen at %v", tab, lang, tx.S, tx.Box)
				}
			}
		}
	}
}

// A ticket is a number and a matter: the phone token never shows.
func TestNoPersonalDataOnScreen(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	for _, tab := range tabs {
		d.tap("tab:" + tab)
		if s := text(d.build()); strings.Contains(s, "tok-") {
			t.Errorf("%s tab shows a phone token:\n%s", tab, s)
		}
	}
}

func TestTapOnVanishedWidgetIsIgnored(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.apply(helpAsked("h1", "kiosk-1", "help", "", "09:30"))
	d.tap("help:h1")
	d.apply(queue.Event{Kind: queue.HelpAcked, At: t0, Help: "h1", Terminal: "guide-2"})
	if effs := d.g.Tap(d.snap(), "ack"); effs != nil {
		t.Fatalf("ack of a request another guide took did %v", effs)
	}
	if effs := d.g.Tap(d.snap(), "grant:A999"); effs != nil {
		t.Fatalf("grant of an unknown ticket did %v", effs)
	}
}

func TestRefreshEachMinute(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.now = t0.Add(15 * time.Second)
	if got := d.g.Refresh(d.snap()); got != 45*time.Second {
		t.Errorf("refresh in %v, want at the next minute", got)
	}
}

// Every string of the desk, and the kiosk ids it shows, has real glyphs.
func TestFontCoversGuideText(t *testing.T) {
	d := newDesk(t, "zh-CN")
	face := render.DefaultFont().Face(32)
	check := func(where, s string) {
		for _, r := range s {
			if r > ' ' && !face.Has(r) {
				t.Errorf("%s: %q lacks glyph %q", where, s, r)
			}
		}
	}
	n := 0
	for lang, c := range d.cats {
		for _, k := range c.Keys() {
			if strings.HasPrefix(k, "guide.") {
				check(lang+":"+k, c.T(k))
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no guide strings in the catalogs")
	}
	d.busyMorning()
	for _, lang := range []string{"zh-CN", "en"} {
		d.g.lang = lang
		for _, tab := range tabs {
			d.g.tab = tab
			d.g.matter = "company-setup"
			for _, s := range strings.Split(text(d.build()), "\n") {
				check(lang+"/"+tab, s)
			}
		}
	}
}

func TestWidgetsAreWhereTheyAreHit(t *testing.T) {
	d := newDesk(t, "zh-CN")
	d.busyMorning()
	l := d.build()
	w, _ := l.Widget("help:h3")
	if id, ok := l.Hit(w.Rect.Min.Add(image.Pt(10, 10))); id != "help:h3" || !ok {
		t.Fatalf("hit %q %v", id, ok)
	}
}
