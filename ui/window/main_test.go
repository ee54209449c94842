//go:build cgo

package window

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"onetrip/ui/window/windowtest"
)

// GLFW must run on the main OS thread: keep the main goroutine on it and
// let tests send it work through mainThread.
func init() { runtime.LockOSThread() }

var mainThread = make(chan func())

func TestMain(m *testing.M) {
	stop, err := windowtest.Display()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	result := make(chan int)
	go func() { result <- m.Run() }()
	for {
		select {
		case f := <-mainThread:
			f()
		case code := <-result:
			stop()
			os.Exit(code)
		}
	}
}

// onMain runs f on the main OS thread and waits for it.
func onMain(f func()) {
	done := make(chan struct{})
	mainThread <- func() { f(); close(done) }
	<-done
}

// onMainErr runs f on the main OS thread and returns its error.
func onMainErr(f func() error) error {
	var err error
	onMain(func() { err = f() })
	return err
}
