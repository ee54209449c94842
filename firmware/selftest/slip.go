package selftest

import (
	"time"

	"golang.org/x/image/font"

	"onetrip/hal/escpos"
	"onetrip/ui/paper"
)

// qrModuleDots is the size of one QR module on the test slip: the
// identity's code stays under 60 mm wide on every profile.
const qrModuleDots = 4

// TestSlip is the print job of the test slip: the identity in words and as
// a QR code, the time, and a ruler line to check the print width.
func TestSlip(id Identity, at time.Time, p escpos.Profile, face func(px float64) font.Face) ([]byte, error) {
	return paper.Print(p, face, "test slip", func(e *escpos.Encoder, p escpos.Profile) error {
		e.Align(escpos.Centre)
		e.Bold(true)
		e.Line("onetrip 自检 self-test")
		e.Bold(false)
		e.Align(escpos.Left)
		for _, l := range []string{
			"board    " + id.Board, "terminal " + id.Terminal, "firmware " + id.Version + " " + short(id.Commit),
			"hall     " + id.Hall, "serial   " + id.Serial, "time     " + at.Format("2006-01-02 15:04:05"),
		} {
			e.Line(l)
		}
		e.Line(ruler(p.Columns))
		e.Align(escpos.Centre)
		e.Feed(1)
		if err := e.QR(id.Payload(), qrModuleDots, escpos.ECMedium); err != nil {
			return err
		}
		e.Feed(3)
		return nil
	})
}

// ruler is a line of the profile's full width: 1234567890 repeated.
func ruler(cols int) string {
	b := make([]byte, cols)
	for i := range b {
		b[i] = byte('0' + (i+1)%10)
	}
	return string(b)
}
