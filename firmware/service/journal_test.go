package service

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/journal"

	"onetrip/hal/idcard"
)

// entry is one record as journald would receive it.
type entry struct {
	msg    string
	prio   journal.Priority
	fields map[string]string
}

func capture(entries *[]entry, err error) func(string, journal.Priority, map[string]string) error {
	return func(msg string, p journal.Priority, f map[string]string) error {
		*entries = append(*entries, entry{msg, p, f})
		return err
	}
}

func TestRecordsBecomeJournalEntriesWithFields(t *testing.T) {
	var got []entry
	log := slog.New(NewJournal(slog.LevelInfo, capture(&got, nil), nil)).With("role", "kiosk")
	log.Debug("not written")
	log.Info("ticket issued", "number", "C001", "matter", "pension-cert")
	log.WithGroup("printer").Warn("printer fault", "err", errors.New("paper out"), slog.Group("status", "paper-out", true))
	log.Error("present", "err", "X server gone")

	if len(got) != 3 {
		t.Fatalf("%d entries, want 3 (debug is below the level)", len(got))
	}
	want := []struct {
		msg    string
		prio   journal.Priority
		fields map[string]string
	}{
		{"ticket issued", journal.PriInfo, map[string]string{"ROLE": "kiosk", "NUMBER": "C001", "MATTER": "pension-cert", "SYSLOG_IDENTIFIER": "onetrip"}},
		{"printer fault", journal.PriWarning, map[string]string{"ROLE": "kiosk", "PRINTER_ERR": "paper out", "PRINTER_STATUS_PAPER_OUT": "true"}},
		{"present", journal.PriErr, map[string]string{"ERR": "X server gone"}},
	}
	for i, w := range want {
		e := got[i]
		if e.msg != w.msg || e.prio != w.prio {
			t.Errorf("entry %d: %q at priority %d, want %q at %d", i, e.msg, e.prio, w.msg, w.prio)
		}
		for k, v := range w.fields {
			if e.fields[k] != v {
				t.Errorf("entry %d (%s): field %s=%q, want %q; fields %v", i, e.msg, k, e.fields[k], v, e.fields)
			}
		}
		if !strings.HasSuffix(e.fields["CODE_FILE"], "journal_test.go") || e.fields["CODE_LINE"] == "" {
			t.Errorf("entry %d: logged at %s:%s, want this file", i, e.fields["CODE_FILE"], e.fields["CODE_LINE"])
		}
	}
}

func TestACardReachesTheJournalMasked(t *testing.T) {
	var got []entry
	log := slog.New(NewJournal(slog.LevelInfo, capture(&got, nil), nil))
	card := idcard.Card{Name: "张三丰", Number: "33010219800101123X"}
	log.Info("card refused", "card", card)
	for k, v := range got[0].fields {
		if strings.Contains(v, "三丰") || strings.Contains(v, "19800101") {
			t.Fatalf("field %s=%q shows the holder unmasked", k, v)
		}
	}
	if got[0].fields["CARD"] == "" && got[0].fields["CARD_NAME"] == "" {
		t.Fatalf("the card left no field at all: %v", got[0].fields)
	}
}

func TestFieldNamesAreOnesJournaldAccepts(t *testing.T) {
	for key, want := range map[string]string{
		"err": "ERR", "hall_version": "HALL_VERSION", "after-ms": "AFTER_MS", "_private": "PRIVATE",
		"9lives": "F_9LIVES", "名字": "F_", "a.b": "A_B",
	} {
		if got := fieldName(key); got != want {
			t.Errorf("field for %q is %q, want %q", key, got, want)
		}
	}
}

func TestARecordJournaldRefusesGoesToTheFallback(t *testing.T) {
	var got []entry
	var fallback strings.Builder
	log := slog.New(NewJournal(slog.LevelInfo, capture(&got, errors.New("journal socket full")), &fallback))
	log.Warn("printer fault", "err", "cover open")
	if !strings.Contains(fallback.String(), `msg="printer fault" err="cover open"`) {
		t.Fatalf("fallback has %q", fallback.String())
	}
}
