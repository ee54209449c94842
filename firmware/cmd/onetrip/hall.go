package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"onetrip/firmware/bus"
	"onetrip/firmware/hall"
	"onetrip/firmware/report"
)

// tlsFlags are the TLS settings for joining a cluster that asks for them.
type tlsFlags struct{ CA, Cert, Key string }

func (t *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.CA, "tls-ca", "", "hall bus TLS: the servers' CA bundle")
	fs.StringVar(&t.Cert, "tls-cert", "", "hall bus TLS: this terminal's certificate")
	fs.StringVar(&t.Key, "tls-key", "", "hall bus TLS: this terminal's key")
}

func (f *Flags) checkRole() error {
	switch f.Role {
	case "kiosk", "guide", "counter", "display":
	default:
		return fmt.Errorf("--role %q: must be kiosk, guide, counter or display", f.Role)
	}
	if f.Role != "kiosk" && f.Bus == "" {
		return fmt.Errorf("--role %s needs the hall bus: --bus nats://HOST:PORT --creds FILE", f.Role)
	}
	if f.Role == "counter" && f.Window < 1 {
		return errors.New("--role counter needs --window N, the window to sign in to")
	}
	if f.Bus != "" && f.Creds == "" {
		return errors.New("--bus needs --creds FILE (the controller writes one per role into its creds/ directory)")
	}
	if f.Terminal == "" {
		host, _ := os.Hostname()
		f.Terminal = f.Role + "-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '-'
		}, host)
		if f.Role == "counter" {
			f.Terminal = fmt.Sprintf("counter-%d", f.Window)
		}
	}
	return nil
}

func (f Flags) busConfig(hallID string) bus.Config {
	return bus.Config{
		URLs: strings.Split(f.Bus, ","), Creds: f.Creds, Hall: hallID, Terminal: f.Terminal,
		CA: f.TLS.CA, Cert: f.TLS.Cert, Key: f.TLS.Key,
	}
}

// reportCommand prints the hall's figures, read from the bus.
func reportCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip report", flag.ContinueOnError)
	var f Flags
	var asJSON bool
	var from, to string
	fs.StringVar(&f.Bus, "bus", "", "the hall bus, nats://HOST:PORT (required)")
	fs.StringVar(&f.Creds, "creds", "", "the report credentials (creds/report.creds of the controller; required)")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of text")
	fs.StringVar(&from, "from", "", "first service day, 2006-01-02 (default: everything kept)")
	fs.StringVar(&to, "to", "", "last service day, 2006-01-02")
	fs.StringVar(&f.Lang, "lang", "zh-CN", "language of the text: zh-CN or en")
	f.TLS.register(fs)
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v (see %s -h)\n", fs.Name(), err, fs.Name())
		return exitConfig
	}
	if f.Bus == "" || f.Creds == "" {
		fmt.Fprintln(os.Stderr, "onetrip report: --bus URL and --creds FILE are required")
		return exitConfig
	}
	for _, d := range []string{from, to} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			fmt.Fprintf(os.Stderr, "onetrip report: %q is not a date like 2026-12-01\n", d)
			return exitConfig
		}
	}
	f.Terminal = "report"
	// What goes wrong comes back as the one error line below.
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	h, err := hallFromBus(ctx, f, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip report: %v\n", err)
		return 1
	}
	b, err := bus.Connect(ctx, f.busConfig(h.ID), false, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip report: %v\n", err)
		return 1
	}
	defer b.Close()
	var since time.Time
	if from != "" {
		d, _ := time.ParseInLocation(time.DateOnly, from, time.Local)
		since = d.Add(-24 * time.Hour)
	}
	evs, bad, err := b.Fetch(ctx, since, true)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip report: %v\n", err)
		return 1
	}
	if len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "onetrip report: %d messages on the bus are not queue events and were left out (first: %v)\n", len(bad), bad[0])
	}
	r := report.Compute(h, evs, from, to)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(r)
		return 0
	}
	r.Text(os.Stdout, f.Lang)
	return 0
}

// hallFromBus reads the hall configuration the controller published. The
// hall's id is the subject prefix, so it is read from the configuration
// subject of any hall the credentials can see: the bus URL's hall comes
// from the credentials' permissions, which name it.
func hallFromBus(ctx context.Context, f Flags, log *slog.Logger) (*hall.Hall, error) {
	id, err := hallOfCreds(f)
	if err != nil {
		return nil, err
	}
	b, err := bus.Connect(ctx, f.busConfig(id), false, log)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	src, version, err := b.HallConfig(ctx)
	if err != nil {
		return nil, err
	}
	h, err := hall.Parse("hall configuration from the bus (version "+version+")", src)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// hallOfCreds finds the hall id: the credentials file's directory belongs to
// a controller whose data directory names the hall in its hall file, but a
// terminal only has the file, so the id travels in the file's comment line
// "# hall: ID", written by the controller.
func hallOfCreds(f Flags) (string, error) {
	src, err := os.ReadFile(f.Creds)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), bus.HallLine); ok {
			return strings.TrimSpace(id), nil
		}
	}
	return "", fmt.Errorf("credentials %s: no %q line naming the hall (add it, or use a file written by onetrip hall)", f.Creds, bus.HallLine)
}
