package main

import (
	"fmt"
	"os/exec"
	"runtime"
)

// target is how this Debian machine builds and runs programs for one of the
// architectures a board file may name (boards.Arches).
type target struct {
	GOARCH, GOARM string
	Debian        string // dpkg's name: the suffix of the -dev packages cgo links against
	Triplet       string // GNU triplet: the cross compiler is Triplet-gcc
	Qemu          string // the user-mode emulator that runs its programs on another processor
}

var targets = map[string]target{
	"arm64": {GOARCH: "arm64", Debian: "arm64", Triplet: "aarch64-linux-gnu", Qemu: "qemu-aarch64-static"},
	"armv7": {GOARCH: "arm", GOARM: "7", Debian: "armhf", Triplet: "arm-linux-gnueabihf", Qemu: "qemu-arm-static"},
	"amd64": {GOARCH: "amd64", Debian: "amd64", Triplet: "x86_64-linux-gnu", Qemu: "qemu-x86_64-static"},
}

// targetFor returns the target of a board's arch; "" (the simulated board)
// is this machine's own.
func targetFor(arch string) (target, error) {
	if arch != "" {
		t, ok := targets[arch]
		if !ok {
			return target{}, fmt.Errorf("arch %q: no cross toolchain is known for it", arch)
		}
		return t, nil
	}
	for _, t := range targets {
		if t.native() {
			return t, nil
		}
	}
	return target{}, fmt.Errorf("this machine (%s) builds for none of the boards' architectures", runtime.GOARCH)
}

// native reports whether t is the processor this program runs on.
func (t target) native() bool { return t.GOARCH == runtime.GOARCH }

// env is what the go command needs to build for t with cgo.
func (t target) env() []string {
	env := []string{"CGO_ENABLED=1", "GOOS=linux", "GOARCH=" + t.GOARCH}
	if t.GOARM != "" {
		env = append(env, "GOARM="+t.GOARM)
	}
	if !t.native() {
		env = append(env, "CC="+t.Triplet+"-gcc")
	}
	return env
}

// checkTools finds the cross compiler and the emulator (with run) that
// building and smoke-running for t need on this machine.
func (t target) checkTools(run bool) error {
	if t.native() {
		return nil
	}
	tools := []string{t.Triplet + "-gcc"}
	if run {
		tools = append(tools, t.Qemu)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on this machine: make test-deps (or make release for a %s board) installs it", tool, t.Debian)
		}
	}
	return nil
}

// command runs the program bin, built for t, on this machine: directly or
// under qemu-user, which finds t's libraries where Debian's multiarch
// packages put them.
func (t target) command(bin string, args ...string) *exec.Cmd {
	if t.native() {
		return exec.Command(bin, args...)
	}
	return exec.Command(t.Qemu, append([]string{bin}, args...)...)
}
