package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// Set by the Makefile (-ldflags -X); a plain "go build" falls back to what
// the Go toolchain recorded.
var (
	version = ""
	commit  = ""
	built   = ""
)

// Version is what "onetrip version" prints and the start-up log names.
type Version struct{ Version, Commit, Built, Go string }

func buildVersion() Version {
	v := Version{Version: version, Commit: commit, Built: built, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && v.Commit == "":
				v.Commit = s.Value
			case s.Key == "vcs.time" && v.Built == "":
				v.Built = s.Value
			}
		}
		if v.Version == "" && info.Main.Version != "" {
			v.Version = info.Main.Version
		}
	}
	for _, s := range []*string{&v.Version, &v.Commit, &v.Built} {
		if *s == "" {
			*s = "unknown"
		}
	}
	return v
}

func (v Version) write(w io.Writer) {
	fmt.Fprintf(w, "onetrip %s\ncommit  %s\nbuilt   %s\ngo      %s %s/%s\n", v.Version, v.Commit, v.Built, v.Go, runtime.GOOS, runtime.GOARCH)
}

// parse parses a command's flags: -h and --help print them to stdout; a bad
// flag or a stray argument is returned for the caller to say once.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fmt.Fprintf(os.Stdout, "usage: %s [flags]\n\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	if err == nil && fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return err
}
