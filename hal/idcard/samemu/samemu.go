// Package samemu emulates a GA 467 SAM module on the module end of a serial line (in
// tests, a pseudo-terminal), with a card slot and the faults real modules show.
package samemu

import (
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"onetrip/hal/idcard"
)

// Fault is a misbehaviour injected into one reply.
type Fault int

const (
	BadChecksum Fault = iota + 1 // the reply's checksum is wrong
	Truncated                    // the reply stops half-way
	Garbage                      // noise precedes the reply
	Pull                         // the card leaves the field right after the reply
)

// noise is line noise: it holds bytes of the preamble but never all of it.
var noise = []byte{0x00, 0xAA, 0xAA, 0x55, 0x96, 0xFF, 0x69, 0xAA, 0xAA, 0xAA, 0x96, 0x00}

// Emulator is a SAM module with a card slot.
type Emulator struct {
	rw io.ReadWriter

	mu       sync.Mutex
	text     []byte // the card in the field, nil if none
	photo    []byte
	selected bool // the card was selected in this presentation
	read     bool // the card was read in this presentation: it refuses selection
	baud     int  // the module's speed
	hostBaud int  // the speed the host opened the line at
	delay    time.Duration
	faults   map[idcard.Command][]Fault
	id       idcard.SAMID
}

// New returns a module at 115200 baud, with no card, answering on rw once Run is called.
func New(rw io.ReadWriter) *Emulator {
	e := &Emulator{rw: rw, baud: 115200, hostBaud: 115200, faults: map[idcard.Command][]Fault{}}
	for i := range e.id {
		e.id[i] = byte(i + 1)
	}
	return e
}

// Insert puts c in the field.
func (e *Emulator) Insert(c *idcard.Card) error {
	text, err := idcard.Encode(c)
	if err != nil {
		return err
	}
	e.InsertRaw(text, c.Photo)
	return nil
}

// InsertRaw puts a card with the given text and photo blocks in the field.
func (e *Emulator) InsertRaw(text, photo []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.text, e.photo = slices.Clone(text), slices.Clone(photo)
	e.selected, e.read = false, false
}

// Remove takes the card out of the field.
func (e *Emulator) Remove() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.text, e.photo = nil, nil
}

// SetBaud tells the module the baud the host opened the line at; while it differs from
// the module's own, the module hears noise and answers noise.
func (e *Emulator) SetBaud(host int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hostBaud = host
}

// SetModuleBaud sets the module's own speed, as if it had been configured earlier.
func (e *Emulator) SetModuleBaud(baud int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.baud = baud
}

// SetDelay makes the module wait d before every reply.
func (e *Emulator) SetDelay(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.delay = d
}

// Inject applies f to the next reply to cmd.
func (e *Emulator) Inject(cmd idcard.Command, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[cmd] = append(e.faults[cmd], f)
}

// ID is the module's SAM ID.
func (e *Emulator) ID() idcard.SAMID { return e.id }

// Run answers commands until reading the line fails, and returns that error.
func (e *Emulator) Run() error {
	frames := idcard.NewFrameReader(e.rw)
	for {
		payload, err := frames.Next()
		var fe *idcard.FrameError
		switch {
		case errors.As(err, &fe) && errors.Is(err, idcard.ErrChecksum):
			err = e.reply(0, nil, status(idcard.StatusHostChecksum))
		case errors.As(err, &fe):
			err = e.reply(0, nil, status(idcard.StatusHostLength))
		case err != nil:
			return err
		case len(payload) < 2:
			err = e.reply(0, nil, status(idcard.StatusHostLength))
		default:
			cmd := idcard.Command(payload[0])<<8 | idcard.Command(payload[1])
			err = e.reply(cmd, payload[2:], nil)
		}
		if err != nil {
			return err
		}
	}
}

func status(s idcard.Status) []byte { return []byte{0, 0, byte(s)} }

// reply answers cmd, or sends answer if it is set.
func (e *Emulator) reply(cmd idcard.Command, data, answer []byte) error {
	e.mu.Lock()
	if e.baud != e.hostBaud {
		e.mu.Unlock()
		_, err := e.rw.Write(noise[3:])
		return err
	}
	if answer == nil {
		answer = e.answer(cmd, data)
	}
	var fault Fault
	if q := e.faults[cmd]; len(q) > 0 {
		fault, e.faults[cmd] = q[0], q[1:]
	}
	delay := e.delay
	newBaud := e.baud
	if cmd&0xFF00 == 0x6000 && answer[2] == byte(idcard.StatusOK) {
		newBaud = idcard.Bauds[cmd&0xFF]
	}
	e.mu.Unlock()

	time.Sleep(delay)
	frame := idcard.AppendFrame(nil, answer)
	switch fault {
	case BadChecksum:
		frame[len(frame)-1] ^= 0xFF
	case Truncated:
		frame = frame[:len(frame)/2]
	case Garbage:
		frame = append(slices.Clone(noise), frame...)
	case Pull:
		e.Remove()
	}
	_, err := e.rw.Write(frame)
	e.mu.Lock()
	e.baud = newBaud // the module switches after answering at the old speed
	e.mu.Unlock()
	return err
}

// answer is the module's reply payload to cmd. e.mu is held.
func (e *Emulator) answer(cmd idcard.Command, data []byte) []byte {
	ok := status(idcard.StatusOK)
	switch {
	case cmd == idcard.ResetSAM:
		e.selected = false
		return ok
	case cmd == idcard.SAMStatus || cmd == idcard.SetMaxRFBytes && len(data) == 1:
		return ok
	case cmd == idcard.ReadSAMID:
		return append(ok, e.id[:]...)
	case cmd == idcard.FindCard && e.text != nil:
		return append(status(idcard.StatusFound), 0, 0, 0, 0)
	case cmd == idcard.FindCard:
		return status(idcard.StatusNoCard)
	case cmd == idcard.SelectCard && e.text != nil && !e.read:
		e.selected = true
		return append(ok, make([]byte, 8)...)
	case cmd == idcard.SelectCard:
		return status(idcard.StatusSelectFailed)
	case cmd == idcard.ReadBase && e.text != nil && e.selected:
		e.read, e.selected = true, false
		r := append(ok, byte(len(e.text)>>8), byte(len(e.text)), byte(len(e.photo)>>8), byte(len(e.photo)))
		r = append(r, e.text...)
		return append(r, e.photo...)
	case cmd == idcard.ReadBase:
		return status(idcard.StatusReadFailed)
	case cmd&0xFF00 == 0x6000 && int(cmd&0xFF) < len(idcard.Bauds):
		return ok
	}
	return status(idcard.StatusBadCommand)
}
