package pn532

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/i2c/i2ctest"

	"onetrip/hal/idcard"
)

// frame wraps body (TFI and data) in a PN532 frame, computing both checksums here
// rather than with the driver's code.
func frame(body ...byte) []byte {
	sum := 0
	for _, b := range body {
		sum += int(b)
	}
	f := append([]byte{0x00, 0x00, 0xFF, byte(len(body)), byte(0x100 - len(body))}, body...)
	return append(f, byte(0x100-sum%0x100), 0x00)
}

// ready is a read of a ready chip returning f, padded to the driver's reply size.
func readyWith(f []byte) []byte {
	r := make([]byte, 1+replySize)
	r[0] = 0x01
	copy(r[1:], f)
	return r
}

var ackRead = []byte{0x01, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}

// exchange is the bus traffic of one command: the command frame, the ACK, the reply.
func exchange(cmd byte, params []byte, reply ...byte) []i2ctest.IO {
	return []i2ctest.IO{
		{Addr: Addr, W: frame(append([]byte{0xD4, cmd}, params...)...)},
		{Addr: Addr, R: ackRead},
		{Addr: Addr, R: readyWith(frame(append([]byte{0xD5, cmd + 1}, reply...)...))},
	}
}

var (
	serial    = [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	serialCmd = []byte{0x01, 0x00, 0x36, 0x00, 0x00, 0x08}

	startUp = join(
		// GetFirmwareVersion exactly as in UM0701-02: a PN532 v1.6.
		[]i2ctest.IO{
			{Addr: Addr, W: []byte{0x00, 0x00, 0xFF, 0x02, 0xFE, 0xD4, 0x02, 0x2A, 0x00}},
			{Addr: Addr, R: ackRead},
			{Addr: Addr, R: readyWith([]byte{0x00, 0x00, 0xFF, 0x06, 0xFA, 0xD5, 0x03, 0x32, 0x01, 0x06, 0x07, 0xE8, 0x00})},
		},
		exchange(0x14, []byte{0x01, 0x14, 0x01}),
		exchange(0x32, []byte{0x05, 0xFF, 0x01, 0x01}),
	)
	noCard = exchange(0x4A, []byte{0x01, 0x03, 0x00}, 0x00)
	// One target: Tg 1, ATQB of an ID card (all-zero PUPI), ATTRIB_RES 08.
	cardListed = exchange(0x4A, []byte{0x01, 0x03, 0x00}, 0x01, 0x01,
		0x50, 0x00, 0x00, 0x00, 0x00, 0xD1, 0x03, 0x86, 0x0C, 0x00, 0x80, 0x80, 0x01, 0x08)
	serialRead  = exchange(0x40, serialCmd, append(append([]byte{0x00}, serial[:]...), 0x90, 0x00)...)
	cardSilent  = exchange(0x40, serialCmd, 0x01) // status: timeout, the card left
	released    = exchange(0x52, []byte{0x00}, 0x00)
	notAnIDCard = exchange(0x40, serialCmd, 0x00, 0x6D, 0x00)
)

func join(ops ...[]i2ctest.IO) []i2ctest.IO {
	var all []i2ctest.IO
	for _, o := range ops {
		all = append(all, o...)
	}
	return all
}

type harness struct {
	t      *testing.T
	clock  *clockwork.FakeClock
	r      *Reader
	polled int // polls checked so far
}

const poll = 100 * time.Millisecond

// start runs a Reader on a bus that plays back ops, one poll at a time.
func start(t *testing.T, log *slog.Logger, ops ...[]i2ctest.IO) *harness {
	t.Helper()
	bus := &i2ctest.Playback{Ops: join(ops...), DontPanic: true}
	clock := clockwork.NewFakeClock()
	r, err := New(bus, Options{Poll: poll, Clock: clock, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Close()
		if err := bus.Close(); err != nil {
			t.Error(err)
		}
	})
	return &harness{t: t, clock: clock, r: r}
}

// events waits for the current poll to finish and returns what it reported.
func (h *harness) events() []idcard.Event {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.clock.BlockUntilContext(ctx, 1); err != nil {
		h.t.Fatal("poll did not finish:", err)
	}
	var evs []idcard.Event
	for {
		select {
		case e := <-h.r.Events():
			evs = append(evs, e)
		default:
			return evs
		}
	}
}

// expect runs the next poll (the first runs at start) and checks it reported
// exactly kinds.
func (h *harness) expect(kinds ...idcard.EventKind) []idcard.Event {
	h.t.Helper()
	if h.polled > 0 {
		h.clock.Advance(poll)
	}
	h.polled++
	evs := h.events()
	var got []idcard.EventKind
	for _, e := range evs {
		got = append(got, e.Kind)
		if e.Card != nil {
			h.t.Error("a PN532 event carries a card")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(kinds) {
		h.t.Fatalf("events %v, want %v (%v)", got, kinds, evs)
	}
	return evs
}

func TestNewDetectsFirmware(t *testing.T) {
	h := start(t, nil, startUp, noCard)
	h.expect()
	if got := h.r.Firmware().String(); got != "PN532 v1.6" {
		t.Errorf("firmware %q, want PN532 v1.6", got)
	}
}

func TestCardArrivesStaysAndLeaves(t *testing.T) {
	h := start(t, nil, startUp,
		noCard,
		cardListed, serialRead,
		serialRead,
		cardSilent, released,
		noCard)
	h.expect()
	h.expect(idcard.Present)
	if got, ok := h.r.LastSerial(); !ok || got != serial {
		t.Errorf("LastSerial = % X, %v; want % X, true", got, ok, serial)
	}
	h.expect() // still there: no repeat
	h.expect(idcard.Removed)
	if _, ok := h.r.LastSerial(); ok {
		t.Error("LastSerial still set after the card left")
	}
	h.expect()
}

func TestCardOfAnotherKindIsIgnored(t *testing.T) {
	h := start(t, nil, startUp,
		cardListed, notAnIDCard,
		notAnIDCard,
		cardSilent, released)
	h.expect()
	h.expect()
	h.expect()
}

func TestChecksumErrorFailsOnceThenRecovers(t *testing.T) {
	bad := exchange(0x4A, []byte{0x01, 0x03, 0x00}, 0x00)
	bad[2].R[1+6+2]++ // the data checksum
	badFirmware := exchange(0x02, nil, 0x32, 0x01, 0x06, 0x07)
	badFirmware[2].R[1+3]++ // the length checksum
	h := start(t, nil, startUp,
		bad,
		badFirmware, // still failing: no second report
		startUp, cardListed, serialRead)
	evs := h.expect(idcard.Failed)
	if err := evs[0].Err; !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "pn532 at 0x24: InListPassiveTarget") {
		t.Errorf("Failed with %v, want a checksum error naming the chip, address and command", err)
	}
	h.expect()
	h.expect(idcard.Present)
}

func TestNewWithoutChipNamesTheAddress(t *testing.T) {
	bus := &i2ctest.Playback{DontPanic: true} // every transfer fails, as on a NACK
	_, err := New(bus, Options{Clock: clockwork.NewFakeClock()})
	if err == nil || !strings.Contains(err.Error(), "pn532 at 0x24: GetFirmwareVersion") {
		t.Errorf("New = %v, want an error naming the chip, its address and the command", err)
	}
}

func TestNewRejectsAnotherChip(t *testing.T) {
	bus := &i2ctest.Playback{Ops: exchange(0x02, nil, 0x07, 0x01, 0x06, 0x07), DontPanic: true}
	_, err := New(bus, Options{Clock: clockwork.NewFakeClock()})
	if err == nil || !strings.Contains(err.Error(), "not a PN532") {
		t.Errorf("New = %v, want not a PN532", err)
	}
}

func TestBusyChipIsWaitedFor(t *testing.T) {
	ops := join(startUp, noCard)
	busy := i2ctest.IO{Addr: Addr, R: make([]byte, len(ackRead))} // status 00: not ready
	ops = append(ops[:1], append([]i2ctest.IO{busy}, ops[1:]...)...)
	bus := &i2ctest.Playback{Ops: ops, DontPanic: true}
	clock := clockwork.NewFakeClock()
	go func() {
		clock.BlockUntilContext(context.Background(), 1)
		clock.Advance(readyPoll)
	}()
	r, err := New(bus, Options{Poll: poll, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, clock: clock, r: r}
	h.expect()
	r.Close()
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
}

func TestSerialIsNeverLoggedInFull(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := start(t, log, startUp, cardListed, serialRead)
	h.expect(idcard.Present)
	if !strings.Contains(logs.String(), "************7788") {
		t.Errorf("log does not show the masked serial:\n%s", logs.String())
	}
	for _, full := range []string{"1122334455667788", "11 22 33", "112233"} {
		if strings.Contains(strings.ToUpper(logs.String()), full) {
			t.Errorf("log shows the serial (%s):\n%s", full, logs.String())
		}
	}
}

func TestErrorFrameIsRejection(t *testing.T) {
	_, err := decodeReply([]byte{0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00}, 0x4A)
	if !errors.Is(err, ErrRejected) {
		t.Errorf("decodeReply(error frame) = %v, want ErrRejected", err)
	}
}

func TestStatusErrorsComeFromTheTable(t *testing.T) {
	for b, want := range map[byte]string{0x01: "timeout", 0x41: "timeout", 0x2B: "disappeared", 0x3F: "status 0x3f"} {
		if err := statusOf(b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("statusOf(%#02x) = %v, want %q", b, err, want)
		}
	}
	if err := statusOf(0x40); err != nil {
		t.Errorf("statusOf(0x40) = %v, want success (MI flag only)", err)
	}
}
