package escpos

import (
	"errors"
	"fmt"
	"strings"
)

// Faults a printer reports; Status.Err and Printer.Print return them wrapped.
var (
	ErrPaperOut  = errors.New("printer: paper out")
	ErrCoverOpen = errors.New("printer: cover open")
	ErrOffline   = errors.New("printer: offline")
	ErrCutter    = errors.New("printer: cutter error")
)

// Status is the printer's state as told by its DLE EOT 1–4 replies.
type Status struct {
	PaperOut, PaperNearEnd, CoverOpen, Offline, CutterError bool
}

// ParseStatus reads the one-byte reply to DLE EOT n (n = 1…4). The fields
// the reply does not cover stay false; Merge the four replies for the whole.
func ParseStatus(n int, b byte) (Status, error) {
	if b&0x93 != 0x12 {
		return Status{}, fmt.Errorf("escpos: DLE EOT %d reply 0x%02X is not a status byte", n, b)
	}
	var s Status
	switch n {
	case 1: // printer
		s.Offline = b&0x08 != 0
	case 2: // offline cause
		s.CoverOpen = b&0x04 != 0
		s.PaperOut = b&0x20 != 0
	case 3: // error cause
		s.CutterError = b&0x08 != 0
	case 4: // paper sensors
		s.PaperNearEnd = b&0x0c == 0x0c
		s.PaperOut = b&0x60 == 0x60
	default:
		return Status{}, fmt.Errorf("escpos: DLE EOT %d: n must be 1–4", n)
	}
	return s, nil
}

// IEEE 1284 port status bits (lp.h LP_P*).
const (
	lpPaperOut = 0x20 // LP_POUTPA: paper out
	lpSelected = 0x10 // LP_PSELECD: printer online
	lpNoError  = 0x08 // LP_PERRORP: active low, set means no error
)

// ParsePortStatus reads an LPGETSTATUS byte. A printer that is deselected or
// signals an error is offline; whether a model drives these lines at all is
// up to its firmware, so DLE EOT is asked first.
func ParsePortStatus(b byte) Status {
	return Status{
		PaperOut: b&lpPaperOut != 0,
		Offline:  b&lpSelected == 0 || b&lpNoError == 0,
	}
}

// Merge returns the status with the faults of both s and t.
func (s Status) Merge(t Status) Status {
	return Status{
		PaperOut:     s.PaperOut || t.PaperOut,
		PaperNearEnd: s.PaperNearEnd || t.PaperNearEnd,
		CoverOpen:    s.CoverOpen || t.CoverOpen,
		Offline:      s.Offline || t.Offline,
		CutterError:  s.CutterError || t.CutterError,
	}
}

// Err returns the faults that stop printing, joined, or nil. Offline is only
// reported when no cause (paper, cover, cutter) explains it. Paper near end
// is a warning, not a fault.
func (s Status) Err() error {
	var errs []error
	if s.PaperOut {
		errs = append(errs, ErrPaperOut)
	}
	if s.CoverOpen {
		errs = append(errs, ErrCoverOpen)
	}
	if s.CutterError {
		errs = append(errs, ErrCutter)
	}
	if s.Offline && len(errs) == 0 {
		errs = append(errs, ErrOffline)
	}
	return errors.Join(errs...)
}

func (s Status) String() string {
	var parts []string
	for _, f := range []struct {
		on   bool
		name string
	}{
		{s.PaperOut, "paper out"}, {s.PaperNearEnd, "paper near end"}, {s.CoverOpen, "cover open"},
		{s.Offline, "offline"}, {s.CutterError, "cutter error"},
	} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	if len(parts) == 0 {
		return "ready"
	}
	return strings.Join(parts, ", ")
}
