package idcard_test

import (
	"errors"
	"testing"
	"time"

	"onetrip/hal/idcard"
	"onetrip/hal/idcard/samemu"
	"onetrip/hal/serial/serialtest"
)

// wait bounds how long a test waits for an event that must come (a liveness bound, not
// a timing assertion).
const wait = 5 * time.Second

// rig is a SAM driver talking to an emulated module over a pseudo-terminal.
type rig struct {
	t   *testing.T
	emu *samemu.Emulator
	sam *idcard.SAM
}

func newRig(t *testing.T) *rig {
	pair := serialtest.New(t)
	host, module := serialtest.Port{File: pair.Slave}, pair.Master
	emu := samemu.New(module)
	go emu.Run()
	sam, err := idcard.NewSAM(host, idcard.SAMOptions{Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sam.Close() })
	return &rig{t, emu, sam}
}

// expect fails unless the next events have the given kinds; it returns them.
func (r *rig) expect(kinds ...idcard.EventKind) []idcard.Event {
	r.t.Helper()
	var got []idcard.Event
	for _, k := range kinds {
		select {
		case e := <-r.sam.Events():
			got = append(got, e)
			if e.Kind != k {
				r.t.Fatalf("event %d is %v (%v), want %v", len(got), e.Kind, e.Err, k)
			}
		case <-time.After(wait):
			r.t.Fatalf("no %v event", k)
		}
	}
	return got
}

// until returns events up to and including the first of kind k.
func (r *rig) until(k idcard.EventKind) []idcard.Event {
	r.t.Helper()
	var got []idcard.Event
	for {
		select {
		case e := <-r.sam.Events():
			got = append(got, e)
			if e.Kind == k {
				return got
			}
		case <-time.After(wait):
			r.t.Fatalf("no %v event; got %v", k, got)
		}
	}
}

// quiet fails if an event comes within d (many poll periods).
func (r *rig) quiet(d time.Duration) {
	r.t.Helper()
	select {
	case e := <-r.sam.Events():
		r.t.Fatalf("unexpected %v event (%v)", e.Kind, e.Err)
	case <-time.After(d):
	}
}

func (r *rig) insert() {
	r.t.Helper()
	if err := r.emu.Insert(residentCard()); err != nil {
		r.t.Fatal(err)
	}
}

// readsAgain checks that the driver recovered: the card (if one was there) leaves and a
// fresh one is read.
func (r *rig) readsAgain(card bool) {
	r.t.Helper()
	r.emu.Remove()
	if card {
		r.expect(idcard.Removed)
	} else {
		r.quiet(100 * time.Millisecond)
	}
	r.insert()
	r.expect(idcard.Present, idcard.Read)
}

func TestSAMReadsACardOnce(t *testing.T) {
	r := newRig(t)
	if r.sam.ID() != r.emu.ID() {
		t.Errorf("SAM ID %v, want %v", r.sam.ID(), r.emu.ID())
	}
	r.quiet(100 * time.Millisecond) // no card, no events
	r.insert()
	e := r.expect(idcard.Present, idcard.Read)[1]
	if e.Card.Number != residentCard().Number || e.Card.Name != "张三丰" || len(e.Card.Photo) != 3 {
		t.Errorf("read %v", e.Card)
	}
	r.quiet(200 * time.Millisecond) // the same card stays: no second read
	r.emu.Remove()
	r.expect(idcard.Removed)
	r.insert()
	r.expect(idcard.Present, idcard.Read)
}

func TestSAMFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cmd   idcard.Command
		fault samemu.Fault
		card  bool // the fault hits a card being read
		want  []error
	}{
		{"pulled between select and read", idcard.SelectCard, samemu.Pull, true, []error{idcard.ErrPulled, idcard.StatusReadFailed}},
		{"bad checksum on read", idcard.ReadBase, samemu.BadChecksum, true, []error{idcard.ErrChecksum}},
		{"truncated read", idcard.ReadBase, samemu.Truncated, true, []error{idcard.ErrTruncated, idcard.ErrTimeout}},
		{"garbage before read", idcard.ReadBase, samemu.Garbage, true, nil},
		{"garbage before find", idcard.FindCard, samemu.Garbage, false, nil},
		{"bad checksum on find", idcard.FindCard, samemu.BadChecksum, false, []error{idcard.ErrChecksum}},
		{"truncated find", idcard.FindCard, samemu.Truncated, false, []error{idcard.ErrTruncated}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.emu.Inject(tc.cmd, tc.fault)
			if tc.card {
				r.insert()
				r.expect(idcard.Present)
			}
			switch {
			case tc.want == nil && tc.card:
				r.expect(idcard.Read)
			case tc.want != nil:
				e := r.expect(idcard.Failed)[0]
				for _, w := range tc.want {
					if !errors.Is(e.Err, w) {
						t.Errorf("Failed with %v, want %v", e.Err, w)
					}
				}
			}
			r.readsAgain(tc.card)
		})
	}
}

func TestSAMPulledCardIsRemoved(t *testing.T) {
	r := newRig(t)
	r.emu.Inject(idcard.SelectCard, samemu.Pull)
	r.insert()
	r.expect(idcard.Present, idcard.Failed, idcard.Removed)
}

func TestSAMSlowModule(t *testing.T) {
	r := newRig(t)
	r.emu.SetDelay(50 * time.Millisecond) // slow, within every timeout
	r.insert()
	r.expect(idcard.Present, idcard.Read)
	r.emu.SetDelay(idcard.FindCard.Timeout() + 200*time.Millisecond)
	r.emu.Remove()
	got := r.until(idcard.Failed)
	if err := got[len(got)-1].Err; !errors.Is(err, idcard.ErrTimeout) {
		t.Errorf("Failed with %v, want ErrTimeout", err)
	}
	r.emu.SetDelay(0)
	r.insert()
	got = r.until(idcard.Read)
	if len(got) < 2 || got[len(got)-2].Kind != idcard.Present {
		t.Errorf("events before the read: %v", got)
	}
}

func TestSAMCloseClosesEvents(t *testing.T) {
	r := newRig(t)
	r.sam.Close()
	for range r.sam.Events() {
	}
	if err := r.sam.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// noClose hides the pty's Close from DetectBaud, as the test reopens the same line.
type noClose struct{ idcard.Port }

func TestWrongBaudAndDetection(t *testing.T) {
	pair := serialtest.New(t)
	host, module := serialtest.Port{File: pair.Slave}, pair.Master
	emu := samemu.New(module)
	emu.SetModuleBaud(9600)
	go emu.Run()

	if _, err := idcard.NewSAM(host, idcard.SAMOptions{}); !errors.Is(err, idcard.ErrTimeout) {
		t.Fatalf("NewSAM at the wrong baud: %v, want a timeout", err)
	}
	var tried []int
	baud, err := idcard.DetectBaud(func(b int) (idcard.Port, error) {
		tried = append(tried, b)
		emu.SetBaud(b)
		return noClose{host}, nil
	}, nil)
	if err != nil || baud != 9600 {
		t.Fatalf("DetectBaud = %d, %v; want 9600", baud, err)
	}
	if len(tried) != len(idcard.Bauds) {
		t.Errorf("tried %v", tried)
	}
	sam, err := idcard.NewSAM(host, idcard.SAMOptions{Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewSAM at the detected baud: %v", err)
	}
	sam.Close()
	// The closed driver's last poll may still be answered: drain that reply so
	// the next trial cannot mistake it for an answer.
	buf := make([]byte, 4096)
	for {
		host.SetReadTimeout(200 * time.Millisecond)
		if _, err := host.Read(buf); err != nil {
			break
		}
	}

	emu.SetModuleBaud(38400)
	if _, err := idcard.DetectBaud(func(b int) (idcard.Port, error) {
		emu.SetBaud(b)
		return noClose{host}, nil
	}, []int{115200, 9600}); err == nil {
		t.Error("DetectBaud found a baud the module does not run at")
	}
}
