package bus

import (
	"slices"
	"strconv"

	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

// Roles are the kinds of terminal that get credentials of their own.
var Roles = []string{"kiosk", "guide", "counter", "display", "report"}

// Permission is what one NATS user may publish and subscribe to.
type Permission struct {
	Publish   []string
	Subscribe []string
}

// Permissions returns what role may do in hall h. A kiosk issues tickets and
// asks for help but cannot call a ticket or read a rating; a display only
// reads; a counter calls tickets, and a window's own credentials
// ("counter-7") call only the matters that window serves; the report reads
// everything. Every role may read the event stream through the JetStream API
// and answer its own requests.
func Permissions(s Subjects, h *hall.Hall, role string) (Permission, bool) {
	read := func(streams ...string) []string {
		var out []string
		for _, st := range streams {
			out = append(out,
				"$JS.API.STREAM.INFO."+st,
				"$JS.API.STREAM.MSG.GET."+st,
				"$JS.API.DIRECT.GET."+st+".>",
				"$JS.API.CONSUMER.CREATE."+st+".>",
				"$JS.API.CONSUMER.INFO."+st+".>",
				"$JS.API.CONSUMER.DELETE."+st+".>",
				"$JS.API.CONSUMER.MSG.NEXT."+st+".>",
				"$JS.FC."+st+".>",
			)
		}
		return out
	}
	base := Permission{
		Publish:   append(read(s.Stream()), "$JS.API.INFO"),
		Subscribe: []string{"_INBOX.>", s.p("live", ">")},
	}
	live := func(role string) string { return s.p("live", role, "*") }
	ticket := func(prefix string, kinds ...queue.Kind) []string {
		var out []string
		for _, k := range kinds {
			out = append(out, s.p("t", "*", prefix, "*", string(k)))
		}
		return out
	}
	counterKinds := []queue.Kind{queue.Called, queue.Recalled, queue.NoShow, queue.Started, queue.Finished}
	p := base
	switch role {
	case "kiosk":
		p.Publish = append(p.Publish, s.p("issue", ">"), s.p("lease", ">"), s.p("t", "*", "*", "*", string(queue.Issued)),
			s.p("help", "*", string(queue.HelpAsked)), s.p("kiosk", "*", "offline"), live("kiosk"), s.UpdateStatus("*"))
		p.Subscribe = append(p.Subscribe, s.UpdateOrder("*")) // staged rollouts: orders in, statuses out
	case "guide":
		p.Publish = append(p.Publish, s.p("help", "*", string(queue.HelpAcked)), live("guide"))
		p.Publish = append(p.Publish, ticket("*", queue.Priority)...)
	case "display":
		p.Publish = append(p.Publish, live("display"))
	case "report":
		p.Publish = append(p.Publish, read(s.Ratings())...)
	case "counter":
		p.Publish = append(p.Publish, s.p("win", "*"), s.p("rate", ">"), live("counter"))
		p.Publish = append(p.Publish, ticket("*", counterKinds...)...)
	default:
		w, ok := windowRole(h, role)
		if !ok {
			return Permission{}, false
		}
		p.Publish = append(p.Publish, s.Window(w.Number), live("counter"))
		for _, id := range w.Matters {
			m, _ := h.Matter(id)
			p.Publish = append(p.Publish, ticket(m.Prefix, counterKinds...)...)
			p.Publish = append(p.Publish, s.p("rate", "*", m.Prefix, "*"))
		}
	}
	p.Publish = slices.Compact(p.Publish)
	return p, true
}

// WindowRoles are the per-window counter roles of h: "counter-1" ….
func WindowRoles(h *hall.Hall) []string {
	var out []string
	for _, w := range h.Windows {
		out = append(out, "counter-"+strconv.Itoa(w.Number))
	}
	return out
}

func windowRole(h *hall.Hall, role string) (hall.Window, bool) {
	const p = "counter-"
	if len(role) <= len(p) || role[:len(p)] != p {
		return hall.Window{}, false
	}
	n, err := strconv.Atoi(role[len(p):])
	if err != nil {
		return hall.Window{}, false
	}
	return h.Window(n)
}
