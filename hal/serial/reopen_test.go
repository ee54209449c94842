package serial

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// nextState waits for the next reported state, failing the test after a while.
func nextState(t *testing.T, events <-chan State) State {
	t.Helper()
	select {
	case s := <-events:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no state reported")
		return State{}
	}
}

// plugIn makes link point at a new pty's slave, as udev's by-id links do for an adapter.
func plugIn(t *testing.T, link string) (master, slave *os.File) {
	t.Helper()
	master, slave = newPTY(t)
	tmp := link + ".new"
	if err := os.Symlink(slave.Name(), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
	return master, slave
}

func TestUnplugReportsUnavailableAndReplugResumes(t *testing.T) {
	link := filepath.Join(t.TempDir(), "idcard")
	master, slave := plugIn(t, link)
	events := make(chan State, 4)
	rp := Reopening(link, Config{Baud: 115200, ReadTimeout: 5 * time.Second}, Retry{First: 5 * time.Millisecond, Max: 20 * time.Millisecond}, events)
	defer rp.Close()
	if s := nextState(t, events); !s.Available || s.Dev != link {
		t.Fatalf("at start: %+v, want available", s)
	}
	master.Write([]byte("AA"))
	if got := readFull(t, rp, 2); string(got) != "AA" {
		t.Fatalf("read %q, want AA", got)
	}

	master.Close() // unplug: the port hangs up
	slave.Close()
	if _, err := rp.Read(make([]byte, 1)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Read after unplug = %v, want ErrUnavailable", err)
	}
	if s := nextState(t, events); s.Available || s.Err == nil {
		t.Fatalf("after unplug: %+v, want unavailable with a cause", s)
	}
	if _, err := rp.Write([]byte("x")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Write while unplugged = %v, want ErrUnavailable", err)
	}

	master, _ = plugIn(t, link)
	if s := nextState(t, events); !s.Available {
		t.Fatalf("after plugging back: %+v, want available", s)
	}
	master.Write([]byte("BB"))
	if got := readFull(t, rp, 2); string(got) != "BB" {
		t.Errorf("read %q after replug, want BB", got)
	}
	if _, err := rp.Write([]byte("CC")); err != nil {
		t.Errorf("Write after replug: %v", err)
	}
	if got := readFull(t, master, 2); string(got) != "CC" {
		t.Errorf("device read %q after replug, want CC", got)
	}
}

func TestMissingAtStartIsUnavailableUntilPlugged(t *testing.T) {
	link := filepath.Join(t.TempDir(), "printer")
	events := make(chan State, 4)
	rp := Reopening(link, Config{Baud: 9600}, Retry{First: 5 * time.Millisecond, Max: 20 * time.Millisecond}, events)
	defer rp.Close()
	if s := nextState(t, events); s.Available || !errors.Is(s.Err, os.ErrNotExist) {
		t.Fatalf("at start: %+v, want unavailable, not found", s)
	}
	if _, err := rp.Write([]byte("x")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Write while missing = %v, want ErrUnavailable", err)
	}
	master, _ := plugIn(t, link)
	if s := nextState(t, events); !s.Available {
		t.Fatalf("after plugging in: %+v, want available", s)
	}
	if _, err := rp.Write([]byte("\x1b@")); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, master, 2); string(got) != "\x1b@" {
		t.Errorf("device read %q, want ESC @", got)
	}
}

func TestTimeoutIsNotALoss(t *testing.T) {
	_, slave := newPTY(t)
	events := make(chan State, 4)
	rp := Reopening(slave.Name(), Config{Baud: 9600, ReadTimeout: 10 * time.Millisecond}, Retry{}, events)
	defer rp.Close()
	nextState(t, events)
	if _, err := rp.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, ErrUnavailable) {
		t.Errorf("Read with nothing sent = %v, want only a timeout", err)
	}
	select {
	case s := <-events:
		t.Errorf("a timeout reported %+v", s)
	default:
	}
}

func TestCloseStopsReopening(t *testing.T) {
	rp := Reopening(filepath.Join(t.TempDir(), "none"), Config{Baud: 9600}, Retry{First: time.Hour}, nil)
	if err := rp.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Read after Close = %v, want os.ErrClosed", err)
	}
}
