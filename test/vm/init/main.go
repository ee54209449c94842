// Command init is PID 1 of the kiosk's test virtual machine (see package
// vm): it mounts the kernel's file systems, loads the kernel modules packed
// beside it in the order given, waits for the display and the tablet, runs
// evdevcheck (hal/evdev against a uinput multitouch screen) when packed,
// and runs the kiosk on the qemu-x86 board with the DRM presenter. Everything
// goes to the serial console: the kiosk's log, and each ticket the
// simulated printer writes as one "printed NAME BASE64" line, so the test
// outside can read the paper. When the kiosk ends the machine powers off.
package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	err := run()
	fmt.Printf("init: %v\n", err)
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
}

func run() error {
	for _, m := range []struct{ fs, dir string }{{"devtmpfs", "/dev"}, {"proc", "/proc"}, {"sysfs", "/sys"}} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.fs, m.dir, m.fs, 0, ""); err != nil {
			return fmt.Errorf("mount %s: %w", m.dir, err)
		}
	}
	mods, _ := filepath.Glob("/modules/*.ko")
	slices.Sort(mods) // named NN-name.ko in load order
	for _, m := range mods {
		if err := load(m); err != nil {
			return err
		}
	}
	fmt.Printf("init: %d modules loaded\n", len(mods))
	for _, pattern := range []string{"/dev/dri/card*", "/dev/input/event*"} {
		if err := waitFor(pattern); err != nil {
			return err
		}
	}
	if _, err := os.Stat("/evdevcheck"); err == nil {
		check := exec.Command("/evdevcheck")
		check.Stdout, check.Stderr = os.Stdout, os.Stdout
		if err := check.Run(); err != nil {
			fmt.Printf("init: evdevcheck: %v\n", err)
		}
	}
	kiosk := exec.Command("/onetrip", append([]string{"run", "--board", "qemu-x86", "--presenter", "drm", "--data", "/data"}, os.Args[1:]...)...)
	kiosk.Stdout, kiosk.Stderr = os.Stdout, os.Stdout
	kiosk.Env = []string{"HOME=/data", "TZ=UTC"}
	if err := kiosk.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- kiosk.Wait() }()
	seen := map[string]bool{}
	for {
		select {
		case err := <-done:
			report(seen)
			return fmt.Errorf("kiosk exited: %v", err)
		case <-time.After(100 * time.Millisecond):
			report(seen)
		}
	}
}

func load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.FinitModule(int(f.Fd()), "", 0); err != nil && err != unix.EEXIST {
		return fmt.Errorf("load %s: %w", filepath.Base(path), err)
	}
	return nil
}

// waitFor waits for a device node the modules make.
func waitFor(pattern string) error {
	for range 100 {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no %s after 5 s", pattern)
}

// report writes each new printed job to the console. The simulated
// printer writes a job's paper picture after its bytes, so a job whose
// picture exists is whole.
func report(seen map[string]bool) {
	pics, _ := filepath.Glob("/data/printer/*.png")
	for _, p := range pics {
		job := strings.TrimSuffix(p, ".png")
		if seen[job] {
			continue
		}
		b, err := os.ReadFile(job + ".escpos")
		if err != nil {
			continue
		}
		seen[job] = true
		fmt.Printf("printed %s %s\n", filepath.Base(job), base64.StdEncoding.EncodeToString(b))
	}
}
