// Package logring keeps the kiosk's last log lines in memory for the
// service screen: a slog handler that passes every record on and keeps
// the newest few as short lines. Nothing personal is logged (cards log
// masked), and as a second guard the values of keys that could hold a
// citizen's data are replaced before a line is kept.
package logring

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Hidden replaces the value of a personal key in a kept line.
const Hidden = "[hidden]"

// personalKeys are attribute keys whose values are never kept, whatever a
// caller logs under them ("number" is a ticket's number, and stays).
var personalKeys = map[string]bool{
	"name": true, "holder": true, "id_number": true, "idnumber": true,
	"address": true, "birth": true, "phone": true, "pin": true, "photo": true,
}

// Ring is the shared buffer of lines; Handler writes to it.
type Ring struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
}

// New returns a ring keeping the last n lines.
func New(n int) *Ring { return &Ring{lines: make([]string, n)} }

// Lines returns the kept lines, oldest first.
func (r *Ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.full {
		return append([]string(nil), r.lines[:r.next]...)
	}
	return append(append([]string(nil), r.lines[r.next:]...), r.lines[:r.next]...)
}

func (r *Ring) add(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines[r.next] = line
	r.next = (r.next + 1) % len(r.lines)
	r.full = r.full || r.next == 0
}

// Handler passes records to next and keeps them in the ring.
func (r *Ring) Handler(next slog.Handler) slog.Handler { return &handler{ring: r, next: next} }

type handler struct {
	ring   *Ring
	next   slog.Handler
	prefix string // the groups opened with WithGroup, "a.b."
	attrs  string // formatted attributes from WithAttrs
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s %s", rec.Time.Format(time.TimeOnly), rec.Level, rec.Message)
	b.WriteString(h.attrs)
	rec.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, h.prefix, a)
		return true
	})
	h.ring.add(b.String())
	return h.next.Handle(ctx, rec)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	for _, a := range as {
		writeAttr(&b, h.prefix, a)
	}
	return &handler{ring: h.ring, next: h.next.WithAttrs(as), prefix: h.prefix, attrs: h.attrs + b.String()}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{ring: h.ring, next: h.next.WithGroup(name), prefix: h.prefix + name + ".", attrs: h.attrs}
}

// writeAttr writes " key=value", with a personal key's value hidden.
func writeAttr(b *strings.Builder, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			writeAttr(b, prefix+a.Key+".", g)
		}
		return
	}
	s := v.String()
	if personalKeys[strings.ToLower(a.Key)] {
		s = Hidden
	}
	if strings.ContainsAny(s, " =\"") {
		s = fmt.Sprintf("%q", s)
	}
	fmt.Fprintf(b, " %s%s=%s", prefix, a.Key, s)
}
