package light

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Screen is what a Controller drives; Backlight is one.
type Screen interface {
	Set(fraction float64) error
	Blank(on bool) error
}

// Point is one point of a Curve: the backlight Level (0–1) wanted at Lux.
type Point struct{ Lux, Level float64 }

// Curve maps ambient light to backlight level through points sorted by lux,
// interpolated linearly between them and held flat beyond the ends.
type Curve []Point

// DefaultCurve is dim in a dark hall at night, comfortable under hall lighting
// (300–500 lx) and full by a sunny window.
var DefaultCurve = Curve{
	{Lux: 0, Level: 0.15},
	{Lux: 20, Level: 0.25},
	{Lux: 150, Level: 0.45},
	{Lux: 500, Level: 0.70},
	{Lux: 2000, Level: 1.00},
}

// At is the level the curve gives at lux.
func (c Curve) At(lux float64) float64 {
	if lux <= c[0].Lux {
		return c[0].Level
	}
	for i := 1; i < len(c); i++ {
		if lux <= c[i].Lux {
			a, b := c[i-1], c[i]
			return a.Level + (b.Level-a.Level)*(lux-a.Lux)/(b.Lux-a.Lux)
		}
	}
	return c[len(c)-1].Level
}

func (c Curve) check() error {
	if len(c) == 0 {
		return errors.New("light: empty curve")
	}
	for i, p := range c {
		if p.Level < 0 || p.Level > 1 || (i > 0 && p.Lux <= c[i-1].Lux) {
			return fmt.Errorf("light: curve point %d %+v: lux must rise and levels lie in [0, 1]", i, p)
		}
	}
	return nil
}

// Config tunes a Controller.
type Config struct {
	Curve      Curve         // DefaultCurve if nil
	Smoothing  time.Duration // time constant of the brightness's response to light; 10 s if zero
	BlankAfter time.Duration // idle time before the screen is blanked; never if zero
}

// minChange is the smallest brightness change written: smaller drifts are not seen
// and would only keep the backlight busy.
const minChange = 0.02

// Controller sets the screen's brightness from ambient light and blanks it when idle.
// It keeps no clock: the caller passes the time to Touch and Tick. It is not safe for
// concurrent use; the kiosk loop owns it.
type Controller struct {
	screen     Screen
	curve      Curve
	smoothing  time.Duration
	blankAfter time.Duration

	level   float64   // smoothed brightness; NaN until a lux is known
	written float64   // brightness last written; NaN before the first write
	ticked  time.Time // time of the last Tick
	active  time.Time // time of the last touch, or of the first Tick
	blank   bool      // the screen is blanked, as last written
}

// NewController drives screen as cfg says. It writes nothing until the first Tick.
func NewController(screen Screen, cfg Config) (*Controller, error) {
	c := &Controller{screen: screen, curve: cfg.Curve, smoothing: cfg.Smoothing, blankAfter: cfg.BlankAfter, level: math.NaN(), written: math.NaN()}
	if c.curve == nil {
		c.curve = DefaultCurve
	}
	if c.smoothing <= 0 {
		c.smoothing = 10 * time.Second
	}
	if err := c.curve.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// Touch records activity at now. It reports whether the screen was blank: that
// touch only wakes the screen, and the kiosk must not act on it.
func (c *Controller) Touch(now time.Time) (wake bool) {
	c.active = now
	if !c.blank {
		return false
	}
	// A failed write leaves the screen dark: the next touch wakes again and the next
	// Tick retries and reports the error.
	if c.screen.Blank(false) == nil {
		c.blank = false
	}
	return true
}

// Tick moves the brightness towards what lux asks for and blanks an idle screen.
// The first lux sets the brightness at once; later ones move it with the configured
// time constant, so a flash or a passing shadow barely shows. A NaN lux (the sensor
// could not be read) keeps the brightness. The idle time counts from the first Tick
// until the first Touch.
func (c *Controller) Tick(now time.Time, lux float64) error {
	if c.active.IsZero() {
		c.active = now
	}
	switch target := c.curve.At(lux); {
	case math.IsNaN(lux):
	case math.IsNaN(c.level):
		c.level = target
	default:
		c.level += (target - c.level) * (1 - math.Exp(-now.Sub(c.ticked).Seconds()/c.smoothing.Seconds()))
	}
	c.ticked = now

	var errs []error
	known, unwritten := !math.IsNaN(c.level), math.IsNaN(c.written)
	if known && (unwritten || math.Abs(c.level-c.written) >= minChange) {
		if err := c.screen.Set(c.level); err != nil {
			errs = append(errs, err)
		} else {
			c.written = c.level
		}
	}
	if idle := c.blankAfter > 0 && now.Sub(c.active) >= c.blankAfter; idle != c.blank {
		if err := c.screen.Blank(idle); err != nil {
			errs = append(errs, err)
		} else {
			c.blank = idle
		}
	}
	return errors.Join(errs...)
}
