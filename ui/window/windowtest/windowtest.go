// Package windowtest gives tests a real X display: the one in DISPLAY, or a
// private Xvfb started for the test binary.
package windowtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/jezek/xgb"
)

// Display makes sure DISPLAY names a running X server, starting a private
// Xvfb (1280×800×24) when there is none, and stays connected to it until
// stop: an X server resets when its last client leaves and refuses
// connections meanwhile, which would fail the window opened next. stop
// ends what it started.
func Display() (stop func(), err error) {
	if os.Getenv("DISPLAY") != "" {
		return hold(func() {})
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		return nil, errors.New("these tests need an X server and Xvfb is not installed: run `make test`, which installs it")
	}
	ready, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ready.Close()
	var stderr bytes.Buffer
	// -displayfd picks a free display number and writes it once the server
	// accepts connections.
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.Stderr = &stderr
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	display, err := bufio.NewReader(ready).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("Xvfb did not start: %v\n%s", err, stderr.String())
	}
	os.Setenv("DISPLAY", ":"+strings.TrimSpace(display))
	return hold(func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.Unsetenv("DISPLAY")
	})
}

// hold connects to the X server in DISPLAY; the stop it returns closes the
// connection, then calls then.
func hold(then func()) (stop func(), err error) {
	c, err := xgb.NewConn()
	if err != nil {
		then()
		return nil, fmt.Errorf("connect to X display %q: %w", os.Getenv("DISPLAY"), err)
	}
	return func() {
		c.Close()
		then()
	}, nil
}
