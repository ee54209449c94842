package pn532

import "fmt"

// Status is the error code of a PN532 status byte (UM0701-02 §7.1): what went wrong
// between the chip and the card.
type Status byte

// statusText is the error table of UM0701-02 §7.1.
var statusText = map[Status]string{
	0x01: "card did not answer (timeout)",
	0x02: "CRC error",
	0x03: "parity error",
	0x04: "erroneous bit count during anticollision",
	0x05: "framing error",
	0x06: "abnormal bit collision",
	0x07: "communication buffer too small",
	0x09: "RF buffer overflow",
	0x0A: "RF field not switched on in time",
	0x0B: "RF protocol error",
	0x0D: "chip overheating",
	0x0E: "internal buffer overflow",
	0x10: "invalid parameter",
	0x12: "DEP command not supported",
	0x13: "received frame does not match the protocol",
	0x14: "authentication error",
	0x23: "UID check byte wrong",
	0x25: "invalid DEP state",
	0x26: "operation not allowed in this configuration",
	0x27: "command not acceptable now",
	0x29: "target released by initiator",
	0x2A: "card ID does not match (Type B)",
	0x2B: "activated card has disappeared",
	0x2C: "NFCID3 mismatch",
	0x2D: "over-current",
	0x2E: "NAD missing in DEP frame",
}

func (s Status) Error() string {
	if t, ok := statusText[s]; ok {
		return fmt.Sprintf("status %#02x: %s", byte(s), t)
	}
	return fmt.Sprintf("status %#02x", byte(s))
}

// statusOf returns the error a status byte reports, nil for success. Its top two bits
// are flags (more information, NAD present), not part of the code.
func statusOf(b byte) error {
	if s := Status(b & 0x3F); s != 0 {
		return s
	}
	return nil
}
