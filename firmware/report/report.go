// Package report computes the hall's figures from its event stream: the
// 好差评 satisfaction rate against the hall's target, the time at the window
// against the pre-reform baseline, waits, no-shows, kiosks, help requests and
// offline periods. A Report is plain data (it marshals to JSON); Text prints
// it for a terminal and OfficePage renders it as an HTML page for the hall's
// office.
//
// The figures are folded with queue.View, so a ticket's state follows the
// same rules as on the hall's screens. A figure nothing was measured for is
// absent (a nil pointer, null in JSON), never zero: a hall with no ratings
// has no satisfaction rate, not one of 0 % or 100 %.
package report

import (
	"cmp"
	"math"
	"slices"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

// Report is the hall's figures over a range of service days.
type Report struct {
	Hall Label  `json:"hall"`
	From string `json:"from,omitempty"` // the requested first day; "" = no bound
	To   string `json:"to,omitempty"`   // the requested last day; "" = no bound

	// Days are the service days in range that had events, in order.
	Days []string `json:"days"`

	Issued  int `json:"issued"`
	Called  int `json:"called"` // tickets called at least once
	Served  int `json:"served"` // tickets whose service ended
	NoShows int `json:"no_shows"`

	// Refused counts events of the range that the queue refused (malformed,
	// or contradicting it): they are left out of every figure.
	Refused int `json:"refused"`

	Satisfaction Satisfaction `json:"satisfaction"`
	Window       WindowTime   `json:"window"`

	Matters []MatterFigures `json:"matters"` // matters with tickets, in the hall's order
	Hours   []HourFigures   `json:"hours"`   // every hour from the first to the last with activity
	Kiosks  []KioskFigures  `json:"kiosks"`  // by kiosk id
	Help    HelpFigures     `json:"help"`
	Offline []OfflinePeriod `json:"offline"` // in the order the kiosks reported them
}

// Label is a name in both languages of the hall.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// In returns the label in lang ("zh-CN" or "en"), falling back to Chinese.
func (l Label) In(lang string) string { return hall.Text{Zh: l.Zh, En: l.En}.In(lang) }

// Satisfaction is the 好差评 ratings of the served tickets.
type Satisfaction struct {
	// Ratings counts the ratings per level: Ratings[0] is level 1 (非常满意),
	// Ratings[4] level 5 (非常不满意).
	Ratings [5]int `json:"ratings"`
	Count   int    `json:"count"`
	// Levels is how many levels from the top count as satisfied, and
	// Satisfied how many ratings fell in them.
	Levels    int `json:"levels"`
	Satisfied int `json:"satisfied"`
	// Rate is Satisfied/Count; nil when nobody rated.
	Rate   *float64 `json:"rate"`
	Target float64  `json:"target"`
	Met    *bool    `json:"met"` // Rate ≥ Target; nil without a rate
	// Reasons counts the reasons given with the two lowest ratings, in the
	// order of queue.LowReasons; reasons nobody gave are left out.
	Reasons []Count `json:"reasons"`
}

// WindowTime is the time at the window (started → done) over all matters,
// against the hall's pre-reform baseline.
type WindowTime struct {
	Served   int            `json:"served"`
	Mean     *time.Duration `json:"mean"`     // nil when nothing was served
	Baseline time.Duration  `json:"baseline"` // 0: none configured
	Goal     float64        `json:"goal"`     // the change aimed for, -0.25 = a quarter less
	// Change is (Mean − Baseline) / Baseline, and Met whether it reached
	// Goal; both nil without a mean or a baseline.
	Change *float64 `json:"change"`
	Met    *bool    `json:"met"`
}

// Times are the percentiles of a set of durations. P50 and P90 are
// nearest-rank percentiles: the smallest measured value that at least 50 %
// (90 %) of the measurements do not exceed, so each is a time that really
// occurred. Both are nil when Count is 0. Durations marshal as nanoseconds.
type Times struct {
	Count int            `json:"count"`
	P50   *time.Duration `json:"p50"`
	P90   *time.Duration `json:"p90"`
}

// MatterFigures are one matter's tickets. Wait is issued → first call,
// Handling started → done.
type MatterFigures struct {
	Matter   string `json:"matter"`
	Name     Label  `json:"name"`
	Issued   int    `json:"issued"`
	Called   int    `json:"called"`
	Served   int    `json:"served"`
	NoShows  int    `json:"no_shows"`
	Wait     Times  `json:"wait"`
	Handling Times  `json:"handling"`
}

// HourFigures are one hour of the day, summed over the days of the report.
// Hours are read in the zone the events carry. A ticket counts in the hour it
// was issued for Issued and Wait (the wait of those who came then), and in
// the hour its service started for Handling.
type HourFigures struct {
	Hour     int   `json:"hour"` // 0-23
	Issued   int   `json:"issued"`
	Wait     Times `json:"wait"`
	Handling Times `json:"handling"`
}

// KioskFigures are the tickets one kiosk issued, and how many of them it
// issued offline, from a leased block of numbers.
type KioskFigures struct {
	Kiosk   string `json:"kiosk"`
	Issued  int    `json:"issued"`
	Offline int    `json:"offline"`
}

// HelpFigures are the kiosks' requests for a guide.
type HelpFigures struct {
	Asked      int     `json:"asked"`
	Reasons    []Count `json:"reasons"` // in the order of queue.HelpReasons; unused reasons left out
	Answered   int     `json:"answered"`
	Unanswered int     `json:"unanswered"`
	Ack        Times   `json:"ack"` // request → a guide's acknowledgement
}

// Count is how often something occurred.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// OfflinePeriod is a time a kiosk issued tickets without the hall's bus.
type OfflinePeriod struct {
	Day      string        `json:"day"`
	Kiosk    string        `json:"kiosk"`
	From     time.Time     `json:"from"`
	Until    time.Time     `json:"until"`
	Duration time.Duration `json:"duration"`
}

// Compute folds events, in stream order, into the figures of the service
// days from … to ("2006-01-02", both inclusive; "" leaves that end open).
// Each service day is folded by a new queue.View; an event without a day
// (a help request, a sign-in) belongs to the day in progress, and events
// before the first day's are counted only when the range is open at both
// ends. Events the view refuses are counted in Refused and otherwise ignored.
func Compute(h *hall.Hall, events []queue.Event, from, to string) Report {
	c := newCollector(h)
	inRange := func(day string) bool {
		if day == "" {
			return from == "" && to == ""
		}
		return (from == "" || day >= from) && (to == "" || day <= to)
	}
	v := queue.NewView(h)
	active := false // whether the day in progress has events to collect
	for _, e := range events {
		if e.Validate() == nil && e.Day > v.Day() {
			if active {
				c.day(v)
			}
			v, active = queue.NewView(h), false
		}
		day := cmp.Or(e.Day, v.Day())
		if !inRange(day) {
			continue
		}
		if err := v.Apply(e); err != nil {
			c.refused++
			continue
		}
		active = active || day == v.Day()
	}
	if active {
		c.day(v)
	}
	return c.report(from, to)
}

// collector gathers the figures of the days folded so far.
type collector struct {
	hall    *hall.Hall
	days    []string
	refused int
	tickets []queue.Ticket
	helps   []queue.Help
	offline []OfflinePeriod
}

func newCollector(h *hall.Hall) *collector { return &collector{hall: h} }

// day takes the figures of the day v has folded.
func (c *collector) day(v *queue.View) {
	if v.Day() != "" {
		c.days = append(c.days, v.Day())
	}
	c.tickets = append(c.tickets, v.Tickets()...)
	c.helps = append(c.helps, v.Helps()...)
	for _, e := range v.OfflinePeriods() {
		c.offline = append(c.offline, OfflinePeriod{Day: v.Day(), Kiosk: e.Kiosk, From: e.At, Until: e.Until, Duration: e.Until.Sub(e.At)})
	}
}

// span is the duration from a to b; false when either is unknown or the
// clocks that stamped them disagree (b before a), so that no measurement is
// made up.
func span(a, b time.Time) (time.Duration, bool) {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0, false
	}
	return b.Sub(a), true
}

