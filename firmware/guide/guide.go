// Package guide is the pre-check terminal at the guide desk (导办台). The
// guide on duty sees the kiosks' help requests as they come and takes one
// with a tap, keeps an eye on the waits of every matter (主动把握等候时间),
// opens the green channel for a waiting ticket, looks for the people whose
// number was called but who did not come (过号), and prints a matter's
// checklist of documents for a citizen, 容缺 ones marked.
//
// Everything is on one screen with four tabs; each action is one tap. The
// screen shows ticket numbers and matters only, never personal data.
package guide

import (
	"slices"
	"strings"
	"time"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
	"onetrip/firmware/terminal"
	"onetrip/hal/escpos"
	"onetrip/ui/locale"
	"onetrip/ui/screen"
)

// Tabs of the screen, the help requests first.
const (
	tabHelp      = "help"
	tabWaits     = "waits"
	tabMissed    = "missed"
	tabMaterials = "materials"
)

var tabs = []string{tabHelp, tabWaits, tabMissed, tabMaterials}

// Rows per page of each tab's list.
const (
	helpsPerPage   = 4
	grantsPerPage  = 3
	missedPerPage  = 7
	mattersPerPage = 8
	waitRows       = 7
)

// Guide is the guide desk's terminal role. Like every role it is used from
// the runner's goroutine only.
type Guide struct {
	hall     *hall.Hall
	cats     locale.Catalogs
	terminal string
	profile  escpos.Profile
	lang     string

	tab      string
	page     map[string]int  // tab → page of its list
	selected string          // the help request picked for "ack"
	matter   string          // the matter whose checklist is shown
	pending  map[string]bool // widget ids whose effect is on its way
	notice   notice          // the outcome of the last effect
}

// notice is a line about how an effect went, kept as a catalog key so that
// it follows a change of language.
type notice struct {
	key   string
	args  []any
	style screen.Style
}

// New returns the guide desk role for hall h, speaking lang at first; it
// acknowledges help requests as terminal and prints on a printer with
// profile.
func New(h *hall.Hall, cats locale.Catalogs, terminal string, profile escpos.Profile, lang string) *Guide {
	if _, ok := cats[lang]; !ok {
		lang = locale.Default
	}
	return &Guide{
		hall: h, cats: cats, terminal: terminal, profile: profile, lang: lang,
		tab: tabHelp, page: map[string]int{}, pending: map[string]bool{},
	}
}

var _ terminal.Role = (*Guide)(nil)

// Start implements terminal.Role; the desk has nothing to announce.
func (g *Guide) Start(terminal.Snapshot) []terminal.Effect { return nil }

// Stop implements terminal.Role.
func (g *Guide) Stop(terminal.Snapshot) []terminal.Effect { return nil }

// Lang is the language the screen speaks.
func (g *Guide) Lang() string { return g.lang }

// Changed implements terminal.Role: the screen is rebuilt from the view, so
// an event needs no reaction of its own.
func (g *Guide) Changed(terminal.Snapshot, queue.Event) []terminal.Effect { return nil }

// Refresh is the next minute: the clock and how long a request has been
// waiting move on although nothing happened.
func (g *Guide) Refresh(s terminal.Snapshot) time.Duration {
	return s.Now.Truncate(time.Minute).Add(time.Minute).Sub(s.Now)
}

// Tap handles a touch on widget id. A touch on something the screen no
// longer shows (a request another guide took a moment ago) does nothing.
func (g *Guide) Tap(s terminal.Snapshot, id string) []terminal.Effect {
	if !slices.Contains(g.actions(s), id) {
		return nil
	}
	g.notice = notice{}
	kind, arg, _ := strings.Cut(id, ":")
	switch kind {
	case "lang":
		if g.lang == "en" {
			g.lang = locale.Default
		} else {
			g.lang = "en"
		}
	case "tab":
		g.tab = arg
	case "prev":
		g.page[g.tab] = g.pages(s).page - 1
	case "next":
		g.page[g.tab] = g.pages(s).page + 1
	case "help":
		g.selected = arg
	case "ack":
		h, _ := s.View.HelpRequest(g.selected)
		g.selected = ""
		g.pending["help:"+h.ID] = true
		return []terminal.Effect{terminal.Publish{Event: queue.Event{Kind: queue.HelpAcked, Help: h.ID, Terminal: g.terminal, At: s.Now}}}
	case "grant":
		t, _ := s.View.Ticket(arg)
		g.pending[id] = true
		return []terminal.Effect{terminal.Publish{Event: queue.Event{Kind: queue.Priority, Day: t.Day, Number: t.Number, At: s.Now}}}
	case "matter":
		g.matter = arg
	case "print":
		job, err := Checklist(g.hall, g.cats, g.matter, g.lang, g.profile)
		if err != nil {
			g.notice = notice{key: "err_print", style: screen.Warn}
			return nil
		}
		g.pending["print"] = true
		return []terminal.Effect{terminal.Print{Name: "checklist-" + g.matter, Job: job}}
	}
	return nil
}

// Result reports how an acknowledgement, a green channel or a print went.
func (g *Guide) Result(s terminal.Snapshot, r terminal.Result) []terminal.Effect {
	switch e := r.Effect.(type) {
	case terminal.Publish:
		switch e.Event.Kind {
		case queue.HelpAcked:
			delete(g.pending, "help:"+e.Event.Help)
			g.notice = g.ackOutcome(s, e.Event.Help, r.Err)
		case queue.Priority:
			delete(g.pending, "grant:"+e.Event.Number)
			g.notice = grantOutcome(s, e.Event.Number, r.Err)
		}
	case terminal.Print:
		delete(g.pending, "print")
		g.notice = notice{key: "printed", style: screen.Good}
		if r.Err != nil {
			g.notice = notice{key: "err_print", style: screen.Warn}
		}
	}
	return nil
}

