package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"onetrip/firmware/bundle"
	"onetrip/firmware/provision"
	"onetrip/firmware/update"
)

// defaultUpdateRoot is where a terminal's slots live.
const defaultUpdateRoot = "/opt/onetrip"

// serviceUnit is the systemd unit that runs the terminal.
const serviceUnit = "onetrip.service"

// updateCommand is "onetrip update BUNDLE|URL": verify the bundle against
// the update key, install it into the slot not running, switch to it, and
// restart the service so that it runs on trial.
func updateCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip update", flag.ContinueOnError)
	root := fs.String("root", defaultUpdateRoot, "the install root: slots/a, slots/b, current, state.json")
	key := fs.String("key", "", "the update public key file (default: update_public_key of --provision)")
	prov := fs.String("provision", provision.InstalledPath, "the provisioning file whose update_public_key bundles must be signed with")
	starts := fs.Int("max-starts", update.DefaultMaxStarts, "starts the new version may take to commit itself; the next start runs the previous version")
	healthy := fs.Duration("healthy", update.DefaultHealthy, "how long the new version must run on the attract screen to commit itself")
	restart := fs.Bool("restart", true, "systemctl restart "+serviceUnit+" once installed")
	source, err := parseWithSource(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil && *starts < 1 {
		err = fmt.Errorf("--max-starts %d: at least 1", *starts)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip update: %v (see onetrip update -h)\n", err)
		return exitConfig
	}
	pub, err := updateKey(*key, *prov)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip update: %v\n", err)
		return exitConfig
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := update.New(*root)
	r.RemoveDownloads()
	name := source
	if strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		if name, err = r.Download(ctx, source, update.MaxDownload, os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "onetrip update: %v\n", err)
			return 1
		}
		defer os.Remove(name)
	}
	begin := time.Now()
	s, err := r.InstallFile(name, pub, runtime.GOARCH, update.Policy{MaxStarts: *starts, Healthy: update.Duration(*healthy)})
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip update: %v\n", err)
		return 1
	}
	describeInstall(os.Stdout, s, time.Since(begin))
	if !*restart {
		fmt.Printf("restart onetrip to run %s (systemctl restart %s)\n", s.Version(), serviceUnit)
		return 0
	}
	if err := restartService(); err != nil {
		fmt.Fprintf(os.Stderr, "onetrip update: %s is installed but onetrip did not restart: %v\n", s.Version(), err)
		return 1
	}
	fmt.Printf("restarted %s\n", serviceUnit)
	return 0
}

// describeInstall says what was installed and how it will earn its place.
func describeInstall(w io.Writer, s update.State, took time.Duration) {
	fmt.Fprintf(w, "installed %s into slot %s in %v\n", s.Version(), s.Active, took.Round(time.Millisecond))
	if s.Committed {
		fmt.Fprintln(w, "first install: nothing to go back to, so it is committed at once")
		return
	}
	fmt.Fprintf(w, "on trial: it commits itself after %v on the attract screen; after %d starts without that, %s in slot %s comes back\n",
		time.Duration(s.Policy.Healthy), s.Policy.MaxStarts, s.Versions[s.Previous], s.Previous)
}

// restartService restarts the terminal's unit: the new version starts,
// preceded by its boot check.
func restartService() error {
	out, err := exec.Command("systemctl", "restart", serviceUnit).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl restart %s: %v %s", serviceUnit, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// updateKey is the key bundles must be signed with: the --key file, or the
// provisioning file's update_public_key.
func updateKey(keyFile, provisionFile string) (ed25519.PublicKey, error) {
	if keyFile != "" {
		return bundle.LoadPublicKey(keyFile)
	}
	p, _, err := provision.Load(provisionFile)
	if err != nil {
		return nil, fmt.Errorf("no update key: %w (or give --key FILE)", err)
	}
	return p.UpdateKey, nil
}

// bootCheckCommand is "onetrip boot-check": the unit's ExecStartPre. It
// points current at the active slot, counts a start of a version on trial
// and brings the previous version back when that one has used its starts.
func bootCheckCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip boot-check", flag.ContinueOnError)
	root := fs.String("root", defaultUpdateRoot, "the install root")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "onetrip boot-check: %v (see onetrip boot-check -h)\n", err)
		return exitConfig
	}
	b, err := update.New(*root).BootCheck()
	switch {
	case errors.Is(err, update.ErrNotInstalled):
		// Installed by hand: nothing to check, and onetrip must still start.
		fmt.Printf("onetrip boot-check: %v; nothing to check\n", err)
		return 0
	case err != nil:
		fmt.Fprintf(os.Stderr, "onetrip boot-check: %v\n", err)
		return 1
	}
	if b.Relinked {
		fmt.Printf("current pointed back at slot %s (an update was cut short)\n", b.Slot)
	}
	switch {
	case b.RolledBack != "":
		fmt.Printf("rolled back: %s gave up (%s); starting %s from slot %s\n", b.RolledBack, b.Why, b.Version, b.Slot)
	case b.Starts > 0:
		fmt.Printf("starting %s from slot %s on trial: start %d\n", b.Version, b.Slot, b.Starts)
	default:
		fmt.Printf("starting %s from slot %s\n", b.Version, b.Slot)
	}
	return 0
}

// parseWithSource parses flags around one argument, the bundle file or
// URL, which may come before or after them.
func parseWithSource(fs *flag.FlagSet, args []string) (string, error) {
	var source string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		source, args = args[0], args[1:]
	}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Fprintf(os.Stdout, "usage: %s [flags] BUNDLE|URL\n\n", fs.Name())
		fs.PrintDefaults()
		return "", err
	}
	if err != nil {
		return "", err
	}
	rest := fs.Args()
	if source == "" && len(rest) > 0 {
		source, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) > 0:
		return "", fmt.Errorf("unexpected argument %q", rest[0])
	case source == "":
		return "", errors.New("no bundle file or URL given")
	}
	return source, nil
}
