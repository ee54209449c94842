package pn532

import (
	"errors"
	"fmt"
)

// Frame bytes of the PN532 normal information frame (UM0701-02 §6.2.1):
// 00 00 FF, LEN, LCS, TFI, data, DCS, 00, where LEN+LCS and TFI+data+DCS are 0 mod 256.
const (
	toChip     = 0xD4 // TFI of a command, host to PN532
	fromChip   = 0xD5 // TFI of a reply, PN532 to host
	errorFrame = 0x7F // TFI of the chip's application-error frame: it rejected the command
	ready      = 0x01 // RDY bit of the status byte every I²C read starts with
)

var (
	startCode = []byte{0x00, 0x00, 0xFF}
	ackFrame  = []byte{0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00}
)

// Frame errors, always wrapped with the device, its address and the command.
var (
	ErrChecksum = errors.New("reply checksum mismatch")
	ErrFrame    = errors.New("malformed reply frame")
	ErrRejected = errors.New("chip rejected the command (application error frame)")
	ErrNoAck    = errors.New("command not acknowledged")
	ErrTimeout  = errors.New("chip not ready in time")
)

// checksum is the byte that brings the sum of b to zero.
func checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return -s
}

// encodeCommand frames cmd and its parameters for the chip.
func encodeCommand(cmd byte, params []byte) []byte {
	body := append([]byte{toChip, cmd}, params...)
	n := byte(len(body))
	f := append(append([]byte(nil), startCode...), n, -n)
	f = append(f, body...)
	return append(f, checksum(body), 0x00)
}

// decodeReply checks a reply frame to cmd and returns its data, after TFI and the
// reply code cmd+1.
func decodeReply(f []byte, cmd byte) ([]byte, error) {
	if len(f) < 5 || f[0] != 0x00 || f[1] != 0x00 || f[2] != 0xFF {
		return nil, fmt.Errorf("%w: no start code in % X", ErrFrame, f[:min(len(f), 6)])
	}
	n, lcs := f[3], f[4]
	if n+lcs != 0 {
		return nil, fmt.Errorf("%w: length %#02x, length checksum %#02x", ErrChecksum, n, lcs)
	}
	if n == 0 || len(f) < 5+int(n)+1 {
		return nil, fmt.Errorf("%w: length %d does not fit %d bytes", ErrFrame, n, len(f))
	}
	body := f[5 : 5+int(n)]
	if checksum(body) != f[5+int(n)] {
		return nil, fmt.Errorf("%w: data checksum %#02x, want %#02x", ErrChecksum, f[5+int(n)], checksum(body))
	}
	if body[0] == errorFrame {
		return nil, ErrRejected
	}
	if len(body) < 2 || body[0] != fromChip || body[1] != cmd+1 {
		return nil, fmt.Errorf("%w: reply % X to command %#02x", ErrFrame, body[:min(len(body), 2)], cmd)
	}
	return body[2:], nil
}
