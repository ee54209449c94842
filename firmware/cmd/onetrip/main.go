// Command onetrip is the firmware of the terminals of a service hall.
//
//	onetrip run [--role kiosk|guide|counter|display] [--bus nats://HOST:PORT --creds FILE --terminal ID]
//	            [--window N] [--board sim] [--hall FILE] [--data DIR] [--headless] [--control 127.0.0.1:PORT]
//	onetrip hall --hall FILE --data DIR --listen 127.0.0.1:4222 [--web 127.0.0.1:8080]
//	onetrip report --bus URL --creds FILE [--json] [--from DATE --to DATE]
//	onetrip replay --data DIR (--list | --session ID --out DIR) [--hall FILE]
//	onetrip flash --image BASE.img[.xz] --device DEV|FILE --board NAME --provision FILE [--bundle FILE]
//	onetrip selftest [--board NAME] [--print] [--json]
//	onetrip service-pin | onetrip keygen --out DIR
//	onetrip update BUNDLE|URL [--root DIR] | onetrip boot-check [--root DIR]
//
// With no flags "run" opens the standalone kiosk window on the simulated
// board with the sample hall, keeping its tickets under the user's state
// directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"onetrip/firmware/datadir"
	"onetrip/firmware/service"
)

// GLFW must run on the main OS thread.
func init() { runtime.LockOSThread() }

// exitConfig is the exit status for a bad configuration (hall, board, flags).
const exitConfig = 2

var started = time.Now()

