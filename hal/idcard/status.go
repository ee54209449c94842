package idcard

import "fmt"

// Status is the module's status byte (SW3). Every failure status is an error, so
// errors.Is(err, idcard.StatusNoCard) tests a reply.
type Status byte

// Statuses of the GA 467 SAM module.
const (
	StatusOK              Status = 0x90
	StatusNoContent       Status = 0x91
	StatusFound           Status = 0x9F
	StatusHostChecksum    Status = 0x10
	StatusHostLength      Status = 0x11
	StatusBadCommand      Status = 0x21
	StatusNotPermitted    Status = 0x23
	StatusUnrecognised    Status = 0x24
	StatusCardRejectedSAM Status = 0x31
	StatusSAMRejectedCard Status = 0x32
	StatusVerifyFailed    Status = 0x33
	StatusFingerprint     Status = 0x37
	StatusInfoLength      Status = 0x3F
	StatusWrongCard       Status = 0x40
	StatusReadFailed      Status = 0x41
	StatusRandomFailed    Status = 0x47
	StatusSelfTestFailed  Status = 0x60
	StatusUnauthorised    Status = 0x66
	StatusNoCard          Status = 0x80
	StatusSelectFailed    Status = 0x81
)

var statusText = map[Status]string{
	StatusOK:              "success",
	StatusNoContent:       "the card has no content for this item",
	StatusFound:           "card found",
	StatusHostChecksum:    "the module received a bad checksum",
	StatusHostLength:      "the module received a bad length",
	StatusBadCommand:      "bad command",
	StatusNotPermitted:    "operation not permitted",
	StatusUnrecognised:    "unrecognised error",
	StatusCardRejectedSAM: "the card failed to authenticate the SAM",
	StatusSAMRejectedCard: "the SAM failed to authenticate the card",
	StatusVerifyFailed:    "information verification failed",
	StatusFingerprint:     "fingerprint verification failed",
	StatusInfoLength:      "information length error",
	StatusWrongCard:       "unrecognised card type",
	StatusReadFailed:      "reading the card failed",
	StatusRandomFailed:    "getting a random number failed",
	StatusSelfTestFailed:  "SAM self-test failed",
	StatusUnauthorised:    "SAM not authorised",
	StatusNoCard:          "no card found",
	StatusSelectFailed:    "selecting the card failed",
}

func (s Status) Error() string {
	if t, ok := statusText[s]; ok {
		return fmt.Sprintf("SAM status %#02x: %s", byte(s), t)
	}
	return fmt.Sprintf("SAM status %#02x: unknown", byte(s))
}

// StatusError is a reply whose status is not the command's success.
type StatusError struct {
	Cmd      Command
	Status   Status
	SW1, SW2 byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idcard: %v: %v (SW1 SW2 %02X %02X)", e.Cmd, e.Status, e.SW1, e.SW2)
}

func (e *StatusError) Unwrap() error { return e.Status }
