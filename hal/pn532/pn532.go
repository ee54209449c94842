// Package pn532 drives an NXP PN532 NFC front end over I²C on kiosks without a SAM
// module. It detects second-generation ID cards (ISO 14443 Type B) and reads their chip
// serial; the name and number are encrypted for the SAM, so this reader reports card
// presence only: Present and Removed events, never Read.
package pn532

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/i2c"

	"onetrip/hal/idcard"
)

// Addr is the PN532's fixed 7-bit I²C address.
const Addr = 0x24

// Commands this driver sends (UM0701-02 §7.2, §7.3).
type command byte

const (
	getFirmwareVersion  command = 0x02
	samConfiguration    command = 0x14
	rfConfiguration     command = 0x32
	inDataExchange      command = 0x40
	inListPassiveTarget command = 0x4A
	inRelease           command = 0x52
)

var commandNames = map[command]string{
	getFirmwareVersion:  "GetFirmwareVersion",
	samConfiguration:    "SAMConfiguration",
	rfConfiguration:     "RFConfiguration",
	inDataExchange:      "InDataExchange",
	inListPassiveTarget: "InListPassiveTarget",
	inRelease:           "InRelease",
}

func (c command) String() string {
	if s, ok := commandNames[c]; ok {
		return s
	}
	return fmt.Sprintf("command %#02x", byte(c))
}

// setup is what the chip is told after the firmware check, at start and after every
// failure (a chip that browned out has forgotten it).
var setup = []struct {
	cmd    command
	params []byte
}{
	// Normal mode: no SAM companion; timeout and IRQ as the manual recommends.
	{samConfiguration, []byte{0x01, 0x14, 0x01}},
	// MaxRetries: ATR 0xFF, PSL 1, passive activation 1, so InListPassiveTarget
	// returns at once when no card is there instead of waiting for one forever.
	{rfConfiguration, []byte{0x05, 0xFF, 0x01, 0x01}},
}

// Type B polling: one target, 106 kbps Type B, AFI 00 (all application families).
var listTypeB = []byte{0x01, 0x03, 0x00}

// getSerial is the APDU an ID card answers with its 8-byte chip serial and 90 00.
var getSerial = []byte{0x00, 0x36, 0x00, 0x00, 0x08}

// ErrNotIDCard is a Type-B card that does not answer the serial APDU like an ID card.
var ErrNotIDCard = errors.New("card is not an ID card")

const (
	icPN532      = 0x32                   // IC byte of GetFirmwareVersion for a PN532
	replySize    = 64                     // bytes read per reply: the longest we ask for (a Type-B target) is 28
	replyTimeout = time.Second            // how long the chip may take to become ready
	readyPoll    = 5 * time.Millisecond   // pause between reads of a busy chip
	defaultPoll  = 250 * time.Millisecond // card polling period
)

// Options tune a Reader; the zero value is good.
type Options struct {
	Poll   time.Duration   // how often to look for a card; 250 ms if zero
	Clock  clockwork.Clock // real time if nil
	Logger *slog.Logger    // for link failures and cards seen; none if nil
}

// Firmware is what GetFirmwareVersion reports.
type Firmware struct {
	Version, Revision byte
	Support           byte // bit field: ISO 14443 Type A, Type B, ISO 18092
}

func (f Firmware) String() string { return fmt.Sprintf("PN532 v%d.%d", f.Version, f.Revision) }

// Reader polls a PN532 for ID cards and reports them as Events. It implements
// idcard.Reader.
type Reader struct {
	dev    i2c.Dev
	clock  clockwork.Clock
	poll   time.Duration
	log    *slog.Logger
	fw     Firmware
	events chan idcard.Event
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	buf    [1 + replySize]byte

	target  byte  // number of the activated card, 0 when none
	linkErr error // the failure last reported; nil while the chip answers

	mu     sync.Mutex
	held   bool // Present was reported and Removed not yet
	serial [8]byte
}

var _ idcard.Reader = (*Reader)(nil)

// New checks that a PN532 answers at Addr on bus, configures it and starts polling.
func New(bus i2c.Bus, opts Options) (*Reader, error) {
	r := &Reader{
		dev:    i2c.Dev{Bus: bus, Addr: Addr},
		clock:  opts.Clock,
		poll:   opts.Poll,
		log:    opts.Logger,
		events: make(chan idcard.Event, idcard.EventBuffer),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if r.clock == nil {
		r.clock = clockwork.NewRealClock()
	}
	if r.poll <= 0 {
		r.poll = defaultPoll
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	r.log.Info("pn532: ready", "firmware", r.fw)
	go r.run()
	return r, nil
}

// Firmware is the chip's firmware version, read at start.
func (r *Reader) Firmware() Firmware { return r.fw }

// Events delivers Present when an ID card enters the field, Removed when it leaves
// and Failed once per outage of the chip.
func (r *Reader) Events() <-chan idcard.Event { return r.events }

// LastSerial is the chip serial of the ID card in the field, for diagnostics. It is
// cleared when the card leaves, so the identifier does not outlive the presentation.
func (r *Reader) LastSerial() (serial [8]byte, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.serial, r.held
}

// Close stops polling, waiting for a command in flight, and closes Events. It does
// not close the bus.
func (r *Reader) Close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	return nil
}

// start checks the chip is a PN532 and configures it.
func (r *Reader) start() error {
	d, err := r.transact(getFirmwareVersion)
	if err != nil {
		return err
	}
	if len(d) != 4 || d[0] != icPN532 {
		return fmt.Errorf("pn532 at %#x: firmware reply % X is not a PN532's", Addr, d)
	}
	r.fw = Firmware{Version: d[1], Revision: d[2], Support: d[3]}
	for _, s := range setup {
		if _, err := r.transact(s.cmd, s.params...); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) run() {
	defer close(r.done)
	defer close(r.events)
	for {
		r.step()
		select {
		case <-r.stop:
			return
		case <-r.clock.After(r.poll):
		}
	}
}

// step is one poll; after a failure it starts the chip again first.
func (r *Reader) step() {
	if r.linkErr != nil {
		if err := r.start(); err != nil {
			r.linkDown(err)
			return
		}
	}
	serial, ok, err := r.sense()
	if err != nil {
		r.linkDown(err)
		return
	}
	r.linkUp()
	r.track(serial, ok)
}

// sense reports whether an ID card is in the field and its serial. A card stays
// activated between polls and answers the serial APDU each time; when it stops
// answering it is released and the field searched again on the next poll. A Type-B
// card that is not an ID card stays activated and reads as no card.
func (r *Reader) sense() (serial [8]byte, ok bool, err error) {
	if r.target == 0 {
		if err := r.activate(); err != nil || r.target == 0 {
			return serial, false, err
		}
	}
	serial, err = r.readSerial()
	var st Status
	switch {
	case err == nil:
		return serial, true, nil
	case errors.Is(err, ErrNotIDCard):
		return serial, false, nil
	case errors.As(err, &st):
		r.target = 0
		_, err = r.transact(inRelease, 0x00)
		return serial, false, err
	default:
		return serial, false, err
	}
}

// activate looks for one Type-B card; the chip runs REQB and ATTRIB itself.
func (r *Reader) activate() error {
	d, err := r.transact(inListPassiveTarget, listTypeB...)
	switch {
	case err != nil:
		return err
	case len(d) == 0:
		return fmt.Errorf("pn532 at %#x: %v: %w: no target count", Addr, inListPassiveTarget, ErrFrame)
	case d[0] == 0:
		return nil
	case len(d) < 2:
		return fmt.Errorf("pn532 at %#x: %v: %w: no target number", Addr, inListPassiveTarget, ErrFrame)
	}
	r.target = d[1]
	return nil
}

// readSerial sends the serial APDU to the activated card.
func (r *Reader) readSerial() (serial [8]byte, err error) {
	d, err := r.transact(inDataExchange, append([]byte{r.target}, getSerial...)...)
	if err != nil {
		return serial, err
	}
	if len(d) == 0 {
		return serial, fmt.Errorf("pn532 at %#x: %v: %w: no status", Addr, inDataExchange, ErrFrame)
	}
	if err := statusOf(d[0]); err != nil {
		return serial, fmt.Errorf("pn532 at %#x: %v: %w", Addr, inDataExchange, err)
	}
	ans := d[1:]
	if len(ans) != len(serial)+2 || ans[8] != 0x90 || ans[9] != 0x00 {
		sw := ans[max(0, len(ans)-2):] // never the rest: it may be card data
		return serial, fmt.Errorf("pn532 at %#x: %w: %d-byte answer ending % X", Addr, ErrNotIDCard, len(ans), sw)
	}
	copy(serial[:], ans)
	return serial, nil
}

// track turns what a poll sensed into events.
func (r *Reader) track(serial [8]byte, ok bool) {
	r.mu.Lock()
	held, same := r.held, r.held && ok && r.serial == serial
	r.held, r.serial = ok, serial
	r.mu.Unlock()
	if same {
		return
	}
	if held {
		r.log.Debug("pn532: ID card removed")
		r.emit(idcard.Event{Kind: idcard.Removed})
	}
	if ok {
		r.log.Debug("pn532: ID card present", "serial", Mask(serial))
		r.emit(idcard.Event{Kind: idcard.Present})
	}
}

// transact sends one command and returns its reply data. The data is only good
// until the next command.
func (r *Reader) transact(cmd command, params ...byte) ([]byte, error) {
	if err := r.dev.Tx(encodeCommand(byte(cmd), params), nil); err != nil {
		return nil, fmt.Errorf("pn532 at %#x: %v: %w", Addr, cmd, err)
	}
	ack := r.buf[:1+len(ackFrame)]
	if err := r.readReady(ack); err != nil {
		return nil, fmt.Errorf("pn532 at %#x: %v: ack: %w", Addr, cmd, err)
	}
	if !bytes.Equal(ack[1:], ackFrame) {
		return nil, fmt.Errorf("pn532 at %#x: %v: %w: got % X", Addr, cmd, ErrNoAck, ack[1:])
	}
	if err := r.readReady(r.buf[:]); err != nil {
		return nil, fmt.Errorf("pn532 at %#x: %v: reply: %w", Addr, cmd, err)
	}
	d, err := decodeReply(r.buf[1:], byte(cmd))
	if err != nil {
		return nil, fmt.Errorf("pn532 at %#x: %v: %w", Addr, cmd, err)
	}
	return d, nil
}

// readReady reads into b until its status byte says the chip is ready.
func (r *Reader) readReady(b []byte) error {
	deadline := r.clock.Now().Add(replyTimeout)
	for {
		if err := r.dev.Tx(nil, b); err != nil {
			return err
		}
		if b[0]&ready != 0 {
			return nil
		}
		if !r.clock.Now().Before(deadline) {
			return ErrTimeout
		}
		r.clock.Sleep(readyPoll)
	}
}

// linkDown reports a chip that stopped answering well, once per failure.
func (r *Reader) linkDown(err error) {
	if r.linkErr == nil {
		r.log.Warn("pn532: link failed", "err", err)
		r.emit(idcard.Event{Kind: idcard.Failed, Err: err})
	}
	r.linkErr = err
	r.target = 0
}

func (r *Reader) linkUp() {
	if r.linkErr != nil {
		r.log.Info("pn532: link recovered")
		r.linkErr = nil
	}
}

func (r *Reader) emit(e idcard.Event) { idcard.Deliver(r.events, e) }

// Mask formats a chip serial for logs and screens: all but its last two bytes hidden.
func Mask(serial [8]byte) string {
	return strings.Repeat("**", len(serial)-2) + fmt.Sprintf("%02X%02X", serial[6], serial[7])
}