// memoryLimit is the Go heap's soft limit; frames are 4 MB each.
const memoryLimit = 20 << 20

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage(os.Stdout)
		return
	}
	switch os.Args[1] {
	case "run":
		os.Exit(run(os.Args[2:]))
	case "hall":
		os.Exit(hallCommand(os.Args[2:]))
	case "report":
		os.Exit(reportCommand(os.Args[2:]))
	case "replay":
		os.Exit(replayCommand(os.Args[2:]))
	case "flash":
		os.Exit(flashCommand(os.Args[2:]))
	case "selftest":
		os.Exit(selftestCommand(os.Args[2:]))
	case "service-pin":
		os.Exit(servicePINCommand(os.Args[2:]))
	case "keygen":
		os.Exit(keygenCommand(os.Args[2:]))
	case "update":
		os.Exit(updateCommand(os.Args[2:]))
	case "boot-check":
		os.Exit(bootCheckCommand(os.Args[2:]))
	case "version", "--version":
		buildVersion().write(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "onetrip: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(exitConfig)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `onetrip — firmware of the self-service ticket kiosk

usage:
  onetrip run [flags]      run a terminal: the kiosk, a guide desk, a counter, the call display
                           (see "onetrip run -h")
  onetrip hall [flags]     run the hall controller: the hall bus, phone and office pages
  onetrip report [flags]   print the hall's figures (satisfaction, waits, window time)
  onetrip replay [flags]   replay a kiosk session from its audit trail, screen by screen
  onetrip flash [flags]    write a terminal's SD card: base OS, release bundle, provisioning
  onetrip selftest [flags] check every device of the board (--board NAME, --print, --json)
  onetrip service-pin      read a new service PIN twice and print its hash for the provisioning file
  onetrip keygen --out DIR make the key pair that signs release bundles (update.key, update.pub)
  onetrip update BUNDLE|URL  verify a signed release bundle, install it into the free slot, restart
  onetrip boot-check       before each start: count a new version's starts, bring the previous one back
  onetrip version          the version, commit, build date and Go version
`)
}

// Flags are the options of "onetrip run".
type Flags struct {
	Board      string
	Hall       string
	Data       string
	Headless   bool
	Fullscreen bool
	Control    string
	FirstFrame bool
	IDCard     string
	Printer    string
	Rotation   int
	Presenter  string

	// Provision is the technician's provisioning file (terminal, bus,
	// credentials, service PIN, update key), installed by onetrip flash.
	Provision      string
	ServicePINHash string
	Role           string
	Bus            string
	Creds          string
	Terminal       string
	Window         int
	Lang           string
	TLS            tlsFlags
	Metrics        metricsFlags
}

func parseFlags(args []string) (Flags, error) {
	var f Flags
	fs := flag.NewFlagSet("onetrip run", flag.ContinueOnError)
	fs.StringVar(&f.Board, "board", "", "board to run on: a name from boards/, or auto (detect; the default on ARM; sim elsewhere)")
	fs.StringVar(&f.IDCard, "idcard", "", "point the ID-card reader elsewhere: sim, ga467:/dev/ttyUSB0?baud=115200, pn532[:BUS]")
	fs.StringVar(&f.Printer, "printer", "", "point the printer elsewhere: sim, escpos:/dev/usb/lp0?profile=80mm, escpos+tcp://HOST:9100?profile=80mm")
	f.Rotation = -1
	fs.Func("rotation", "screen rotation 0, 90, 180 or 270 (default: the board's)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not a number of degrees", s)
		}
		f.Rotation = n
		return nil
	})
	fs.StringVar(&f.Presenter, "presenter", "", "how frames reach the screen: gl, shm (a window on the X server) or drm (the display itself, no desktop); default: the board's, else shm")
	fs.StringVar(&f.Provision, "provision", "", "provisioning file written by onetrip flash (terminal id and role, hall bus, credentials, service PIN)")
	fs.StringVar(&f.ServicePINHash, "service-pin-hash", "", "bcrypt hash of the service-mode PIN (normally from --provision)")
	fs.StringVar(&f.Hall, "hall", "", "hall configuration file (default: the sample hall)")
	fs.StringVar(&f.Data, "data", "", "data directory for tickets and printed jobs (default: the user's state directory)")
	fs.BoolVar(&f.Headless, "headless", false, "run without a window (frames stay in memory; see the control API's /screenshot)")
	fs.BoolVar(&f.Fullscreen, "fullscreen", false, "open the window full screen")
	fs.StringVar(&f.Control, "control", "", "serve the control API on this loopback address (sim board only), e.g. 127.0.0.1:8765")
	fs.BoolVar(&f.FirstFrame, "exit-after-first-frame", false, "exit once the first frame is presented (start-up benchmark)")
	fs.StringVar(&f.Role, "role", "kiosk", "terminal role: kiosk, guide, counter or display")
	fs.StringVar(&f.Bus, "bus", "", "the hall bus: nats://HOST:PORT, several comma-separated (without it a kiosk stands alone)")
	fs.StringVar(&f.Creds, "creds", "", "credentials file for the hall bus (from the controller's creds/ directory)")
	fs.StringVar(&f.Terminal, "terminal", "", "this terminal's id on the hall bus, e.g. kiosk-1 (default: role and host name)")
	fs.IntVar(&f.Window, "window", 0, "counter: the window number to sign in to")
	fs.StringVar(&f.Lang, "lang", "", "guide, counter, display: the screen's language (default: the hall's first)")
	f.TLS.register(fs)
	f.Metrics.register(fs)
	if err := parse(fs, args); err != nil {
		return f, err
	}
	if err := f.provisionDefaults(fs); err != nil {
		return f, err
	}
	if err := f.checkRole(); err != nil {
		return f, err
	}
	if f.Data == "" {
		dir, err := stateDir()
		if err != nil {
			return f, err
		}
		f.Data = dir
	}
	return f, nil
}

// stateDir is $XDG_STATE_HOME/onetrip, or ~/.local/state/onetrip.
func stateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "onetrip"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --data given and no home directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "onetrip"), nil
}

func run(args []string) int {
	f, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip run: %v (see onetrip run -h)\n", err)
		return exitConfig
	}
	release, err := datadir.Lock(f.Data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip: %v\n", err)
		return exitConfig
	}
	defer release()
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit keeps the resident set inside the 40 MB budget (a Pi
		// Zero 2 W has 512 MB for everything); the collector only works
		// harder when the heap comes near it.
		debug.SetMemoryLimit(memoryLimit)
	}
	log := service.Logger(slog.LevelInfo) // journald under systemd, else stderr
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.Role != "kiosk" {
		return runTerminal(ctx, f, log)
	}

	sys, err := assemble(ctx, f, log)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			fmt.Fprintf(os.Stderr, "onetrip: %v\n", ce.err)
			return exitConfig
		}
		fmt.Fprintf(os.Stderr, "onetrip: %v\n", err)
		return 1
	}
	defer sys.Close()
	if err := sys.Run(ctx, f); err != nil {
		fmt.Fprintf(os.Stderr, "onetrip: %v\n", err)
		var ce *configError
		if errors.As(err, &ce) {
			return exitConfig
		}
		return 1
	}
	return 0
}

// configError marks a problem the technician fixes in a file or a flag.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }
