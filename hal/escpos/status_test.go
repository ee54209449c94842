package escpos

import (
	"errors"
	"testing"
)

func TestParseStatusReferenceReplies(t *testing.T) {
	for _, tc := range []struct {
		n    int
		b    byte
		want Status
	}{
		{1, 0x12, Status{}},
		{1, 0x1a, Status{Offline: true}},
		{2, 0x12, Status{}},
		{2, 0x16, Status{CoverOpen: true}},
		{2, 0x32, Status{PaperOut: true}},
		{3, 0x1a, Status{CutterError: true}},
		{3, 0x32, Status{}},
		{4, 0x12, Status{}},
		{4, 0x1e, Status{PaperNearEnd: true}},
		{4, 0x72, Status{PaperOut: true}},
		{4, 0x7e, Status{PaperOut: true, PaperNearEnd: true}},
	} {
		got, err := ParseStatus(tc.n, tc.b)
		if err != nil || got != tc.want {
			t.Errorf("ParseStatus(%d, 0x%02X) = %+v, %v; want %+v", tc.n, tc.b, got, err, tc.want)
		}
	}
}

func TestParseStatusRejectsNonStatusBytes(t *testing.T) {
	for _, b := range []byte{0x00, 0x11, 0x13, 0x10, 0x92, 0x5f} { // ASB header, XON, XOFF, block reply…
		if s, err := ParseStatus(1, b); err == nil {
			t.Errorf("ParseStatus(1, 0x%02X) = %v, want an error", b, s)
		}
	}
	if _, err := ParseStatus(5, 0x12); err == nil {
		t.Error("ParseStatus(5, …) accepted n = 5")
	}
}

func TestStatusErr(t *testing.T) {
	ready := Status{}
	if err := ready.Err(); err != nil {
		t.Errorf("ready printer: Err() = %v", err)
	}
	if err := (Status{PaperNearEnd: true}).Err(); err != nil {
		t.Errorf("paper near end is a warning, Err() = %v", err)
	}
	// A printer out of paper is also offline: the cause is what matters.
	paperOut := Status{Offline: true}.Merge(Status{PaperOut: true})
	err := paperOut.Err()
	if !errors.Is(err, ErrPaperOut) || errors.Is(err, ErrOffline) {
		t.Errorf("offline for paper end: Err() = %v, want ErrPaperOut only", err)
	}
	both := Status{CoverOpen: true, CutterError: true}.Err()
	if !errors.Is(both, ErrCoverOpen) || !errors.Is(both, ErrCutter) {
		t.Errorf("cover open and cutter jam: Err() = %v, want both", both)
	}
	if err := (Status{Offline: true}).Err(); !errors.Is(err, ErrOffline) {
		t.Errorf("offline without a cause: Err() = %v, want ErrOffline", err)
	}
	if got := paperOut.String(); got != "paper out, offline" {
		t.Errorf("String() = %q", got)
	}
	if got := ready.String(); got != "ready" {
		t.Errorf("String() = %q", got)
	}
}
