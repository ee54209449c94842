package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Text writes r as a plain summary for a terminal in lang ("zh-CN" or
// "en"). Table rows put the matter's or reason's name last, so that the
// columns stay aligned when the names are Chinese and twice as wide.
func (r Report) Text(w io.Writer, lang string) {
	m := catalog(lang)
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("%s %s\n", r.Hall.In(lang), m["title"])
	p("%s: %s\n", m["days"], r.period(m))
	p("%s %d · %s %d · %s %d · %s %d\n", m["issued"], r.Issued, m["called"], r.Called, m["served"], r.Served, m["no_shows"], r.NoShows)
	if r.Refused > 0 {
		p("%s: %d\n", m["refused"], r.Refused)
	}

	s := r.Satisfaction
	p("\n%s: ", m["sat"])
	if s.Rate == nil {
		p("%s (%s %s)\n", m["sat_none"], m["target"], percent(s.Target))
	} else {
		p("%s  %s %s  %s\n", percent(*s.Rate), m["target"], percent(s.Target), verdict(m, *s.Met))
		p("  "+m["sat_detail"]+"\n", s.Count, s.Satisfied, s.Levels)
		var levels []string
		for i, n := range s.Ratings {
			levels = append(levels, fmt.Sprintf("%s %d", m[fmt.Sprintf("level.%d", i+1)], n))
		}
		p("  %s\n", strings.Join(levels, " · "))
		if len(s.Reasons) > 0 {
			p("  %s: %s\n", m["low_reasons"], joinCounts(m, "low.", s.Reasons))
		}
	}

	win := r.Window
	p("\n%s: ", m["window"])
	switch {
	case win.Mean == nil:
		p("%s\n", m["no_data"])
	case win.Change == nil:
		p("%s %s  (%s)\n", m["window_mean"], duration(m, *win.Mean), m["no_baseline"])
	default:
		p("%s %s  %s %s  %s %s  %s %s  %s\n", m["window_mean"], duration(m, *win.Mean),
			m["baseline"], duration(m, win.Baseline), m["change"], signedPercent(*win.Change),
			m["goal"], signedPercent(win.Goal), verdict(m, *win.Met))
	}

	if len(r.Matters) > 0 {
		p("\n%s\n", m["matters"])
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s %s\t%s %s\t%s %s\t  %s\n", m["issued"], m["served"], m["no_shows"],
			m["wait"], m["p50"], m["wait"], m["p90"], m["handling"], m["p50"], m["handling"], m["p90"], m["matter"])
		for _, mf := range r.Matters {
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\t  %s\n", mf.Issued, mf.Served, mf.NoShows,
				maybe(m, mf.Wait.P50), maybe(m, mf.Wait.P90), maybe(m, mf.Handling.P50), maybe(m, mf.Handling.P90), mf.Name.In(lang))
		}
		tw.Flush()
	}

	if len(r.Hours) > 0 {
		p("\n%s\n", m["hours"])
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s %s\t\n", m["hour"], m["issued"], m["wait"], m["p50"], m["wait"], m["p90"])
		for _, hf := range r.Hours {
			if hf.Issued == 0 && hf.Wait.Count == 0 {
				continue // a quiet hour the chart needs, not the terminal
			}
			fmt.Fprintf(tw, "%02d:00\t%d\t%s\t%s\t\n", hf.Hour, hf.Issued, maybe(m, hf.Wait.P50), maybe(m, hf.Wait.P90))
		}
		tw.Flush()
	}

	hp := r.Help
	p("\n%s: %s %d · %s %d · %s %d", m["help"], m["help_asked"], hp.Asked, m["help_ack"], hp.Answered, m["help_open"], hp.Unanswered)
	if hp.Ack.Count > 0 {
		p(" · %s %s %s, %s %s", m["help_time"], m["p50"], maybe(m, hp.Ack.P50), m["p90"], maybe(m, hp.Ack.P90))
	}
	p("\n")
	if len(hp.Reasons) > 0 {
		p("  %s: %s\n", m["reason"], joinCounts(m, "help.", hp.Reasons))
	}

	if len(r.Kiosks) > 0 {
		p("\n%s\n", m["kiosks"])
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", m["kiosk"], m["issued"], m["offline"])
		for _, k := range r.Kiosks {
			fmt.Fprintf(tw, "  %s\t%d\t%d\n", k.Kiosk, k.Issued, k.Offline)
		}
		tw.Flush()
	}

	if len(r.Offline) == 0 {
		p("\n%s: %s\n", m["offline_periods"], m["none"])
		return
	}
	p("\n%s\n", m["offline_periods"])
	for _, o := range r.Offline {
		p("  %s  %s – %s  %s\n", o.Kiosk, o.From.Format("2006-01-02 15:04"), until(o.From, o.Until), duration(m, o.Duration))
	}
}

func verdict(m map[string]string, met bool) string {
	if met {
		return m["met"]
	}
	return m["missed"]
}

// joinCounts lists counts by their names' words (key prefix + name).
func joinCounts(m map[string]string, prefix string, cs []Count) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %d", word(m, prefix+c.Name, c.Name), c.Count))
	}
	return strings.Join(parts, " · ")
}

// word is the catalog's word for key, or fallback when it has none.
func word(m map[string]string, key, fallback string) string {
	if s, ok := m[key]; ok {
		return s
	}
	return fallback
}
