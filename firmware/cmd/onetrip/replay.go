package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"onetrip/firmware/audit"
	"onetrip/ui/locale"
)

// replayCommand lists the sessions of a kiosk's audit trail, or replays one:
// its recorded events run through the pure flow again, every frame the kiosk
// presented is drawn again and written as a PNG, and each is compared with
// the hash recorded when it was presented. It exits 0 when all match and 1
// when one does not (the first is named), so a complaint can be looked at
// on the screens the citizen saw.
func replayCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip replay", flag.ContinueOnError)
	var data, hallFile, out string
	var id int64
	var list bool
	fs.StringVar(&data, "data", "", "the kiosk's data directory, which holds audit.db (required)")
	fs.BoolVar(&list, "list", false, "list the citizens' sessions: start, end and ticket")
	fs.Int64Var(&id, "session", 0, "the session to replay")
	fs.StringVar(&out, "out", "", "directory for the replayed frames, NNN-SCREEN.png (required with --session)")
	fs.StringVar(&hallFile, "hall", "", "the hall file the session ran (default: the data directory's hall.toml if any, else the sample hall)")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v (see %s -h)\n", fs.Name(), err, fs.Name())
		return exitConfig
	}
	switch {
	case data == "":
		fmt.Fprintln(os.Stderr, "onetrip replay: --data DIR is required")
		return exitConfig
	case !list && (id == 0 || out == ""):
		fmt.Fprintln(os.Stderr, "onetrip replay: give --list, or --session ID and --out DIR")
		return exitConfig
	}
	path := filepath.Join(data, "audit.db")
	if _, err := os.Stat(path); err != nil {
		// Open would create an empty trail.
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return exitConfig
	}
	trail, err := audit.Open(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return exitConfig
	}
	defer trail.Close()
	if list {
		if err := listSessions(os.Stdout, trail); err != nil {
			fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
			return 1
		}
		return 0
	}
	if hallFile == "" {
		if saved := filepath.Join(data, "hall.toml"); fileExists(saved) {
			hallFile = saved
		}
	}
	return replaySession(os.Stdout, trail, id, hallFile, out)
}

// listSessions prints one line per citizen's session.
func listSessions(w io.Writer, trail *audit.Trail) error {
	sessions, err := trail.Sessions(context.Background(), true)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tSTARTED\tENDED\tTICKET")
	for _, s := range sessions {
		ended := "(not ended)"
		if !s.Ended.IsZero() {
			ended = s.Ended.Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.ID, s.Started.Format(time.DateTime), ended, orDash(s.Ticket))
	}
	return tw.Flush()
}

// replaySession replays session id into the directory out and reports each
// frame; the exit status says whether every frame matched.
func replaySession(w io.Writer, trail *audit.Trail, id int64, hallFile, out string) int {
	s, entries, err := trail.Session(context.Background(), id)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return exitConfig
	}
	h, err := loadHall(hallFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return exitConfig
	}
	cfg, err := s.Config.Flow(h)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: session %d: %v (give its hall file with --hall)\n", id, err)
		return exitConfig
	}
	cats, err := locale.Load()
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return 1
	}
	kind := "idle time"
	if s.Citizen {
		kind = "citizen"
	}
	ended := "not ended"
	switch {
	case !s.Citizen:
		ended = "until the next session"
	case !s.Ended.IsZero():
		ended = "ended " + s.Ended.Format(time.DateTime)
	}
	fmt.Fprintf(w, "session %d (%s): started %s, %s, ticket %s; hall %s version %s\n",
		s.ID, kind, s.Started.Format(time.DateTime), ended, orDash(s.Ticket), h.ID, h.Version)
	if now := buildVersion().firmware(); s.Config.Firmware != now {
		fmt.Fprintf(w, "warning: recorded by firmware %s, replayed by %s: its screens may be drawn differently\n", s.Config.Firmware, now)
	}
	var first string
	n, bad := 0, 0
	err = audit.Replay(cfg, cats, s, entries, func(f audit.Replayed) error {
		n = f.N
		name := fmt.Sprintf("%03d-%s.png", f.N, f.Screen)
		if err := writePNG(filepath.Join(out, name), f); err != nil {
			return err
		}
		verdict := "match"
		if !f.Match() {
			verdict = fmt.Sprintf("MISMATCH: presented %.12s, replayed %.12s", f.Entry.Frame, f.Hash)
			if bad++; bad == 1 {
				first = f.String()
			}
		}
		fmt.Fprintf(w, "%-24s %s  %s\n", name, f.Entry.Time.Format(time.TimeOnly+".000"), verdict)
		return nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip replay: %v\n", err)
		return 1
	}
	if bad > 0 {
		fmt.Fprintf(w, "%d frames: %d not as presented; the first is %s\n", n, bad, first)
		return 1
	}
	fmt.Fprintf(w, "%d frames: all match what was presented\n", n)
	return 0
}

func writePNG(path string, f audit.Replayed) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(file, f.Image); err != nil {
		file.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return file.Close()
}

// firmware names the build in the audit trail: version and commit.
func (v Version) firmware() string { return v.Version + " " + v.Commit }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
