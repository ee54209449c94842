package kms

import (
	"image"

	"onetrip/hal/evdev"
	"onetrip/ui/rotate"
)

// TouchMap takes a touch from the touchscreen to the logical pixel under
// the finger, the same way the picture went out: device units onto the
// display mode's pixels (the board's calibration, else the device's own
// range), the panel's corner of the mode, and the rotation undone with
// rotate's FromPanel.
type TouchMap struct {
	X, Y    *evdev.Axis // the board's calibration; nil takes the device's range
	Mode    image.Point // the display mode the touchscreen covers
	Rot     rotate.Rotation
	Logical image.Point // the upright screen's size
}

// Point is the logical pixel a touch at (x, y) device units of the device
// described by info lands on.
func (m TouchMap) Point(x, y int32, info evdev.Info) image.Point {
	cal := evdev.Calibration{X: info.X, Y: info.Y, Panel: m.Mode}
	if m.X != nil {
		cal.X = *m.X
	}
	if m.Y != nil {
		cal.Y = *m.Y
	}
	panel := m.Rot.Size(m.Logical)
	p := cal.Pixel(x, y)
	p = image.Pt(min(p.X, panel.X-1), min(p.Y, panel.Y-1))
	return m.Rot.FromPanel(p, m.Logical)
}
