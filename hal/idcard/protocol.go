package idcard

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Command is a GA 467 host command: CMD in the high byte, PARA in the low one.
type Command uint16

// Commands of the GA 467 SAM module.
const (
	ResetSAM      Command = 0x10FF // like a power cycle
	SAMStatus     Command = 0x11FF
	ReadSAMID     Command = 0x12FF
	FindCard      Command = 0x2001
	SelectCard    Command = 0x2002
	ReadBase      Command = 0x3001 // text and photo
	ReadNewAddr   Command = 0x3003 // newest appended address
	ReadWithPrint Command = 0x3010 // text, photo and fingerprints
	SetMaxRFBytes Command = 0x61FF // one data byte
	setBaud       Command = 0x6000 // PARA is the index in Bauds
)

// commands gives each command its name, the status of success and the reply timeout
// (the upper end of what open implementations use).
var commands = map[Command]struct {
	name    string
	ok      Status
	timeout time.Duration
}{
	ResetSAM:      {"reset SAM", StatusOK, 1 * time.Second},
	SAMStatus:     {"SAM status", StatusOK, 300 * time.Millisecond},
	ReadSAMID:     {"read SAM ID", StatusOK, 300 * time.Millisecond},
	FindCard:      {"find card", StatusFound, 800 * time.Millisecond},
	SelectCard:    {"select card", StatusOK, 300 * time.Millisecond},
	ReadBase:      {"read base", StatusOK, 2 * time.Second},
	ReadNewAddr:   {"read new address", StatusOK, 1500 * time.Millisecond},
	ReadWithPrint: {"read with fingerprints", StatusOK, 3 * time.Second},
	SetMaxRFBytes: {"set max RF bytes", StatusOK, 300 * time.Millisecond},
	setBaud:       {"set baud", StatusOK, 300 * time.Millisecond},
}

// Bauds are the module's serial speeds, in the order of their SetBaud index and of
// DetectBaud's trials.
var Bauds = []int{115200, 57600, 38400, 19200, 9600}

// SetBaud returns the command switching the module to baud.
func SetBaud(baud int) (Command, error) {
	for i, b := range Bauds {
		if b == baud {
			return setBaud | Command(i), nil
		}
	}
	return 0, fmt.Errorf("idcard: %d baud is not one the SAM supports", baud)
}

func (c Command) info() (name string, ok Status, timeout time.Duration) {
	key := c
	if c&0xFF00 == setBaud {
		key = setBaud
	}
	i, known := commands[key]
	if !known {
		return "command", StatusOK, time.Second
	}
	return i.name, i.ok, i.timeout
}

func (c Command) String() string {
	name, _, _ := c.info()
	return fmt.Sprintf("%s (%02X %02X)", name, byte(c>>8), byte(c))
}

// Timeout is how long the module may take to answer c completely.
func (c Command) Timeout() time.Duration {
	_, _, t := c.info()
	return t
}

// AppendCommand appends the frame of cmd with its data.
func AppendCommand(dst []byte, cmd Command, data []byte) []byte {
	payload := append([]byte{byte(cmd >> 8), byte(cmd)}, data...)
	return AppendFrame(dst, payload)
}

// Reply is a module's answer: the status bytes and the data after them.
type Reply struct {
	SW1, SW2 byte // the card's status, forwarded; informative only
	Status   Status
	Data     []byte
}

// ParseReply splits a reply frame's payload. The reply is checked against cmd: a status
// other than cmd's success is a *StatusError.
func ParseReply(cmd Command, payload []byte) (Reply, error) {
	if len(payload) < 3 {
		return Reply{}, fmt.Errorf("idcard: %v: reply of %d bytes has no status", cmd, len(payload))
	}
	r := Reply{SW1: payload[0], SW2: payload[1], Status: Status(payload[2]), Data: payload[3:]}
	if _, ok, _ := cmd.info(); r.Status != ok {
		return r, &StatusError{Cmd: cmd, Status: r.Status, SW1: r.SW1, SW2: r.SW2}
	}
	return r, nil
}

// SAMID is the module's 16-byte management number.
type SAMID [16]byte

// String formats the ID the conventional way, AA.BB-CCCCCCCC-DDDDDDDDDD-EEEEEEEEEE: two
// little-endian uint16 then three little-endian uint32.
func (id SAMID) String() string {
	le := binary.LittleEndian
	return fmt.Sprintf("%02d.%02d-%08d-%010d-%010d", le.Uint16(id[0:]), le.Uint16(id[2:]),
		le.Uint32(id[4:]), le.Uint32(id[8:]), le.Uint32(id[12:]))
}
