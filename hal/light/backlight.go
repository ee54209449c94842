package light

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// bl_power values (the kernel's FB_BLANK_UNBLANK and FB_BLANK_POWERDOWN).
const (
	powerOn  = 0
	powerOff = 4
)

// Backlight is a Linux backlight device: a /sys/class/backlight/<name> directory.
type Backlight struct {
	dir string
	max int
}

// OpenBacklight opens the backlight whose sysfs directory is dir, reading its
// max_brightness.
func OpenBacklight(dir string) (*Backlight, error) {
	b, err := os.ReadFile(filepath.Join(dir, "max_brightness"))
	if err != nil {
		return nil, fmt.Errorf("backlight: %w", err)
	}
	max, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || max <= 0 {
		return nil, fmt.Errorf("backlight %s: max_brightness %q is not a positive integer", dir, strings.TrimSpace(string(b)))
	}
	return &Backlight{dir: dir, max: max}, nil
}

// Set sets the brightness to fraction of the maximum, clamped to [0, 1] and rounded
// to the device's steps.
func (b *Backlight) Set(fraction float64) error {
	if math.IsNaN(fraction) {
		return fmt.Errorf("backlight %s: brightness is NaN", b.dir)
	}
	return b.write("brightness", int(math.Round(min(max(fraction, 0), 1)*float64(b.max))))
}

// Blank turns the backlight off (on is true) or back on.
func (b *Backlight) Blank(on bool) error {
	if on {
		return b.write("bl_power", powerOff)
	}
	return b.write("bl_power", powerOn)
}

// write writes v to an existing attribute file; it never creates one.
func (b *Backlight) write(name string, v int) error {
	f, err := os.OpenFile(filepath.Join(b.dir, name), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("backlight: %w", err)
	}
	_, err = f.WriteString(strconv.Itoa(v) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backlight %s: writing %s: %w", b.dir, name, err)
	}
	return nil
}