func (c *collector) report(from, to string) Report {
	h := c.hall
	r := Report{
		Hall: Label{h.Name.Zh, h.Name.En}, From: from, To: to,
		Days: slices.Compact(c.days), Refused: c.refused,
		Kiosks: []KioskFigures{}, Offline: c.offline,
	}
	if r.Days == nil {
		r.Days = []string{}
	}
	if r.Offline == nil {
		r.Offline = []OfflinePeriod{}
	}

	type samples struct{ wait, handling []time.Duration }
	perMatter := map[string]*MatterFigures{}
	matterSamples := map[string]*samples{}
	hourSamples := map[int]*samples{}
	hours := map[int]*HourFigures{}
	hourOf := func(t time.Time) *HourFigures {
		if hours[t.Hour()] == nil {
			hours[t.Hour()] = &HourFigures{Hour: t.Hour()}
			hourSamples[t.Hour()] = &samples{}
		}
		return hours[t.Hour()]
	}
	kiosks := map[string]*KioskFigures{}
	var served []time.Duration
	lowReasons := map[string]int{}
	s := &r.Satisfaction
	s.Levels, s.Target = h.Figures.SatisfiedLevels, h.Figures.SatisfactionTarget

	for _, t := range c.tickets {
		m := perMatter[t.Matter]
		if m == nil {
			m = &MatterFigures{Matter: t.Matter}
			hm, _ := h.Matter(t.Matter) // the view refuses matters the hall lacks
			m.Name = Label{hm.Name.Zh, hm.Name.En}
			perMatter[t.Matter], matterSamples[t.Matter] = m, &samples{}
		}
		ms := matterSamples[t.Matter]
		r.Issued++
		m.Issued++
		hourOf(t.Issued).Issued++
		k := kiosks[t.Kiosk]
		if k == nil {
			k = &KioskFigures{Kiosk: t.Kiosk}
			kiosks[t.Kiosk] = k
		}
		k.Issued++
		if t.Offline {
			k.Offline++
		}
		if !t.Called.IsZero() {
			r.Called++
			m.Called++
		}
		if d, ok := span(t.Issued, t.Called); ok {
			ms.wait = append(ms.wait, d)
			hourSamples[t.Issued.Hour()].wait = append(hourSamples[t.Issued.Hour()].wait, d)
		}
		if t.State == queue.Missed {
			r.NoShows++
			m.NoShows++
		}
		if t.State == queue.Served {
			r.Served++
			m.Served++
		}
		if d, ok := span(t.Started, t.Done); ok {
			served = append(served, d)
			ms.handling = append(ms.handling, d)
			hourOf(t.Started)
			hourSamples[t.Started.Hour()].handling = append(hourSamples[t.Started.Hour()].handling, d)
		}
		if t.Rating >= queue.VerySatisfied && t.Rating <= queue.VeryDissatisfied {
			s.Ratings[t.Rating-1]++
			s.Count++
			if t.Rating <= s.Levels {
				s.Satisfied++
			}
			if t.Rating >= queue.Dissatisfied && t.Reason != "" {
				lowReasons[t.Reason]++
			}
		}
	}

	if s.Count > 0 {
		rate := float64(s.Satisfied) / float64(s.Count)
		met := rate >= s.Target-epsilon
		s.Rate, s.Met = &rate, &met
	}
	s.Reasons = counts(queue.LowReasons, lowReasons)

	r.Window = windowTime(served, h.Figures)

	for _, hm := range h.Matters {
		if m := perMatter[hm.ID]; m != nil {
			m.Wait, m.Handling = times(matterSamples[hm.ID].wait), times(matterSamples[hm.ID].handling)
			r.Matters = append(r.Matters, *m)
		}
	}
	if r.Matters == nil {
		r.Matters = []MatterFigures{}
	}

	r.Hours = []HourFigures{}
	if len(hours) > 0 {
		first, last := 23, 0
		for hr := range hours {
			first, last = min(first, hr), max(last, hr)
		}
		for hr := first; hr <= last; hr++ {
			f := HourFigures{Hour: hr}
			if hours[hr] != nil {
				f = *hours[hr]
				f.Wait, f.Handling = times(hourSamples[hr].wait), times(hourSamples[hr].handling)
			}
			r.Hours = append(r.Hours, f)
		}
	}

	for _, k := range kiosks {
		r.Kiosks = append(r.Kiosks, *k)
	}
	slices.SortFunc(r.Kiosks, func(a, b KioskFigures) int { return cmp.Compare(a.Kiosk, b.Kiosk) })

	r.Help = helpFigures(c.helps)
	return r
}

