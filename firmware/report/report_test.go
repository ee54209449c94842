package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

var beijing = time.FixedZone("CST", 8*60*60)

const (
	day1 = "2026-03-02"
	day2 = "2026-03-03"
)

func sampleHall(t *testing.T) *hall.Hall {
	t.Helper()
	h, err := hall.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// stream builds a hall's event stream the way its terminals send it; every
// event must pass Event.Validate.
type stream struct {
	t      *testing.T
	events []queue.Event
	seq    map[string]int // day+prefix → last number issued
	tokens []string
}

func newStream(t *testing.T) *stream { return &stream{t: t, seq: map[string]int{}} }

func clock(day, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, beijing)
	if err != nil {
		panic(err)
	}
	return t
}

func (s *stream) add(e queue.Event) {
	s.t.Helper()
	if err := e.Validate(); err != nil {
		s.t.Fatalf("test stream: %v", err)
	}
	s.events = append(s.events, e)
}

// issue adds a ticket of matter (whose prefix is prefix) issued by kiosk at
// at and returns its number.
func (s *stream) issue(day, matter, prefix, kiosk string, at time.Time, offline bool) string {
	s.t.Helper()
	s.seq[day+prefix]++
	seq := s.seq[day+prefix]
	token := fmt.Sprintf("tok_%s_%s%03d_abcdefgh", day, prefix, seq)
	s.tokens = append(s.tokens, token)
	n := queue.Number(prefix, seq)
	s.add(queue.Event{Kind: queue.Issued, At: at, Day: day, Number: n, Matter: matter, Prefix: prefix, Seq: seq,
		Token: token, Kiosk: kiosk, Offline: offline})
	return n
}

// serve calls number after wait, starts it a minute later and finishes it
// after handling.
func (s *stream) serve(day, number string, window int, issued time.Time, wait, handling time.Duration) {
	s.t.Helper()
	called := issued.Add(wait)
	started := called.Add(time.Minute)
	s.add(queue.Event{Kind: queue.Called, At: called, Day: day, Number: number, Window: window})
	s.add(queue.Event{Kind: queue.Started, At: started, Day: day, Number: number, Window: window})
	s.add(queue.Event{Kind: queue.Finished, At: started.Add(handling), Day: day, Number: number, Window: window})
}

func (s *stream) rate(day, number string, rating int, reason string, at time.Time) {
	s.t.Helper()
	s.add(queue.Event{Kind: queue.Rated, At: at, Day: day, Number: number, Rating: rating, Reason: reason})
}

