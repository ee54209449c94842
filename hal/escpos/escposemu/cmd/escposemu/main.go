// Command escposemu is an emulated ESC/POS ticket printer for technicians and
// end-to-end tests: it listens on a pseudo-terminal or a TCP port, prints the
// device's path or address as its first line on stdout, writes each job it
// prints into -out as NNNNNN.escpos plus a PNG of the paper, and takes faults
// from stdin, one a line:
//
//	paper-out, paper-in, paper-out-after N, offline, online,
//	cover-open, cover-closed, no-answer, answer, garbage, sane
//
// It answers "ok LINE" on stdout for each, and "job N: B bytes" for each job.
//
//	escposemu -pty -profile 80mm -out /tmp/tickets
//	onetrip --printer escpos:/dev/pts/N?profile=80mm
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/image/font"

	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escposemu"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/serial/serialtest"
	"onetrip/ui/render"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "escposemu:", err)
		os.Exit(1)
	}
}

func run() error {
	usePTY := flag.Bool("pty", false, "listen on a new pseudo-terminal and print its path")
	tcpAddr := flag.String("tcp", "", "listen on this TCP address (e.g. 127.0.0.1:9100) and print it")
	profile := flag.String("profile", "80mm", "printer profile: "+strings.Join(escpos.Profiles(), ", "))
	out := flag.String("out", "", "directory for the printed jobs (NNNNNN.escpos and .png)")
	flag.Parse()
	if *usePTY == (*tcpAddr != "") {
		return errors.New("give exactly one of -pty or -tcp ADDR")
	}
	p, err := escpos.LoadProfile(*profile)
	if err != nil {
		return err
	}
	sink, err := jobSink(*out, p)
	if err != nil {
		return err
	}

	var faults *escposemu.Emulator
	stop := make(chan error, 1)
	if *usePTY {
		pair, err := serialtest.Open()
		if err != nil {
			return err
		}
		defer pair.Close()
		faults = escposemu.New(pair.Master, sink)
		go func() { stop <- faults.Run() }()
		fmt.Println(pair.SlavePath())
	} else {
		srv, err := escposemu.ListenTCP(*tcpAddr, sink)
		if err != nil {
			return err
		}
		defer srv.Close()
		faults = srv.Emulator
		fmt.Println(srv.Addr())
	}

	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if err := apply(faults, line); err != nil {
				fmt.Fprintln(os.Stderr, "escposemu:", err)
				continue
			}
			fmt.Println("ok", line)
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-sig:
		return nil
	case err := <-stop:
		return err
	}
}

// jobSink prints a line per job and, with a directory, keeps it there.
func jobSink(dir string, p escpos.Profile) (func([]byte), error) {
	n := 0
	if dir == "" {
		return func(job []byte) {
			n++
			fmt.Printf("job %d: %d bytes\n", n, len(job))
		}, nil
	}
	sim, err := escpossim.New(dir, p, paperFace)
	if err != nil {
		return nil, err
	}
	return func(job []byte) {
		n++
		if err := sim.Print(context.Background(), job); err != nil {
			fmt.Fprintln(os.Stderr, "escposemu:", err)
		}
		fmt.Printf("job %d: %d bytes\n", n, len(job))
	}, nil
}

// paperFace draws the paper preview with the kiosk's own embedded font, the
// one its screens and raster tickets use, so Chinese shows as on the kiosk
// and a character the font lacks shows as the same hollow box.
func paperFace(px float64) font.Face { return render.DefaultFont().XFace(px) }

// commands are the faults stdin can switch, by name.
var commands = map[string]func(e *escposemu.Emulator){
	"paper-out":    func(e *escposemu.Emulator) { e.SetPaperOut(true) },
	"paper-in":     func(e *escposemu.Emulator) { e.SetPaperOut(false) },
	"offline":      func(e *escposemu.Emulator) { e.SetOffline(true) },
	"online":       func(e *escposemu.Emulator) { e.SetOffline(false) },
	"cover-open":   func(e *escposemu.Emulator) { e.SetCoverOpen(true) },
	"cover-closed": func(e *escposemu.Emulator) { e.SetCoverOpen(false) },
	"no-answer":    func(e *escposemu.Emulator) { e.SetNoAnswer(true) },
	"answer":       func(e *escposemu.Emulator) { e.SetNoAnswer(false) },
	"garbage":      func(e *escposemu.Emulator) { e.SetGarbage(true) },
	"sane":         func(e *escposemu.Emulator) { e.SetGarbage(false) },
}

// apply carries out one stdin command.
func apply(e *escposemu.Emulator, line string) error {
	f := strings.Fields(line)
	if f[0] == "paper-out-after" {
		if len(f) != 2 {
			return fmt.Errorf("%q: want paper-out-after N", line)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 {
			return fmt.Errorf("%q: N must be a byte count", line)
		}
		e.PaperOutAfter(n)
		return nil
	}
	cmd, ok := commands[f[0]]
	if !ok || len(f) != 1 {
		return fmt.Errorf("unknown command %q", line)
	}
	cmd(e)
	return nil
}
