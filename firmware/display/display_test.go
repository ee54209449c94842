package display

import (
	"flag"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/ui/locale"
	"onetrip/ui/render"
	"onetrip/ui/screen"
	"onetrip/ui/screen/screentest"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

const day = "2026-11-25"

// t0 is when the newest call of the busy morning arrives.
var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

var langs = []string{"zh-CN", "en"}

// hallDay is a started display fed the way the runner feeds it: each event
// is applied to the view, then told to the display at the time it arrives.
type hallDay struct {
	t    testing.TB
	h    *hall.Hall
	cats locale.Catalogs
	view *queue.View
	d    *Display
	now  time.Time
}

func newDay(t testing.TB, lang string) *hallDay {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	hd := &hallDay{t: t, h: h, cats: cats, view: queue.NewView(h), d: New(h, cats, lang), now: t0.Add(-70 * time.Minute)}
	hd.d.Start(hd.snap(hd.now, true))
	return hd
}

func (hd *hallDay) snap(at time.Time, online bool) terminal.Snapshot {
	return terminal.Snapshot{View: hd.view, Online: online, HallVersion: hd.h.Version, Terminal: "display-1", Now: at}
}

// apply publishes e a few seconds after the previous event.
func (hd *hallDay) apply(e queue.Event) {
	hd.t.Helper()
	hd.now = hd.now.Add(5 * time.Second)
	e.At = hd.now
	if err := hd.view.Apply(e); err != nil {
		hd.t.Fatal(err)
	}
	hd.d.Changed(hd.snap(hd.now, true), e)
}

func (hd *hallDay) signIn(window int, matters ...string) {
	hd.apply(queue.Event{Kind: queue.SignedIn, Window: window, Terminal: fmt.Sprintf("counter-%d", window), Matters: matters})
}

// issue gives out n tickets of matter from the hall's kiosk.
func (hd *hallDay) issue(matter string, n int) {
	m, ok := hd.h.Matter(matter)
	if !ok {
		hd.t.Fatalf("no matter %s", matter)
	}
	for range n {
		seq := hd.view.Claimed(m.Prefix) + 1
		number := queue.Number(m.Prefix, seq)
		hd.apply(queue.Event{Kind: queue.Issued, Day: day, Number: number, Matter: matter, Prefix: m.Prefix, Seq: seq,
			Token: "tok-" + number + "-0123456789ab", Kiosk: "kiosk-1"})
	}
}

func (hd *hallDay) call(number string, window int) {
	hd.apply(queue.Event{Kind: queue.Called, Day: day, Number: number, Window: window})
}

func (hd *hallDay) recall(number string, window int) {
	hd.apply(queue.Event{Kind: queue.Recalled, Day: day, Number: number, Window: window})
}

// busy is a morning in the sample hall: some windows open, people waiting
// for most matters, A023 called to window 3 at t0.
func (hd *hallDay) busy() {
	for _, c := range []struct {
		window int
		matter string
	}{{1, "social-card"}, {2, "social-card"}, {3, "social-card"}, {5, "medical-transfer"}, {8, "residence-permit"},
		{20, "company-setup"}, {31, "housing-fund-withdraw"}, {35, "property-register"}} {
		hd.signIn(c.window, c.matter)
	}
	for _, t := range []struct {
		matter string
		n      int
	}{{"social-card", 30}, {"medical-transfer", 6}, {"pension-cert", 3}, {"residence-permit", 5},
		{"id-card-renewal", 4}, {"household-move", 1}, {"company-setup", 2}, {"business-license-change", 2},
		{"housing-fund-withdraw", 4}, {"property-register", 3}} {
		hd.issue(t.matter, t.n)
	}
	for i := 1; i <= 18; i++ {
		hd.call(queue.Number("A", i), 1+i%3)
	}
	hd.call("B001", 5)
	hd.call("B002", 5)
	hd.call("D001", 8)
	hd.call("A019", 1)
	hd.call("B003", 5)
	hd.call("D002", 8)
	hd.call("A020", 2)
	hd.call("L001", 31)
	hd.call("H001", 20)
	hd.call("A021", 1)
	hd.call("M001", 35)
	hd.call("A022", 2)
	hd.now = t0.Add(-5 * time.Second)
	hd.call("A023", 3)
}

// scene is one moment on the display.
type scene struct {
	hd     *hallDay
	at     time.Time
	online bool
}

func (s scene) layout() *screen.Layout { return s.hd.d.Build(s.hd.snap(s.at, s.online)) }

// scenes are the moments the golden screens show, in lang.
func scenes(t testing.TB, lang string) map[string]scene {
	empty := newDay(t, lang)
	busy := newDay(t, lang)
	busy.busy()
	recalled := newDay(t, lang)
	recalled.busy()
	recalled.now = t0.Add(25 * time.Second)
	recalled.recall("A021", 1)
	return map[string]scene{
		"empty":   {empty, t0, true},
		"fresh":   {busy, t0.Add(time.Second), true},
		"after":   {busy, t0.Add(9 * time.Second), true},
		"recall":  {recalled, t0.Add(31 * time.Second), true},
		"offline": {busy, t0.Add(9 * time.Second), false},
	}
}

// texts joins every text on the layout, one a line.
func texts(l *screen.Layout) string {
	var b strings.Builder
	for _, t := range l.Texts {
		b.WriteString(t.S + "\n")
	}
	return b.String()
}

// panelAt returns the style of the last panel covering p, the one drawn on top.
func panelAt(l *screen.Layout, p image.Point) (screen.Style, bool) {
	var st screen.Style
	found := false
	for _, pn := range l.Panels {
		if p.In(pn.Box) {
			st, found = pn.Style, true
		}
	}
	return st, found
}

func TestHighlightLastsEightSeconds(t *testing.T) {
	hd := newDay(t, "zh-CN")
	hd.busy()
	mid := callBox.Min.Add(callBox.Size().Div(2))
	for _, c := range []struct {
		after   time.Duration
		lit     bool
		refresh time.Duration
	}{
		{0, true, 8 * time.Second},
		{time.Second, true, 7 * time.Second},
		{7500 * time.Millisecond, true, 500 * time.Millisecond},
		{8 * time.Second, false, 0},
		{9 * time.Second, false, 0},
	} {
		s := hd.snap(t0.Add(c.after), true)
		l := hd.d.Build(s)
		st, _ := panelAt(l, mid)
		if lit := st == screen.Accent; lit != c.lit {
			t.Errorf("+%v: call panel style %v, highlighted %v, want %v", c.after, st, lit, c.lit)
		}
		if got := hd.d.Refresh(s); got != c.refresh {
			t.Errorf("+%v: Refresh = %v, want %v", c.after, got, c.refresh)
		}
		if !strings.Contains(texts(l), "请 A023 号\n到 3 号窗口\n") {
			t.Errorf("+%v: the newest call is not shown:\n%s", c.after, texts(l))
		}
	}
	// A recall lights the panel again and says it is a second call.
	hd.now = t0.Add(time.Minute)
	hd.recall("A021", 1)
	s := hd.snap(hd.now.Add(time.Second), true)
	l := hd.d.Build(s)
	if st, _ := panelAt(l, mid); st != screen.Accent || hd.d.Refresh(s) != 7*time.Second {
		t.Errorf("recall: panel %v, refresh %v", st, hd.d.Refresh(s))
	}
	if !strings.Contains(texts(l), "再次呼叫\n请 A021 号\n到 1 号窗口\n") {
		t.Errorf("recall not shown as such:\n%s", texts(l))
	}
}

// Events other than calls neither light the panel nor restart its clock.
func TestOnlyCallsHighlight(t *testing.T) {
	hd := newDay(t, "en")
	hd.busy()
	hd.now = t0.Add(20 * time.Second)
	hd.issue("social-card", 1)
	hd.apply(queue.Event{Kind: queue.Started, Day: day, Number: "A023", Window: 3})
	s := hd.snap(hd.now, true)
	if st, _ := panelAt(hd.d.Build(s), callBox.Min.Add(image.Pt(20, 20))); st == screen.Accent || hd.d.Refresh(s) != 0 {
		t.Errorf("panel %v and refresh %v after events that are not calls", st, hd.d.Refresh(s))
	}
}

// A display that restarts replays the day before it starts: the last call
// of the replay is shown, but not lit as if it had just been made.
func TestReplayedCallsDoNotHighlight(t *testing.T) {
	hd := newDay(t, "zh-CN")
	hd.d = New(hd.h, hd.cats, "zh-CN") // not started yet
	hd.busy()
	s := hd.snap(t0.Add(time.Second), true)
	hd.d.Start(s)
	l := hd.d.Build(s)
	if st, _ := panelAt(l, callBox.Min.Add(image.Pt(20, 20))); st == screen.Accent || hd.d.Refresh(s) != 0 {
		t.Errorf("replayed call lit: panel %v, refresh %v", st, hd.d.Refresh(s))
	}
	if !strings.Contains(texts(l), "请 A023 号\n") {
		t.Errorf("the newest call is not shown:\n%s", texts(l))
	}
}

func TestEarlierCallsListEachNumberOnce(t *testing.T) {
	sc := scenes(t, "en")["recall"]
	got := texts(sc.layout())
	want := "Earlier calls (ticket → window)\nA023 → 3\nA022 → 2\nM001 → 35\nH001 → 20\nL001 → 31\nA020 → 2\nD002 → 8\nB003 → 5\n"
	if !strings.Contains(got, want) {
		t.Errorf("earlier calls: want\n%s\nin\n%s", want, got)
	}
}

// lineOf returns the texts of the waits cell of matter, joined by " | ".
func lineOf(t *testing.T, l *screen.Layout, name string) string {
	t.Helper()
	for i, tx := range l.Texts {
		if tx.S != name || !tx.Box.In(waitsBox) {
			continue
		}
		var parts []string
		for _, o := range l.Texts[i+1:] {
			if o.Box.Min.Y != tx.Box.Max.Y {
				break
			}
			parts = append(parts, o.S)
		}
		return strings.Join(parts, " | ")
	}
	t.Fatalf("%s is not among the waits:\n%s", name, texts(l))
	return ""
}

func TestWaitsAreKnownOnlyWhileACounterServes(t *testing.T) {
	hd := newDay(t, "zh-CN")
	hd.issue("social-card", 3)
	l := hd.d.Build(hd.snap(hd.now, true))
	if got := lineOf(t, l, "社保卡申领"); got != "3 人等候 | 请留意叫号" {
		t.Errorf("no counter open: %q", got)
	}
	if got := lineOf(t, l, "发票申领"); got != "0 人等候 | 请留意叫号" {
		t.Errorf("nobody waiting, no counter: %q", got)
	}
	hd.signIn(1, "social-card", "invoice")
	l = hd.d.Build(hd.snap(hd.now, true))
	// 3 people × 6 configured minutes ÷ 1 window.
	if got := lineOf(t, l, "社保卡申领"); got != "3 人等候 | 预计等候约 18 分钟" {
		t.Errorf("one counter open: %q", got)
	}
	if got := lineOf(t, l, "发票申领"); got != "0 人等候" {
		t.Errorf("nobody waiting at an open counter: %q", got)
	}
	if strings.Contains(texts(l), "出入境") {
		t.Errorf("a matter done elsewhere is listed:\n%s", texts(l))
	}
}

func TestEmptyHallIsNotBlank(t *testing.T) {
	for _, lang := range langs {
		sc := scenes(t, lang)["empty"]
		want := map[string]string{"zh-CN": "请留意叫号", "en": "Please watch for your number"}[lang]
		l := sc.layout()
		if !slices.ContainsFunc(l.Texts, func(tx screen.Text) bool { return tx.S == want && tx.Box.In(callBox) }) {
			t.Errorf("%s: no %q in the call panel:\n%s", lang, want, texts(l))
		}
		if sc.hd.d.Refresh(sc.hd.snap(sc.at, true)) != 0 {
			t.Errorf("%s: an empty hall asks for redraws", lang)
		}
	}
}

func TestOfflineSaysCallsMayBeStale(t *testing.T) {
	l := scenes(t, "zh-CN")["offline"].layout()
	if !strings.Contains(texts(l), "与大厅系统的连接中断，叫号信息可能不是最新") {
		t.Errorf("no offline notice:\n%s", texts(l))
	}
	if st, _ := panelAt(l, image.Pt(640, 20)); st != screen.Warn {
		t.Errorf("the notice is on a %v panel, want Warn", st)
	}
	// Cut off from the hall, the display cannot know how long a wait is.
	if got := lineOf(t, l, "社保卡申领"); got != "7 人等候 | 请留意叫号" {
		t.Errorf("offline wait: %q", got)
	}
}

// Nothing on the display can be touched, and it never asks for effects.
func TestDisplayIsPassive(t *testing.T) {
	sc := scenes(t, "zh-CN")["fresh"]
	d, s := sc.hd.d, sc.hd.snap(sc.at, true)
	l := sc.layout()
	if len(l.Widgets) != 0 || l.Background != "" || l.Screen != Screen {
		t.Errorf("layout %s has widgets %v, background %q", l.Screen, l.Widgets, l.Background)
	}
	if d.Start(s) != nil || d.Stop(s) != nil || d.Tap(s, "x") != nil || d.Result(s, terminal.Result{}) != nil {
		t.Error("a passive display asked for effects")
	}
	if d.Lang() != "zh-CN" {
		t.Errorf("Lang = %q", d.Lang())
	}
}

// Every text fits its box on one line at its size, as the painter draws it
// (Wrap at the box width, lines of Height), no smaller than 28 px, and no
// two texts share pixels.
func TestTextFitsItsBox(t *testing.T) {
	font := render.DefaultFont()
	for _, lang := range langs {
		for name, sc := range scenes(t, lang) {
			l := sc.layout()
			for i, tx := range l.Texts {
				f := font.Face(tx.Px)
				lines := f.Wrap(tx.S, tx.Box.Dx())
				switch {
				case tx.Px < minPx:
					t.Errorf("%s/%s: %q at %v px", name, lang, tx.S, tx.Px)
				case len(lines) != 1 || f.Measure(tx.S) > tx.Box.Dx() || f.Height() > tx.Box.Dy():
					t.Errorf("%s/%s: %q at %v px (%d wide, %d high) does not fit %v on one line: %q",
						name, lang, tx.S, tx.Px, f.Measure(tx.S), f.Height(), tx.Box.Size(), lines)
				case !tx.Box.In(screen.Size):
					t.Errorf("%s/%s: %q at %v is off screen", name, lang, tx.S, tx.Box)
				}
				for _, o := range l.Texts[i+1:] {
					if o.Box.Overlaps(tx.Box) {
						t.Errorf("%s/%s: %q at %v overlaps %q at %v", name, lang, tx.S, tx.Box, o.S, o.Box)
					}
				}
			}
		}
	}
}

// Every string the display can show has real glyphs in the embedded font.
func TestFontCoversAllText(t *testing.T) {
	face := render.DefaultFont().Face(32)
	check := func(where, s string) {
		for _, r := range s {
			if r > ' ' && !face.Has(r) {
				t.Errorf("%s: %q lacks glyph %q", where, s, r)
			}
		}
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range langs {
		c := cats.Get(lang)
		n := 0
		for _, k := range c.Keys() {
			if strings.HasPrefix(k, "display.") {
				check(lang+":"+k, c.T(k))
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no display.* strings in the catalog", lang)
		}
		for name, sc := range scenes(t, lang) {
			check(name+"/"+lang, texts(sc.layout()))
		}
	}
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	check("hall", h.Name.Zh+h.Name.En)
	for _, m := range h.Matters {
		check(m.ID, m.Name.Zh+m.Name.En)
	}
}

// TestGoldenScreens compares every scene in both languages with the
// reviewed PNGs in testdata/golden; run with -update after a deliberate
// change and look at the new pictures before committing them.
func TestGoldenScreens(t *testing.T) {
	p := screen.NewPainter()
	for _, lang := range langs {
		for name, sc := range scenes(t, lang) {
			img := image.NewRGBA(screen.Size)
			p.Draw(img, sc.layout(), "")
			screentest.Golden(t, name+"-"+lang, img, *update)
		}
	}
}
