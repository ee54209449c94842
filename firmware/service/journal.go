package service

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/coreos/go-systemd/v22/journal"
)

// Logger is the terminal's log: native journald records when stderr is the
// journal's stream (a systemd service), else text lines on stderr.
func Logger(level slog.Leveler) *slog.Logger {
	if on, _ := journal.StderrIsJournalStream(); on && journal.Enabled() {
		return slog.New(NewJournal(level, journal.Send, os.Stderr))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Journal is a slog.Handler that writes each record to journald as one entry:
// the message as MESSAGE, the level as PRIORITY, every attribute as a field
// of its own (upper case, groups joined by _: "err" becomes ERR) and where it
// was logged as CODE_FILE, CODE_LINE and CODE_FUNC, so that
// "journalctl -u onetrip ERR=…" or "-o verbose" finds them.
type Journal struct {
	level    slog.Leveler
	send     func(msg string, p journal.Priority, fields map[string]string) error
	fallback io.Writer // where a record goes that journald refused
	fields   map[string]string
	group    string // prefix of fields added from now on ("" or "GROUP_")
}

// NewJournal writes records at level or above through send (journal.Send);
// a record journald refuses is written as a text line to fallback.
func NewJournal(level slog.Leveler, send func(string, journal.Priority, map[string]string) error, fallback io.Writer) *Journal {
	return &Journal{level: level, send: send, fallback: fallback, fields: map[string]string{"SYSLOG_IDENTIFIER": "onetrip"}}
}

// Enabled reports whether records at l are written.
func (j *Journal) Enabled(_ context.Context, l slog.Level) bool { return l >= j.level.Level() }

// Handle sends one record.
func (j *Journal) Handle(_ context.Context, r slog.Record) error {
	fields := make(map[string]string, len(j.fields)+r.NumAttrs()+3)
	for k, v := range j.fields {
		fields[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addField(fields, j.group, a)
		return true
	})
	if r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		fields["CODE_FILE"], fields["CODE_LINE"], fields["CODE_FUNC"] = f.File, strconv.Itoa(f.Line), f.Function
	}
	err := j.send(r.Message, priority(r.Level), fields)
	if err != nil && j.fallback != nil {
		h := slog.NewTextHandler(j.fallback, nil)
		h.Handle(context.Background(), r)
	}
	return err
}

// WithAttrs returns a handler that adds attrs to every record.
func (j *Journal) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *j
	c.fields = make(map[string]string, len(j.fields)+len(attrs))
	for k, v := range j.fields {
		c.fields[k] = v
	}
	for _, a := range attrs {
		addField(c.fields, j.group, a)
	}
	return &c
}

// WithGroup returns a handler whose later attributes are prefixed NAME_.
func (j *Journal) WithGroup(name string) slog.Handler {
	if name == "" {
		return j
	}
	c := *j
	c.group = j.group + fieldName(name) + "_"
	return &c
}

// addField adds a to fields, resolving LogValuers first (a card logs itself
// masked) and flattening groups.
func addField(fields map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += fieldName(a.Key) + "_"
		}
		for _, g := range v.Group() {
			addField(fields, prefix, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	fields[prefix+fieldName(a.Key)] = v.String()
}

// fieldName turns a slog key into a journald field name: upper-case letters,
// digits and underscores, not starting with an underscore or a digit.
func fieldName(key string) string {
	b := []byte(strings.ToUpper(key))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "F_" + s
	}
	return s
}

// priority maps slog's levels onto syslog's.
func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	}
	return journal.PriDebug
}
