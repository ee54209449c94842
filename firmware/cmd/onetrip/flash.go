package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"onetrip/boards"
	"onetrip/firmware/bundle"
	"onetrip/firmware/flash"
	"onetrip/firmware/provision"
)

// distDir is where make release leaves bundles.
const distDir = "dist"

// flashCommand writes a terminal's SD card: the base OS image, verified by
// reading it back, then into its boot partition the release bundle, the
// provisioning and the first-boot script that installs them.
func flashCommand(args []string) int {
	return flashTo(args, os.Stdout, os.Stderr)
}

func flashTo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("onetrip flash", flag.ContinueOnError)
	var image, device, board, provFile, bundleFile string
	var quiet bool
	fs.StringVar(&image, "image", "", "the base OS image: Raspberry Pi OS Lite, .img or .img.xz (required)")
	fs.StringVar(&device, "device", "", "the SD card's whole disk (/dev/sdX, /dev/mmcblkN), or an image file to write (required)")
	fs.StringVar(&board, "board", "", "the board the card is for, a name from boards/ (required)")
	fs.StringVar(&provFile, "provision", "", "the terminal's provisioning file (see firmware/provision/example.toml; required)")
	fs.StringVar(&bundleFile, "bundle", "", "the release bundle onetrip-VERSION-BOARD.tar (default: the newest for --board in "+distDir+"/)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bars")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "onetrip flash: "+format+"\n", args...)
		return exitConfig
	}
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return fail("%v (see onetrip flash -h)", err)
	}
	for _, req := range []struct{ name, value string }{{"image", image}, {"device", device}, {"board", board}, {"provision", provFile}} {
		if req.value == "" {
			return fail("--%s is required (see onetrip flash -h)", req.name)
		}
	}
	if !slices.Contains(boards.Names(), board) {
		return fail("--board %q: unknown (known boards: %s)", board, strings.Join(boards.Names(), ", "))
	}
	p, src, err := provision.Load(provFile)
	if err != nil {
		return fail("%v", err)
	}
	if bundleFile == "" {
		if bundleFile, err = newestBundle(distDir, board); err != nil {
			return fail("%v", err)
		}
	}
	b, err := bundle.Open(bundleFile, p.UpdateKey)
	if err != nil {
		return fail("%v (update_public_key in %s)", err, provFile)
	}
	if b.Manifest.Board != board {
		return fail("bundle %s is for board %q, not --board %s", bundleFile, b.Manifest.Board, board)
	}
	raw, err := os.ReadFile(bundleFile)
	if err != nil {
		return fail("%v", err)
	}
	name := filepath.Base(bundleFile)
	pf, err := p.BootFiles(src, name, board)
	if err != nil {
		return fail("%v", err)
	}
	files := []flash.BootFile{{Name: provision.Dir + "/" + name, Data: raw}}
	for _, f := range pf {
		files = append(files, flash.BootFile{Name: f.Name, Data: f.Data})
	}
	job := flash.Job{Image: image, Target: device, Files: files, EditCmdline: p.EditCmdline}
	if !quiet {
		job.Progress = stderr
	}
	res, err := job.Run()
	if err != nil {
		fmt.Fprintf(stderr, "onetrip flash: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s to %s in %s, read back and verified in %s (sha256 %x)\n",
		image, device, res.Write.Round(time.Second/10), res.Verify.Round(time.Second/10), res.SHA256)
	fmt.Fprintf(stdout, "boot partition: onetrip %s for %s, terminal %s (%s), first-boot script; the board installs them at its first start and reboots\n",
		b.Manifest.Version, board, p.Terminal, p.Role)
	return 0
}

// newestBundle is the most recently built bundle for board in dir.
func newestBundle(dir, board string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(dir, "onetrip-*-"+board+".tar"))
	var newest string
	var at time.Time
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.ModTime().After(at) {
			newest, at = m, st.ModTime()
		}
	}
	if newest == "" {
		return "", fmt.Errorf("no bundle for %s in %s/ (make release BOARD=%s, or give --bundle FILE)", board, dir, board)
	}
	return newest, nil
}

// provisionDefaults fills the run flags not given on the command line from
// the --provision file: terminal, role, window, bus, credentials and the
// service PIN's hash.
func (f *Flags) provisionDefaults(fs *flag.FlagSet) error {
	if f.Provision == "" {
		return nil
	}
	p, _, err := provision.Load(f.Provision)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	set := func(name string, dst *string, v string) {
		if !given[name] && v != "" {
			*dst = v
		}
	}
	set("terminal", &f.Terminal, p.Terminal)
	set("role", &f.Role, p.Role)
	set("bus", &f.Bus, strings.Join(p.Bus.URLs, ","))
	set("creds", &f.Creds, p.CredsPath())
	set("service-pin-hash", &f.ServicePINHash, p.ServicePINHash)
	if !given["window"] && p.Window > 0 {
		f.Window = p.Window
	}
	return nil
}
