package kiosk

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"onetrip/firmware/audit"
	"onetrip/firmware/flow"
	"onetrip/ui/locale"
)

// A real kiosk serves three citizens — a card read to a printed ticket, no
// ID card to online help, and one who walks away — and each session, and the
// idle time around them, replays from the audit trail to the very frames the
// kiosk presented.
func TestAuditTrailReplaysTheFramesPresented(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.db")
	trail, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer trail.Close()
	r := newRig(t, dir, func(o *Options) {
		// Short enough that the countdown of the timeout warning runs in
		// the test, long enough for the other sessions to be served.
		o.Flow.IdleTimeout, o.Flow.WarningTime = 2*time.Second, 2500*time.Millisecond
		rec, err := trail.Record(o.Flow, "test", slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		o.Audit = rec
	})

	// A card read to a printed ticket.
	put(t, r, citizen)
	r.waitFor("holder", func(s flow.State) bool { return s.Holder != nil })
	r.tap("continue")
	r.onScreen(flow.Matter)
	r.tap("matter:social-card")
	r.onScreen(flow.Online)
	r.tap("take-ticket")
	r.onScreen(flow.Questions)
	r.tap("no-questions")
	r.onScreen(flow.Done)
	r.cards.Remove()
	r.waitFor("card taken", func(s flow.State) bool { return !s.CardOnReader })
	r.tap("cancel")
	r.onScreen(flow.Attract)

	// No ID card, a matter done online, and help with it.
	r.tap("start")
	r.onScreen(flow.ID)
	r.tap("no-id")
	r.onScreen(flow.Matter)
	r.tap("matter:social-card")
	r.onScreen(flow.Online)
	r.tap("online-help")
	r.waitFor("guide", func(s flow.State) bool { return s.GuideCalled })
	r.tap("cancel")
	r.onScreen(flow.Attract)

	// A citizen who walks away: the warning counts down, the session ends.
	r.tap("start")
	r.onScreen(flow.ID)
	r.onScreen(flow.TimeoutWarning)
	r.onScreen(flow.Attract)

	r.stop()
	if err := trail.Close(); err != nil {
		t.Fatal(err)
	}

	trail, err = audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sessions, err := trail.Sessions(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var citizens []audit.Session
	for _, s := range sessions {
		cfg, err := s.Config.Flow(r.k.cfg.Hall)
		if err != nil {
			t.Fatal(err)
		}
		_, entries, err := trail.Session(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		frames := 0
		for _, e := range entries {
			if e.IsFrame() {
				frames++
			}
		}
		n, err := audit.Check(cfg, cats, s, entries)
		if err != nil {
			t.Error(err)
		}
		if n != frames {
			t.Errorf("session %d: %d frames replayed of %d presented", s.ID, n, frames)
		}
		t.Logf("session %d citizen=%v ticket=%q: %d entries, %d frames match", s.ID, s.Citizen, s.Ticket, len(entries), n)
		if s.Citizen {
			citizens = append(citizens, s)
		}
	}
	if len(citizens) != 3 {
		t.Fatalf("%d citizens' sessions, want 3", len(citizens))
	}
	for i, want := range []string{"A001", "", ""} {
		if c := citizens[i]; c.Ticket != want || c.Ended.IsZero() {
			t.Errorf("session %d: ticket %q, ended %v; want ticket %q", c.ID, c.Ticket, c.Ended, want)
		}
	}

	// What was on the card is nowhere in the file.
	trail.Close()
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{citizen.Name, citizen.Number, citizen.Address, citizen.Birth} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q", filepath.Base(f), secret)
			}
		}
	}
}
