package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"onetrip/firmware/hall"
)

//go:embed office.html
var officeHTML string

var officeTemplate = template.Must(template.New("office").Parse(officeHTML))

// OfficePage writes r as one self-contained HTML page for the hall's office
// in lang: the satisfaction rate and the time at the window against the
// hall's goals first, then the day's chart and the tables. The page loads
// nothing (no scripts, fonts or style sheets from elsewhere), so it opens
// from a USB stick as well as from the controller. h names the hall and its
// matters in the words of its current file.
func OfficePage(w io.Writer, r Report, h *hall.Hall, lang string) error {
	return officeTemplate.Execute(w, newPage(r, h, lang))
}

// page is what the template shows: every figure already in words, so that
// the template only lays it out.
type page struct {
	Lang, Title, Period string
	ChartTitle          string
	M                   map[string]string
	Sat, Win            headline
	Totals              []Count
	Chart               *chart
	Ratings             []bar
	LowReasons          []Count
	Matters             []matterRow
	Help                helpBlock
	NoShows             []noShowRow
	Kiosks              []kioskRow
	Offline             []offlineRow
}

// headline is one of the two big figures. State is "met", "missed" or
// "unknown", and picks the colour.
type headline struct {
	Value, State, Verdict string
	Lines                 []string
}

// bar is one rating level: its share of the ratings as a bar of Width
// (0-100), Good when the level counts as satisfied.
type bar struct {
	Label, Share string
	Count        int
	Width        float64
	Good         bool
}

type matterRow struct {
	Name                                       string
	Issued, Served, NoShows                    int
	WaitP50, WaitP90, HandlingP50, HandlingP90 string
}

type helpBlock struct {
	Asked, Answered, Unanswered int
	P50, P90                    string
	Reasons                     []Count
}

type noShowRow struct {
	Name           string
	NoShows, Calls int
	Share          string
}

type kioskRow struct {
	Kiosk           string
	Issued, Offline int
	Share           string
}

type offlineRow struct {
	Kiosk, From, Until, Duration string
}

func newPage(r Report, h *hall.Hall, lang string) page {
	m := catalog(lang)
	pg := page{Lang: "zh-CN", M: m, Period: r.period(m)}
	if strings.HasPrefix(lang, "en") {
		pg.Lang = "en"
	}
	pg.Title = h.Name.In(lang) + " · " + m["title"]
	matterName := func(mf MatterFigures) string {
		if hm, ok := h.Matter(mf.Matter); ok {
			return hm.Name.In(lang)
		}
		return mf.Name.In(lang)
	}

	s := r.Satisfaction
	pg.Sat = headline{Value: m["no_data"], State: "unknown", Verdict: m["sat_none"]}
	if s.Rate != nil {
		pg.Sat = headline{Value: percent(*s.Rate), State: state(*s.Met), Verdict: pageVerdict(m, *s.Met),
			Lines: []string{fmt.Sprintf(m["sat_detail"], s.Count, s.Satisfied, s.Levels)}}
	}
	pg.Sat.Lines = append([]string{m["target"] + " " + percent(s.Target)}, pg.Sat.Lines...)

	win := r.Window
	pg.Win = headline{Value: m["no_data"], State: "unknown"}
	if win.Mean != nil {
		pg.Win.Value = duration(m, *win.Mean)
	}
	if win.Baseline > 0 {
		aim := time.Duration(float64(win.Baseline) * (1 + win.Goal))
		pg.Win.Lines = append(pg.Win.Lines, fmt.Sprintf("%s %s · %s %s (≤ %s)", m["baseline"], duration(m, win.Baseline),
			m["goal"], signedPercent(win.Goal), duration(m, aim)))
	} else {
		pg.Win.Verdict = m["no_baseline"]
	}
	if win.Change != nil {
		pg.Win.State, pg.Win.Verdict = state(*win.Met), pageVerdict(m, *win.Met)
		pg.Win.Lines = append(pg.Win.Lines, m["change"]+" "+signedPercent(*win.Change))
	}

	pg.Totals = []Count{{m["issued"], r.Issued}, {m["called"], r.Called}, {m["served"], r.Served},
		{m["no_shows"], r.NoShows}, {m["help_asked"], r.Help.Asked}}
	pg.Chart = newChart(r.Hours, m)
	pg.ChartTitle = m["chart"]
	if len(r.Days) > 1 {
		pg.ChartTitle += fmt.Sprintf(m["chart_sum"], len(r.Days))
	}

	for i, n := range s.Ratings {
		if s.Count == 0 {
			break // the page says there are no ratings, not five rows of nothing
		}
		share := float64(n) / float64(s.Count)
		pg.Ratings = append(pg.Ratings, bar{Label: m[fmt.Sprintf("level.%d", i+1)], Count: n, Good: i < s.Levels,
			Share: percent(share), Width: share * 100})
	}
	pg.LowReasons = named(m, "low.", s.Reasons)

	for _, mf := range r.Matters {
		pg.Matters = append(pg.Matters, matterRow{
			Name: matterName(mf), Issued: mf.Issued, Served: mf.Served, NoShows: mf.NoShows,
			WaitP50: maybe(m, mf.Wait.P50), WaitP90: maybe(m, mf.Wait.P90),
			HandlingP50: maybe(m, mf.Handling.P50), HandlingP90: maybe(m, mf.Handling.P90),
		})
		if mf.NoShows > 0 {
			pg.NoShows = append(pg.NoShows, noShowRow{Name: matterName(mf), NoShows: mf.NoShows, Calls: mf.Called,
				Share: percent(float64(mf.NoShows) / float64(mf.Called))})
		}
	}

	hp := r.Help
	pg.Help = helpBlock{Asked: hp.Asked, Answered: hp.Answered, Unanswered: hp.Unanswered,
		P50: maybe(m, hp.Ack.P50), P90: maybe(m, hp.Ack.P90), Reasons: named(m, "help.", hp.Reasons)}

	for _, k := range r.Kiosks {
		pg.Kiosks = append(pg.Kiosks, kioskRow{Kiosk: k.Kiosk, Issued: k.Issued, Offline: k.Offline,
			Share: percent(float64(k.Offline) / float64(k.Issued))})
	}
	for _, o := range r.Offline {
		pg.Offline = append(pg.Offline, offlineRow{Kiosk: o.Kiosk, From: o.From.Format("2006-01-02 15:04"),
			Until: until(o.From, o.Until), Duration: duration(m, o.Duration)})
	}
	return pg
}