// ackOutcome says how acknowledging help request id went. A refusal because
// the request is already taken names who took it; if that is this desk (its
// first tap got through), all is well.
func (g *Guide) ackOutcome(s terminal.Snapshot, id string, err error) notice {
	h, _ := s.View.HelpRequest(id)
	switch {
	case err == nil || h.Guide == g.terminal:
		return notice{key: "acked", args: []any{"kiosk", h.Kiosk}, style: screen.Good}
	case h.Guide != "":
		return notice{key: "err_taken", args: []any{"kiosk", h.Kiosk, "guide", h.Guide}, style: screen.Warn}
	}
	return notice{key: "err_ack", args: []any{"kiosk", h.Kiosk}, style: screen.Warn}
}

// grantOutcome says how opening the green channel for number went; a ticket
// called meanwhile needs it no longer.
func grantOutcome(s terminal.Snapshot, number string, err error) notice {
	t, _ := s.View.Ticket(number)
	switch {
	case err == nil || t.Green && t.State == queue.Waiting:
		return notice{key: "granted", args: []any{"number", number}, style: screen.Good}
	case t.State != queue.Waiting:
		return notice{key: "err_grant_called", args: []any{"number", number}, style: screen.Warn}
	}
	return notice{key: "err_grant", args: []any{"number", number}, style: screen.Warn}
}

// actions lists the widget ids the screen shows now, so a touch is checked
// against the same state the screen was built from.
func (g *Guide) actions(s terminal.Snapshot) []string {
	acts := []string{"lang"}
	for _, t := range tabs {
		acts = append(acts, "tab:"+t)
	}
	switch g.tab {
	case tabHelp:
		rows, _ := g.helpPage(s)
		for _, h := range rows {
			if h.Guide == "" && !g.pending["help:"+h.ID] {
				acts = append(acts, "help:"+h.ID)
			}
		}
		if _, ok := g.selectedHelp(s); ok {
			acts = append(acts, "ack")
		}
	case tabWaits:
		rows, _ := g.grantPage(s)
		for _, t := range rows {
			if !g.pending["grant:"+t.Number] {
				acts = append(acts, "grant:"+t.Number)
			}
		}
	case tabMaterials:
		rows, _ := g.matterPage()
		for _, m := range rows {
			acts = append(acts, "matter:"+m.ID)
		}
		if _, ok := g.hall.Matter(g.matter); ok && !g.pending["print"] {
			acts = append(acts, "print")
		}
	}
	pages := g.pages(s)
	if pages.prev() {
		acts = append(acts, "prev")
	}
	if pages.next() {
		acts = append(acts, "next")
	}
	return acts
}

// pages returns where the current tab's list is.
func (g *Guide) pages(s terminal.Snapshot) pager {
	var p pager
	switch g.tab {
	case tabHelp:
		_, p = g.helpPage(s)
	case tabWaits:
		_, p = g.grantPage(s)
	case tabMissed:
		_, p = g.missedPage(s)
	case tabMaterials:
		_, p = g.matterPage()
	}
	return p
}

// pager is where a tab's list is: page (from 0) of pages.
type pager struct{ page, pages int }

func (p pager) prev() bool { return p.page > 0 }
func (p pager) next() bool { return p.page+1 < p.pages }

// paginate returns the page-th slice of per items of all, the page clamped
// to those there are (a list shrinks while the guide looks at its last page).
func paginate[T any](all []T, page, per int) ([]T, pager) {
	pages := max(1, (len(all)+per-1)/per)
	page = min(max(page, 0), pages-1)
	lo := page * per
	return all[lo:min(lo+per, len(all))], pager{page, pages}
}

// helpPage returns the help requests on the page shown, open ones first.
func (g *Guide) helpPage(s terminal.Snapshot) ([]queue.Help, pager) {
	return paginate(s.View.Helps(), g.page[tabHelp], helpsPerPage)
}

// selectedHelp returns the request picked for acknowledgement while it is
// still open and on the page shown.
func (g *Guide) selectedHelp(s terminal.Snapshot) (queue.Help, bool) {
	rows, _ := g.helpPage(s)
	for _, h := range rows {
		if h.ID == g.selected && h.Guide == "" && !g.pending["help:"+h.ID] {
			return h, true
		}
	}
	return queue.Help{}, false
}

// grantPage returns the waiting tickets without the green channel on the
// page shown, the longest waiting first.
func (g *Guide) grantPage(s terminal.Snapshot) ([]queue.Ticket, pager) {
	var waiting []queue.Ticket
	for _, t := range s.View.Tickets() {
		if t.State == queue.Waiting && !t.Green {
			waiting = append(waiting, t)
		}
	}
	return paginate(waiting, g.page[tabWaits], grantsPerPage)
}

// missedPage returns the called-but-missing tickets on the page shown.
func (g *Guide) missedPage(s terminal.Snapshot) ([]queue.Ticket, pager) {
	return paginate(s.View.Missing(), g.page[tabMissed], missedPerPage)
}

// matterPage returns the matters with a checklist on the page shown, in the
// hall's order; matters handled elsewhere are there too, since the citizen
// still needs to bring the documents.
func (g *Guide) matterPage() ([]hall.Matter, pager) {
	var ms []hall.Matter
	for _, m := range g.hall.Matters {
		if len(m.Materials) > 0 {
			ms = append(ms, m)
		}
	}
	return paginate(ms, g.page[tabMaterials], mattersPerPage)
}

// openHelps counts the requests no guide has taken yet.
func openHelps(v *queue.View) int {
	n := 0
	for _, h := range v.Helps() {
		if h.Guide == "" {
			n++
		}
	}
	return n
}