// twoDays is the stream the tests check by hand.
//
// Day 1: ten 社保卡 (A) tickets from kiosk-1, issued 09:00, 09:05 … 09:45;
// the i-th (from 1) waits i minutes and is handled in i minutes: waits and
// handling p50 5m, p90 9m. Ratings 1×6, 2×3, 3×1. Help: no-id answered in
// 2 minutes, questions in 5.
//
// Day 2: ten 医保转移 (B) tickets from kiosk-1, issued 10:00 … 10:45, the
// i-th waiting 2i minutes, each handled in 12; an eleventh issued 10:50,
// called at 11:00 and not come. Ratings 1×5, 2×2, 3×2, 4×1 (wait). One A
// ticket issued offline by kiosk-2 at 14:00 within its offline period
// 13:50–14:10, still waiting. A questions request nobody answered.
func twoDays(t *testing.T) *stream {
	s := newStream(t)
	ratings1 := []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3}
	for i := range 10 {
		at := clock(day1, "09:00").Add(time.Duration(5*i) * time.Minute)
		n := s.issue(day1, "social-card", "A", "kiosk-1", at, false)
		s.serve(day1, n, 1, at, time.Duration(i+1)*time.Minute, time.Duration(i+1)*time.Minute)
		s.rate(day1, n, ratings1[i], "", clock(day1, "10:30"))
		if i == 2 {
			s.add(queue.Event{Kind: queue.HelpAsked, At: clock(day1, "09:10"), Help: "h1", Kiosk: "kiosk-1", Reason: "no-id", Matter: "social-card"})
			s.add(queue.Event{Kind: queue.HelpAcked, At: clock(day1, "09:12"), Help: "h1", Terminal: "guide-1"})
			s.add(queue.Event{Kind: queue.HelpAsked, At: clock(day1, "09:20"), Help: "h2", Kiosk: "kiosk-1", Reason: "questions"})
			s.add(queue.Event{Kind: queue.HelpAcked, At: clock(day1, "09:25"), Help: "h2", Terminal: "guide-1"})
		}
	}
	ratings2 := []int{1, 1, 1, 1, 1, 2, 2, 3, 3, 4}
	for i := range 10 {
		at := clock(day2, "10:00").Add(time.Duration(5*i) * time.Minute)
		n := s.issue(day2, "medical-transfer", "B", "kiosk-1", at, false)
		if i == 0 {
			s.add(queue.Event{Kind: queue.HelpAsked, At: clock(day2, "10:01"), Help: "h3", Kiosk: "kiosk-1", Reason: "questions"})
		}
		s.serve(day2, n, 3, at, time.Duration(2*(i+1))*time.Minute, 12*time.Minute)
		reason := ""
		if ratings2[i] >= queue.Dissatisfied {
			reason = "wait"
		}
		s.rate(day2, n, ratings2[i], reason, clock(day2, "12:00"))
	}
	n := s.issue(day2, "medical-transfer", "B", "kiosk-1", clock(day2, "10:50"), false)
	s.add(queue.Event{Kind: queue.Called, At: clock(day2, "11:00"), Day: day2, Number: n, Window: 3})
	s.add(queue.Event{Kind: queue.NoShow, At: clock(day2, "11:03"), Day: day2, Number: n, Window: 3})
	s.add(queue.Event{Kind: queue.Leased, At: clock(day2, "08:30"), Day: day2, Prefix: "A", Seq: 1, Count: 20, Kiosk: "kiosk-2"})
	s.issue(day2, "social-card", "A", "kiosk-2", clock(day2, "14:00"), true)
	s.add(queue.Event{Kind: queue.Offline, At: clock(day2, "13:50"), Until: clock(day2, "14:10"), Kiosk: "kiosk-2"})
	return s
}