func pageVerdict(m map[string]string, met bool) string {
	if met {
		return m["page_met"]
	}
	return m["page_missed"]
}

func state(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

// named puts the catalog's words on counted names.
func named(m map[string]string, prefix string, cs []Count) []Count {
	out := make([]Count, len(cs))
	for i, c := range cs {
		out[i] = Count{word(m, prefix+c.Name, c.Name), c.Count}
	}
	return out
}

// until formats the end of a period, with its date only when that differs
// from the start's.
func until(from, to time.Time) string {
	if from.Format(time.DateOnly) == to.Format(time.DateOnly) {
		return to.Format("15:04")
	}
	return to.Format("2006-01-02 15:04")
}

// The chart's canvas, in SVG user units; the page scales it to its width.
const (
	chartW, chartH                       = 960, 340
	padLeft, padRight, padTop, padBottom = 64, 64, 36, 52
)

// chart is the day as an SVG: tickets issued per hour as bars against the
// left axis, the p90 wait per hour as a line against the right one. An hour
// without a measured wait leaves a gap in the line rather than a made-up
// point.
type chart struct {
	W, H                   int
	Left, Right, Top, Base float64 // the plot area
	Bars                   []chartBar
	Line                   string // SVG path data
	Dots                   []chartDot
	CountTicks, WaitTicks  []tick
	CountTitle, WaitTitle  string
	BarLegend, LineLegend  string
}

type chartBar struct {
	X, Y, Width, Height, Mid float64
	Label                    string
	Count                    int
}

type chartDot struct {
	X, Y  float64
	Title string
}

type tick struct {
	Y     float64
	Label string
}

func newChart(hours []HourFigures, m map[string]string) *chart {
	if len(hours) == 0 {
		return nil
	}
	c := &chart{W: chartW, H: chartH, Left: padLeft, Right: chartW - padRight, Top: padTop, Base: chartH - padBottom,
		CountTitle: m["chart_count"], WaitTitle: m["chart_min"], BarLegend: m["chart_bars"], LineLegend: m["chart_line"]}
	maxCount, maxWait := 0, 0.0
	for _, h := range hours {
		maxCount = max(maxCount, h.Issued)
		if h.Wait.P90 != nil {
			maxWait = max(maxWait, h.Wait.P90.Minutes())
		}
	}
	countTop, countStep := scale(float64(maxCount))
	waitTop, waitStep := scale(maxWait)
	height := c.Base - c.Top
	y := func(v, top float64) float64 { return c.Base - v/top*height }
	for v := 0.0; v <= countTop+epsilon; v += countStep {
		c.CountTicks = append(c.CountTicks, tick{y(v, countTop), fmt.Sprint(v)})
	}
	if maxWait > 0 {
		for v := 0.0; v <= waitTop+epsilon; v += waitStep {
			c.WaitTicks = append(c.WaitTicks, tick{y(v, waitTop), fmt.Sprint(v)})
		}
	}
	band := (c.Right - c.Left) / float64(len(hours))
	var path strings.Builder
	pen := false // whether the line is drawing; a missing hour lifts it
	for i, h := range hours {
		mid := c.Left + band*(float64(i)+0.5)
		top := y(float64(h.Issued), countTop)
		c.Bars = append(c.Bars, chartBar{X: mid - band*0.3, Y: top, Width: band * 0.6, Height: c.Base - top, Mid: mid,
			Label: fmt.Sprintf("%02d", h.Hour), Count: h.Issued})
		if h.Wait.P90 == nil {
			pen = false
			continue
		}
		wy := y(h.Wait.P90.Minutes(), waitTop)
		op := "L"
		if !pen {
			op = "M"
		}
		fmt.Fprintf(&path, "%s%.1f %.1f ", op, mid, wy)
		pen = true
		c.Dots = append(c.Dots, chartDot{X: mid, Y: wy, Title: fmt.Sprintf("%02d:00 %s", h.Hour, duration(m, *h.Wait.P90))})
	}
	c.Line = strings.TrimSpace(path.String())
	return c
}

// scale picks a round top for an axis showing values up to v, and a step
// that divides it into four to five ticks: 1, 2 or 5 times a power of ten.
func scale(v float64) (top, step float64) {
	if v <= 0 {
		return 1, 1
	}
	raw := v / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * pow
	for _, f := range []float64{1, 2, 5} {
		if f*pow >= raw {
			step = f * pow
			break
		}
	}
	if step < 1 {
		step = 1 // counts and minutes are shown whole
	}
	return math.Ceil(v/step) * step, step
}