// epsilon absorbs float rounding when a share is compared with a target:
// 24 of 25 ratings meet a target of 0.96.
const epsilon = 1e-9

func windowTime(served []time.Duration, f hall.Figures) WindowTime {
	w := WindowTime{Served: len(served), Baseline: f.WindowBaseline.Duration, Goal: f.WindowGoal}
	if len(served) == 0 {
		return w
	}
	var sum time.Duration
	for _, d := range served {
		sum += d
	}
	mean := sum / time.Duration(len(served))
	w.Mean = &mean
	if w.Baseline > 0 {
		change := float64(mean-w.Baseline) / float64(w.Baseline)
		met := change <= w.Goal+epsilon
		w.Change, w.Met = &change, &met
	}
	return w
}

func helpFigures(helps []queue.Help) HelpFigures {
	f := HelpFigures{Asked: len(helps)}
	reasons := map[string]int{}
	var acks []time.Duration
	for _, hp := range helps {
		reasons[hp.Reason]++
		if hp.Guide == "" {
			f.Unanswered++
			continue
		}
		f.Answered++
		if d, ok := span(hp.At, hp.AckedAt); ok {
			acks = append(acks, d)
		}
	}
	f.Reasons = counts(queue.HelpReasons, reasons)
	f.Ack = times(acks)
	return f
}

// counts lists the nonzero counts of names in the order of names.
func counts(names []string, n map[string]int) []Count {
	out := []Count{}
	for _, name := range names {
		if n[name] > 0 {
			out = append(out, Count{name, n[name]})
		}
	}
	return out
}

func times(ds []time.Duration) Times {
	t := Times{Count: len(ds)}
	if len(ds) == 0 {
		return t
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	p50, p90 := percentile(ds, 50), percentile(ds, 90)
	t.P50, t.P90 = &p50, &p90
	return t
}

// percentile is the nearest-rank p-th percentile of sorted, which is not
// empty: the value at rank ⌈p/100 × n⌉.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := int(math.Ceil(float64(p) / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