func minutes(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

func checkTimes(t *testing.T, what string, got Times, count int, p50, p90 time.Duration) {
	t.Helper()
	if got.Count != count || got.P50 == nil || got.P90 == nil || *got.P50 != p50 || *got.P90 != p90 {
		t.Errorf("%s = %s, want count %d p50 %v p90 %v", what, fmtTimes(got), count, p50, p90)
	}
}

func fmtTimes(t Times) string {
	f := func(d *time.Duration) string {
		if d == nil {
			return "nil"
		}
		return d.String()
	}
	return fmt.Sprintf("count %d p50 %s p90 %s", t.Count, f(t.P50), f(t.P90))
}

func TestTwoDays(t *testing.T) {
	h := sampleHall(t)
	r := Compute(h, twoDays(t).events, "", "")

	if fmt.Sprint(r.Days) != "[2026-03-02 2026-03-03]" || r.Refused != 0 {
		t.Fatalf("days %v, refused %d", r.Days, r.Refused)
	}
	if r.Issued != 22 || r.Called != 21 || r.Served != 20 || r.NoShows != 1 {
		t.Errorf("issued/called/served/no-shows = %d/%d/%d/%d, want 22/21/20/1", r.Issued, r.Called, r.Served, r.NoShows)
	}

	s := r.Satisfaction
	if s.Ratings != [5]int{11, 5, 3, 1, 0} || s.Count != 20 || s.Satisfied != 19 {
		t.Errorf("ratings %v, %d of %d satisfied", s.Ratings, s.Satisfied, s.Count)
	}
	if s.Rate == nil || *s.Rate != 0.95 || s.Met == nil || *s.Met || s.Target != 0.96 {
		t.Errorf("rate %v met %v target %v, want 0.95 missing 0.96", s.Rate, s.Met, s.Target)
	}
	if fmt.Sprint(s.Reasons) != "[{wait 1}]" {
		t.Errorf("low reasons %v", s.Reasons)
	}

	w := r.Window
	// (1+…+10 + 10×12) minutes over 20 services.
	if w.Served != 20 || w.Mean == nil || *w.Mean != minutes(8.75) || w.Baseline != 12*time.Minute {
		t.Fatalf("window %+v", w)
	}
	if w.Change == nil || fmt.Sprintf("%.4f", *w.Change) != "-0.2708" || w.Met == nil || !*w.Met {
		t.Errorf("window change %v met %v, want -0.2708 met", w.Change, w.Met)
	}

	if len(r.Matters) != 2 || r.Matters[0].Matter != "social-card" || r.Matters[1].Matter != "medical-transfer" {
		t.Fatalf("matters %+v", r.Matters)
	}
	a, b := r.Matters[0], r.Matters[1]
	if a.Issued != 11 || a.Called != 10 || a.Served != 10 || a.NoShows != 0 || a.Name.Zh != "社保卡申领" {
		t.Errorf("social-card %+v", a)
	}
	checkTimes(t, "social-card wait", a.Wait, 10, 5*time.Minute, 9*time.Minute)
	checkTimes(t, "social-card handling", a.Handling, 10, 5*time.Minute, 9*time.Minute)
	if b.Issued != 11 || b.Called != 11 || b.Served != 10 || b.NoShows != 1 {
		t.Errorf("medical-transfer %+v", b)
	}
	// Waits 2, 4, … 20 and the no-show's 10: rank 6 of 11 is 10, rank 10 is 18.
	checkTimes(t, "medical-transfer wait", b.Wait, 11, 10*time.Minute, 18*time.Minute)
	checkTimes(t, "medical-transfer handling", b.Handling, 10, 12*time.Minute, 12*time.Minute)

	if len(r.Hours) != 6 || r.Hours[0].Hour != 9 || r.Hours[5].Hour != 14 {
		t.Fatalf("hours %+v", r.Hours)
	}
	byHour := map[int]HourFigures{}
	for _, hf := range r.Hours {
		byHour[hf.Hour] = hf
	}
	if byHour[9].Issued != 10 || byHour[10].Issued != 11 || byHour[12].Issued != 0 || byHour[14].Issued != 1 {
		t.Errorf("issued per hour %+v", r.Hours)
	}
	checkTimes(t, "09:00 wait", byHour[9].Wait, 10, 5*time.Minute, 9*time.Minute)
	checkTimes(t, "10:00 wait", byHour[10].Wait, 11, 10*time.Minute, 18*time.Minute)
	if byHour[12].Wait.Count != 0 || byHour[12].Wait.P90 != nil || byHour[14].Wait.P90 != nil {
		t.Errorf("hours without a call have a wait: %+v %+v", byHour[12], byHour[14])
	}
	// Service of the last B tickets started after 11:00.
	if byHour[10].Handling.Count+byHour[11].Handling.Count != 10 || byHour[11].Handling.Count == 0 {
		t.Errorf("handling per hour: 10:00 %d, 11:00 %d", byHour[10].Handling.Count, byHour[11].Handling.Count)
	}

	if fmt.Sprint(r.Kiosks) != "[{kiosk-1 21 0} {kiosk-2 1 1}]" {
		t.Errorf("kiosks %v", r.Kiosks)
	}

	hp := r.Help
	if hp.Asked != 3 || hp.Answered != 2 || hp.Unanswered != 1 || fmt.Sprint(hp.Reasons) != "[{questions 2} {no-id 1}]" {
		t.Errorf("help %+v", hp)
	}
	checkTimes(t, "help ack", hp.Ack, 2, 2*time.Minute, 5*time.Minute)

	if len(r.Offline) != 1 || r.Offline[0].Kiosk != "kiosk-2" || r.Offline[0].Day != day2 || r.Offline[0].Duration != 20*time.Minute {
		t.Errorf("offline %+v", r.Offline)
	}
}

func TestBounds(t *testing.T) {
	h := sampleHall(t)
	events := twoDays(t).events

	first := Compute(h, events, "", day1)
	if fmt.Sprint(first.Days) != "[2026-03-02]" || first.Issued != 10 || first.Help.Asked != 2 || first.Help.Unanswered != 0 {
		t.Errorf("up to day 1: days %v issued %d help %+v", first.Days, first.Issued, first.Help)
	}
	if s := first.Satisfaction; s.Rate == nil || *s.Rate != 1 || !*s.Met {
		t.Errorf("day 1: rate %v met %v, want 1 met", s.Rate, s.Met)
	}
	if w := first.Window; *w.Mean != minutes(5.5) || !*w.Met {
		t.Errorf("day 1 window %v met %v", *w.Mean, *w.Met)
	}

	second := Compute(h, events, day2, day2)
	if fmt.Sprint(second.Days) != "[2026-03-03]" || second.Issued != 12 || second.NoShows != 1 {
		t.Errorf("day 2: days %v issued %d no-shows %d", second.Days, second.Issued, second.NoShows)
	}
	if s := second.Satisfaction; *s.Rate != 0.9 || *s.Met {
		t.Errorf("day 2: rate %v met %v", *s.Rate, *s.Met)
	}
	// The request without a day belongs to day 2, when it was asked.
	if hp := second.Help; hp.Asked != 1 || hp.Unanswered != 1 || hp.Ack.Count != 0 || hp.Ack.P50 != nil {
		t.Errorf("day 2 help %+v", hp)
	}
	if w := second.Window; *w.Mean != 12*time.Minute || *w.Change != 0 || *w.Met {
		t.Errorf("day 2 window %v change %v met %v", *w.Mean, *w.Change, *w.Met)
	}

	none := Compute(h, events, "2026-04-01", "")
	if len(none.Days) != 0 || none.Issued != 0 || none.Help.Asked != 0 || none.Satisfaction.Rate != nil {
		t.Errorf("after the stream: %+v", none)
	}
}

func TestSatisfiedLevels(t *testing.T) {
	h := sampleHall(t)
	two := *h
	two.Figures.SatisfiedLevels = 2
	s := Compute(&two, twoDays(t).events, "", "").Satisfaction
	// 11 + 5 of 20 ratings are in the top two levels.
	if s.Levels != 2 || s.Satisfied != 16 || *s.Rate != 0.8 || *s.Met {
		t.Errorf("two levels: %d satisfied, rate %v met %v", s.Satisfied, *s.Rate, *s.Met)
	}
}

// 24 of 25 is exactly the 96 % target, and meets it despite float rounding.
func TestTargetReachedExactly(t *testing.T) {
	h := sampleHall(t)
	s := newStream(t)
	for i := range 25 {
		at := clock(day1, "09:00").Add(time.Duration(i) * time.Minute)
		n := s.issue(day1, "social-card", "A", "kiosk-1", at, false)
		s.serve(day1, n, 1, at, time.Minute, 5*time.Minute)
		rating, reason := queue.VerySatisfied, ""
		if i == 0 {
			rating, reason = queue.VeryDissatisfied, "attitude"
		}
		s.rate(day1, n, rating, reason, at.Add(time.Hour))
	}
	r := Compute(h, s.events, "", "")
	if sat := r.Satisfaction; *sat.Rate != 0.96 || !*sat.Met {
		t.Errorf("24/25: rate %v met %v", *sat.Rate, *sat.Met)
	}
	var text bytes.Buffer
	r.Text(&text, "en")
	if !strings.Contains(text.String(), "96.0%") || !strings.Contains(text.String(), "Staff attitude 1") {
		t.Errorf("text:\n%s", text.String())
	}
}

func TestNoBaseline(t *testing.T) {
	h := sampleHall(t)
	none := *h
	none.Figures.WindowBaseline = hall.Duration{}
	w := Compute(&none, twoDays(t).events, "", "").Window
	if w.Mean == nil || *w.Mean != minutes(8.75) || w.Change != nil || w.Met != nil {
		t.Errorf("without a baseline: %+v", w)
	}
}

// Events the queue refuses are counted and leave the figures alone.
func TestRefused(t *testing.T) {
	h := sampleHall(t)
	s := newStream(t)
	n := s.issue(day1, "social-card", "A", "kiosk-1", clock(day1, "09:00"), false)
	events := append(s.events,
		queue.Event{Kind: queue.Started, At: clock(day1, "09:05"), Day: day1, Number: n, Window: 1}, // never called
		queue.Event{Kind: queue.Called, At: clock(day1, "09:05"), Day: day1, Number: "A999", Window: 1},
		queue.Event{Kind: queue.Rated, At: clock(day1, "09:06"), Day: day1, Number: n, Rating: 9},
	)
	r := Compute(h, events, "", "")
	if r.Refused != 3 || r.Issued != 1 || r.Called != 0 || r.Window.Mean != nil {
		t.Errorf("refused %d issued %d called %d", r.Refused, r.Issued, r.Called)
	}
}

// A hall with no events has no figures: nothing is invented.
func TestEmpty(t *testing.T) {
	h := sampleHall(t)
	r := Compute(h, nil, "", "")
	if r.Satisfaction.Rate != nil || r.Satisfaction.Met != nil || r.Window.Mean != nil || r.Window.Change != nil {
		t.Fatalf("empty stream has figures: %+v", r)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rate":null`, `"mean":null`, `"days":[]`, `"matters":[]`, `"p50":null`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}
	for lang, nodata := range map[string]string{"zh-CN": "暂无数据", "en": "no data"} {
		var page, text bytes.Buffer
		if err := OfficePage(&page, r, h, lang); err != nil {
			t.Fatal(err)
		}
		checkHTML(t, page.String())
		if strings.Count(page.String(), nodata) < 3 {
			t.Errorf("%s page says %q fewer than 3 times", lang, nodata)
		}
		if strings.Contains(page.String(), "<svg class=\"chart\"") || !strings.Contains(cardOf(t, page.String(), "satisfaction"), `<div class="value">`+nodata+`</div>`) {
			t.Errorf("%s page invents a chart or a rate:\n%s", lang, page.String())
		}
		r.Text(&text, lang)
		if !strings.Contains(text.String(), nodata) {
			t.Errorf("%s text lacks %q:\n%s", lang, nodata, text.String())
		}
	}
}

// cardOf returns the headline card with id.
func cardOf(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no card %s", id)
	}
	i = strings.LastIndex(page[:i], "<div")
	end := strings.Index(page[i:], "</ul>")
	return page[i : i+end]
}

func TestOfficePage(t *testing.T) {
	h := sampleHall(t)
	s := twoDays(t)
	r := Compute(h, s.events, "", "")
	for lang, want := range map[string][]string{
		"zh-CN": {`<html lang="zh-CN">`, "上城区政务服务中心", "未达标", "目标 96.0%", "8分45秒", "改革前基准 12分钟", "-27.0%", "社保卡申领", "未带证件", "kiosk-2", "13:50"},
		"en":    {`<html lang="en">`, "Shangcheng District", "missed", "target 96.0%", "8m45s", "pre-reform baseline 12 min", "Social security card", "No ID card"},
	} {
		var b bytes.Buffer
		if err := OfficePage(&b, r, h, lang); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		checkHTML(t, page)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", lang, w)
			}
		}
		sat, win := cardOf(t, page, "satisfaction"), cardOf(t, page, "window")
		if !strings.Contains(sat, `class="card missed"`) || !strings.Contains(sat, "95.0%") {
			t.Errorf("%s satisfaction card: %s", lang, sat)
		}
		if !strings.Contains(win, `class="card met"`) {
			t.Errorf("%s window card: %s", lang, win)
		}
		// Six hours: six bars; the line has a gap at 12:00 and 13:00 and no point at 14:00.
		chart := page[strings.Index(page, `<svg class="chart"`):]
		chart = chart[:strings.Index(chart, "</svg>")]
		if n := strings.Count(chart, "<rect"); n != 6 {
			t.Errorf("%s chart has %d bars, want 6", lang, n)
		}
		if n := strings.Count(chart, "<circle"); n != 2 {
			t.Errorf("%s chart has %d wait points, want 2 (09:00, 10:00)", lang, n)
		}
		for _, label := range []string{">09<", ">14<", ">20<"} {
			if !strings.Contains(chart, label) {
				t.Errorf("%s chart lacks axis label %s", lang, label)
			}
		}
	}
}

// No ticket's phone token, the only secret an event carries, reaches any
// output.
func TestNoTokens(t *testing.T) {
	h := sampleHall(t)
	s := twoDays(t)
	r := Compute(h, s.events, "", "")
	var out bytes.Buffer
	js, _ := json.Marshal(r)
	out.Write(js)
	r.Text(&out, "zh-CN")
	if err := OfficePage(&out, r, h, "en"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range s.tokens {
		if strings.Contains(out.String(), tok) {
			t.Fatalf("token %s in the output", tok)
		}
	}
}

func TestText(t *testing.T) {
	h := sampleHall(t)
	r := Compute(h, twoDays(t).events, "", "")
	for lang, want := range map[string][]string{
		"zh-CN": {"2026-03-02 至 2026-03-03（2 天）", "满意度: 95.0%", "未达标", "20 条评价中 19 条满意", "等候太久 1", "平均 8分45秒", "-27.0%", "达标", "社保卡申领", "咨询 2", "kiosk-2"},
		"en":    {"2026-03-02 to 2026-03-03 (2 days)", "Satisfaction: 95.0%", "missed", "Waited too long 1", "mean 8m45s", "change -27.0%", "goal -25.0%  met", "Medical insurance", "Unanswered 1", "13:50 – 14:10"},
	} {
		var b bytes.Buffer
		r.Text(&b, lang)
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s text lacks %q:\n%s", lang, w, b.String())
			}
		}
	}
}

// Both languages say everything: a key missing in one would print empty.
func TestCatalogsMatch(t *testing.T) {
	zh, en := messages["zh-CN"], messages["en"]
	for k := range zh {
		if en[k] == "" {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range en {
		if zh[k] == "" {
			t.Errorf("zh-CN lacks %q", k)
		}
	}
	for _, r := range queue.LowReasons {
		if zh["low."+r] == "" {
			t.Errorf("no words for low-rating reason %q", r)
		}
	}
	for _, r := range queue.HelpReasons {
		if zh["help."+r] == "" {
			t.Errorf("no words for help reason %q", r)
		}
	}
}

var (
	tagPattern = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>`)
	voidTags   = map[string]bool{"meta": true, "br": true, "link": true, "img": true, "input": true, "hr": true}
)

// checkHTML checks that page's elements nest and close, and that it loads
// nothing from elsewhere.
func checkHTML(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Errorf("page does not start with a doctype")
	}
	for _, bad := range []string{"<script", "src=", "href=", "url(", "@import", "http:", "https:"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: not self-contained", bad)
		}
	}
	var open []string
	for _, m := range tagPattern.FindAllStringSubmatch(page, -1) {
		closing, name, self := m[1] == "/", strings.ToLower(m[2]), m[3] == "/"
		switch {
		case voidTags[name] || self:
		case !closing:
			open = append(open, name)
		case len(open) == 0 || open[len(open)-1] != name:
			t.Fatalf("</%s> closes %v", name, open)
		default:
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		t.Fatalf("unclosed elements %v", open)
	}
}
