// Package boards describes the boards onetrip runs on as data: GPIO chips,
// display, backlight, buttons, lamps, buzzer, I2C devices, ID-card reader
// and printer. One TOML file per board; the files are compiled in and
// checked when loaded, and errors name the file, the line and the problem.
// Which board a host is comes from detect.toml (see Detect).
package boards

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"onetrip/firmware/tomlpos"
)

//go:embed *.toml
var files embed.FS

// detectFile holds the detection rules; every other .toml file is a board.
const detectFile = "detect.toml"

// Board is one board's hardware.
type Board struct {
	Name        string    `toml:"name"`
	Description string    `toml:"description"`
	Arch        string    `toml:"arch"`     // one of Arches; "" on the simulated board, which is the host's
	Chips       []Chip    `toml:"gpiochip"` // none on the simulated board
	Display     Display   `toml:"display"`
	Backlight   Backlight `toml:"backlight"`
	Buttons     []Button  `toml:"button"`
	Lamps       []Lamp    `toml:"lamp"`
	Buzzer      Buzzer    `toml:"buzzer"`
	I2C         I2C       `toml:"i2c"`
	IDCard      Device    `toml:"idcard"`
	Printer     Device    `toml:"printer"`
}

// Chip is a GPIO chip of the board. Label is the kernel's name for the
// controller; it finds the chip when a kernel numbers chips differently
// (Pi 5 kernels before 6.6.45 called the header's chip gpiochip4).
type Chip struct {
	Name  string `toml:"name"`  // device name: gpiochip0 is /dev/gpiochip0
	Label string `toml:"label"` // e.g. pinctrl-bcm2711, pinctrl-rp1
	Lines int    `toml:"lines"` // pins pass lines 0 to Lines-1
}

// Display is the screen: its size in pixels as mounted, the rotation from
// the panel's native orientation, and how touches arrive.
type Display struct {
	Width    int    `toml:"width"`
	Height   int    `toml:"height"`
	Rotation int    `toml:"rotation"` // 0, 90, 180 or 270
	Touch    string `toml:"touch"`    // "pointer": as mouse events (X11/evdev emulation); "evdev": read directly; "none"
	// TouchDevice is the evdev node ("/dev/input/event0"); "" finds the
	// first touchscreen. TouchX and TouchY calibrate: the device units at
	// the panel's left and right (top and bottom) edges, reversed for a
	// mirrored panel; empty takes the device's own range.
	TouchDevice string `toml:"touch_device"`
	TouchX      []int  `toml:"touch_x"`
	TouchY      []int  `toml:"touch_y"`
	// Presenter is how frames reach the panel: "gl" or "shm" (a window on
	// the X server), "drm" (the display taken directly, no desktop); ""
	// leaves the choice to the firmware.
	Presenter string `toml:"presenter"`
}

// Backlight is the panel's backlight in /sys/class/backlight. Name is ""
// when the panel has none there (HDMI panels).
type Backlight struct {
	Name              string `toml:"name"`                // e.g. "10-0045"
	BlankAfterMinutes int    `toml:"blank_after_minutes"` // idle time before blanking; 0 never
}

// Pin is one GPIO line. Chip is "" on the simulated board.
type Pin struct {
	Chip      string `toml:"chip"`
	Line      int    `toml:"line"`
	ActiveLow bool   `toml:"active_low"` // on (pressed, lit) is the low level
}

// Button is a physical button. Key is the keyboard key standing in for it
// when a keyboard is attached (the simulated board).
type Button struct {
	Name string `toml:"name"`
	Key  string `toml:"key"`
	Pin
	Debounce   time.Duration `toml:"debounce"`    // a level counts once stable this long
	LongPress  time.Duration `toml:"long_press"`  // 0: no long press (the service button uses 5 s)
	StuckAfter time.Duration `toml:"stuck_after"` // 0: never reported stuck
}

// Lamp is an indicator lamp.
type Lamp struct {
	Name string `toml:"name"`
	Pin
}

// Buzzer is the beeper.
type Buzzer struct {
	Enabled bool `toml:"enabled"`
	Pin
}

// I2C is the board's I2C bus and the devices on it.
type I2C struct {
	Bus     string      `toml:"bus"` // "/dev/i2c-1" or "1"; loaded boards hold the /dev form
	Devices []I2CDevice `toml:"device"`
}

// I2CDevice is one device on an I2C bus.
type I2CDevice struct {
	Kind    string `toml:"kind"` // a key of i2cAddresses
	Address int    `toml:"address"`
	Bus     string `toml:"bus"` // "" in the file: the [i2c] bus; loaded boards always hold it
}

// Device is the ID-card reader or the printer: a driver and where it is
// attached. Which fields a driver uses is listed in driverKeys.
type Device struct {
	Driver  string `toml:"driver"`
	Port    string `toml:"port"`    // ga467: serial port
	Baud    int    `toml:"baud"`    // ga467: 0 finds the module's speed
	Spec    string `toml:"device"`  // escpos: e.g. "escpos:/dev/usb/lp0?profile=80mm", parsed by hal/escpos
	Profile string `toml:"profile"` // printer profile (hal/escpos/profiles); escpos may name it in Spec
	Bus     string `toml:"-"`       // pn532: I2C bus, from the board's pn532 [[i2c.device]]
	Address int    `toml:"-"`       // pn532: I2C address
}

// Names lists the boards compiled in.
func Names() []string {
	m, _ := fs.Glob(files, "*.toml")
	m = slices.DeleteFunc(m, func(f string) bool { return f == detectFile })
	for i := range m {
		m[i] = strings.TrimSuffix(m[i], ".toml")
	}
	slices.Sort(m)
	return m
}

// Load returns the named board.
func Load(name string) (*Board, error) {
	if !slices.Contains(Names(), name) {
		return nil, fmt.Errorf("board %q: unknown (known boards: %s)", name, strings.Join(Names(), ", "))
	}
	src, err := files.ReadFile(name + ".toml")
	if err != nil {
		return nil, err
	}
	return Parse(name+".toml", src)
}

// Parse decodes and checks a board file. The first problem found is
// returned as "board FILE:LINE: problem".
func Parse(file string, src []byte) (*Board, error) {
	var b Board
	f := tomlpos.New(file, src)
	md, err := f.Decode(&b)
	if err != nil {
		return nil, fmt.Errorf("board %w", err)
	}
	c := &checker{f: f, md: md}
	for _, check := range []func(*Board) error{c.name, c.arch, c.display, c.backlight, c.gpio, c.i2c, c.idcard, c.printer} {
		if err := check(&b); err != nil {
			return nil, err
		}
	}
	return &b, nil
}

// ButtonForKey returns the button a keyboard key stands for.
func (b *Board) ButtonForKey(key string) (string, bool) {
	for _, btn := range b.Buttons {
		if btn.Key != "" && strings.EqualFold(btn.Key, key) {
			return btn.Name, true
		}
	}
	return "", false
}

// touchModes are the ways a display's touches can reach onetrip. GLFW has
// no touch API, so in a window touches come as an emulated pointer; with
// the drm presenter they are read from evdev.
var touchModes = []string{"pointer", "evdev", "none"}

// Arches are the processors a board's release is built for: "armv7" is a
// 32-bit ARM userland (GOARM=7, Debian armhf) even on a 64-bit chip.
var Arches = []string{"arm64", "armv7", "amd64"}

// Presenters are the ways a board may show frames (Display.Presenter).
var Presenters = []string{"gl", "shm", "drm"}

var (
	chipName      = regexp.MustCompile(`^gpiochip[0-9]+$`)
	backlightName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	i2cBus        = regexp.MustCompile(`^(/dev/i2c-)?([0-9]+)$`)
)

// i2cAddresses lists the I2C devices onetrip drives and the addresses each
// can answer at.
var i2cAddresses = map[string][]int{
	"hat-eeprom": {0x50},       // HAT ID EEPROM (24C32) on the ID pins
	"bh1750":     {0x23, 0x5c}, // ambient light sensor; ADDR pin low or high
	"pn532":      {0x24},       // NFC front end in I2C mode
}

// checker checks one decoded board file and words its problems.
type checker struct {
	f  *tomlpos.File
	md toml.MetaData
}

func (c *checker) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("board %w", c.f.Errorf(line, format, args...))
}

func (c *checker) name(b *Board) error {
	if want := strings.TrimSuffix(path.Base(c.f.Name()), ".toml"); b.Name != want {
		return c.errorf(c.f.Line("", 0, "name"), "name %q does not match the file name (want %q)", b.Name, want)
	}
	return nil
}

// arch checks the board's processor: a board with GPIO chips is hardware
// and needs one to be released for.
func (c *checker) arch(b *Board) error {
	switch {
	case b.Arch != "" && !slices.Contains(Arches, b.Arch):
		return c.errorf(c.f.Line("", 0, "arch"), "arch %q must be one of %s", b.Arch, strings.Join(Arches, ", "))
	case b.Arch == "" && len(b.Chips) > 0:
		return c.errorf(c.f.Line("", 0, "name"), "board %s has GPIO chips but no arch (one of %s)", b.Name, strings.Join(Arches, ", "))
	}
	return nil
}

func (c *checker) display(b *Board) error {
	d := b.Display
	switch {
	case d.Width < 320 || d.Height < 240:
		return c.errorf(c.f.Line("display", 0, "width"), "display %dx%d is too small", d.Width, d.Height)
	case d.Rotation%90 != 0 || d.Rotation < 0 || d.Rotation > 270:
		return c.errorf(c.f.Line("display", 0, "rotation"), "display rotation %d must be 0, 90, 180 or 270", d.Rotation)
	case !slices.Contains(touchModes, d.Touch):
		return c.errorf(c.f.Line("display", 0, "touch"), "display touch %q must be one of %s", d.Touch, strings.Join(touchModes, ", "))
	case d.Presenter != "" && !slices.Contains(Presenters, d.Presenter):
		return c.errorf(c.f.Line("display", 0, "presenter"), "display presenter %q must be one of %s", d.Presenter, strings.Join(Presenters, ", "))
	case d.Touch == "evdev" && d.Presenter != "drm":
		return c.errorf(c.f.Line("display", 0, "touch"), "display touch \"evdev\" needs presenter = \"drm\" (a window gets touches as a pointer)")
	case d.TouchDevice != "" && !strings.HasPrefix(d.TouchDevice, "/dev/input/"):
		return c.errorf(c.f.Line("display", 0, "touch_device"), "display touch_device %q must be a /dev/input/ node", d.TouchDevice)
	}
	for _, k := range []string{"touch_device", "touch_x", "touch_y"} {
		if c.md.IsDefined("display", k) && d.Touch != "evdev" {
			return c.errorf(c.f.Line("display", 0, k), "display %s is only read with touch = \"evdev\"", k)
		}
	}
	for _, a := range []struct {
		key string
		v   []int
	}{{"touch_x", d.TouchX}, {"touch_y", d.TouchY}} {
		if c.md.IsDefined("display", a.key) && (len(a.v) != 2 || a.v[0] == a.v[1]) {
			return c.errorf(c.f.Line("display", 0, a.key), "display %s %v must be two different device units, [edge, other edge]", a.key, a.v)
		}
	}
	return nil
}

func (c *checker) backlight(b *Board) error {
	bl := b.Backlight
	switch {
	case c.md.IsDefined("backlight") && bl.Name == "":
		return c.errorf(c.f.Line("backlight", 0, "name"), "[backlight] needs name, its directory in /sys/class/backlight")
	case bl.Name != "" && !backlightName.MatchString(bl.Name):
		return c.errorf(c.f.Line("backlight", 0, "name"), "backlight name %q is not a directory name in /sys/class/backlight", bl.Name)
	case bl.BlankAfterMinutes < 0:
		return c.errorf(c.f.Line("backlight", 0, "blank_after_minutes"), "blank_after_minutes %d is negative", bl.BlankAfterMinutes)
	}
	return nil
}

// pinUser is who uses a GPIO line, for naming both users of a line.
type pinUser struct {
	who  string
	line int // in the file
}

// gpio checks the chips and every pin: known chip, line on it, no line
// used twice, unique names and keys, sensible durations.
func (c *checker) gpio(b *Board) error {
	chips := map[string]Chip{}
	for i, ch := range b.Chips {
		switch {
		case !chipName.MatchString(ch.Name):
			return c.errorf(c.f.Line("gpiochip", i, "name"), "gpiochip name %q must look like gpiochip0", ch.Name)
		case chips[ch.Name].Name != "":
			return c.errorf(c.f.Line("gpiochip", i, "name"), "gpiochip %s is defined twice", ch.Name)
		case ch.Lines <= 0:
			return c.errorf(c.f.Line("gpiochip", i, "lines"), "gpiochip %s needs its number of lines", ch.Name)
		}
		chips[ch.Name] = ch
	}
	used := map[Pin]pinUser{}
	names := map[string]bool{}
	keys := map[string]string{}
	for i, btn := range b.Buttons {
		who := fmt.Sprintf("button %q", btn.Name)
		if err := c.unique("button", i, btn.Name, names); err != nil {
			return err
		}
		if k := strings.ToUpper(btn.Key); k != "" {
			if other, dup := keys[k]; dup {
				return c.errorf(c.f.Line("button", i, "key"), "%s: key %q is already button %q's", who, btn.Key, other)
			}
			keys[k] = btn.Name
		}
		if err := c.pin(who, "button", i, btn.Pin, chips, used); err != nil {
			return err
		}
		if err := c.durations(who, i, btn); err != nil {
			return err
		}
	}
	for i, l := range b.Lamps {
		if err := c.unique("lamp", i, l.Name, names); err != nil {
			return err
		}
		if err := c.pin(fmt.Sprintf("lamp %q", l.Name), "lamp", i, l.Pin, chips, used); err != nil {
			return err
		}
	}
	if b.Buzzer.Enabled || c.md.IsDefined("buzzer", "chip") || c.md.IsDefined("buzzer", "line") {
		return c.pin("buzzer", "buzzer", 0, b.Buzzer.Pin, chips, used)
	}
	return nil
}

// unique checks that the occ-th [[table]] has a name not used before by
// another of its kind.
func (c *checker) unique(table string, occ int, name string, names map[string]bool) error {
	line := c.f.Line(table, occ, "name")
	switch {
	case name == "":
		return c.errorf(line, "%s has no name", table)
	case names[table+" "+name]:
		return c.errorf(line, "%s %q is defined twice", table, name)
	}
	names[table+" "+name] = true
	return nil
}

// pin checks one user's pin. On a board without GPIO chips (simulated)
// pins are not wired; on any other board they must be.
func (c *checker) pin(who, table string, occ int, p Pin, chips map[string]Chip, used map[Pin]pinUser) error {
	hasChip, hasLine := c.f.Has(table, occ, "chip"), c.f.Has(table, occ, "line")
	switch {
	case !hasChip && !hasLine && len(chips) == 0:
		return nil
	case !hasChip:
		return c.errorf(c.f.Line(table, occ, "line"), "%s has no chip", who)
	case !hasLine:
		return c.errorf(c.f.Line(table, occ, "chip"), "%s has no line", who)
	}
	ch, ok := chips[p.Chip]
	if !ok {
		return c.errorf(c.f.Line(table, occ, "chip"), "%s: unknown chip %q (this board's chips: %s)", who, p.Chip, chipList(chips))
	}
	line := c.f.Line(table, occ, "line")
	if p.Line < 0 || p.Line >= ch.Lines {
		return c.errorf(line, "%s: unknown pin: line %d is not on %s (lines 0-%d)", who, p.Line, p.Chip, ch.Lines-1)
	}
	at := Pin{Chip: p.Chip, Line: p.Line}
	if other, dup := used[at]; dup {
		return c.errorf(line, "%s: %s line %d is already used by %s (line %d)", who, p.Chip, p.Line, other.who, other.line)
	}
	used[at] = pinUser{who, line}
	return nil
}

func chipList(chips map[string]Chip) string {
	if len(chips) == 0 {
		return "none"
	}
	var names []string
	for n := range chips {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (c *checker) durations(who string, occ int, btn Button) error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"debounce", btn.Debounce}, {"long_press", btn.LongPress}, {"stuck_after", btn.StuckAfter}} {
		if d.v < 0 {
			return c.errorf(c.f.Line("button", occ, d.key), "%s: %s %v is negative", who, d.key, d.v)
		}
	}
	switch {
	case btn.LongPress != 0 && btn.LongPress <= btn.Debounce:
		return c.errorf(c.f.Line("button", occ, "long_press"), "%s: long_press %v must be longer than debounce %v", who, btn.LongPress, btn.Debounce)
	case btn.StuckAfter != 0 && btn.StuckAfter <= max(btn.LongPress, btn.Debounce):
		return c.errorf(c.f.Line("button", occ, "stuck_after"), "%s: stuck_after %v must be longer than long_press and debounce", who, btn.StuckAfter)
	}
	return nil
}

// normalBus returns an I2C bus ("1" or "/dev/i2c-1") as its device path.
func normalBus(bus string) (string, error) {
	m := i2cBus.FindStringSubmatch(bus)
	if m == nil {
		return "", fmt.Errorf("i2c bus %q must be a number or /dev/i2c-N", bus)
	}
	return "/dev/i2c-" + m[2], nil
}

func (c *checker) i2c(b *Board) error {
	if b.I2C.Bus != "" {
		bus, err := normalBus(b.I2C.Bus)
		if err != nil {
			return c.errorf(c.f.Line("i2c", 0, "bus"), "%v", err)
		}
		b.I2C.Bus = bus
	}
	type user struct {
		kind string
		line int
	}
	used := map[string]user{}
	for i := range b.I2C.Devices {
		d := &b.I2C.Devices[i]
		addrs, ok := i2cAddresses[d.Kind]
		if !ok {
			return c.errorf(c.f.Line("i2c.device", i, "kind"), "i2c device kind %q is unknown (want %s)", d.Kind, strings.Join(sortedKeys(i2cAddresses), ", "))
		}
		switch {
		case d.Bus != "":
			bus, err := normalBus(d.Bus)
			if err != nil {
				return c.errorf(c.f.Line("i2c.device", i, "bus"), "%s: %v", d.Kind, err)
			}
			d.Bus = bus
		case b.I2C.Bus == "":
			return c.errorf(c.f.Line("i2c.device", i, "kind"), "i2c device %s has no bus: set [i2c] bus or its own bus", d.Kind)
		default:
			d.Bus = b.I2C.Bus
		}
		line := c.f.Line("i2c.device", i, "address")
		if !slices.Contains(addrs, d.Address) {
			return c.errorf(line, "i2c device %s answers at %s, not %#02x", d.Kind, hexList(addrs), d.Address)
		}
		at := fmt.Sprintf("%s address %#02x", d.Bus, d.Address)
		if other, dup := used[at]; dup {
			return c.errorf(line, "i2c device %s: %s is already used by %s (line %d)", d.Kind, at, other.kind, other.line)
		}
		used[at] = user{d.Kind, line}
	}
	return nil
}

func hexList(addrs []int) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = fmt.Sprintf("%#02x", a)
	}
	return strings.Join(s, " or ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// driver checks that a device table names a known driver and sets only the
// keys that driver reads.
func (c *checker) driver(kind string, d Device) error {
	drivers := driverKeys[kind]
	keys, ok := drivers[d.Driver]
	if !ok {
		return c.errorf(c.f.Line(kind, 0, "driver"), "[%s] driver %q is unknown (want %s)", kind, d.Driver, strings.Join(sortedKeys(drivers), ", "))
	}
	for _, k := range deviceKeys {
		if c.md.IsDefined(kind, k) && !slices.Contains(keys, k) {
			return c.errorf(c.f.Line(kind, 0, k), "[%s] driver %s does not use %s", kind, d.Driver, k)
		}
	}
	return nil
}

func (c *checker) idcard(b *Board) error {
	d := &b.IDCard
	if err := c.driver("idcard", *d); err != nil {
		return err
	}
	switch d.Driver {
	case "ga467":
		if err := checkPort(d.Port); err != nil {
			return c.errorf(c.f.Line("idcard", 0, "port"), "[idcard] %v", err)
		}
		if err := checkBaud(d.Baud, true); err != nil {
			return c.errorf(c.f.Line("idcard", 0, "baud"), "[idcard] %v", err)
		}
	case "pn532":
		var found []I2CDevice
		for _, dev := range b.I2C.Devices {
			if dev.Kind == "pn532" {
				found = append(found, dev)
			}
		}
		if len(found) != 1 {
			return c.errorf(c.f.Line("idcard", 0, "driver"), "[idcard] driver pn532 needs exactly one [[i2c.device]] of kind pn532 (found %d)", len(found))
		}
		d.Bus, d.Address = found[0].Bus, found[0].Address
	}
	return nil
}

func (c *checker) printer(b *Board) error {
	d := &b.Printer
	if err := c.driver("printer", *d); err != nil {
		return err
	}
	if d.Driver == "escpos" {
		if d.Spec == "" {
			return c.errorf(c.f.Line("printer", 0, "driver"), "[printer] driver escpos needs device, e.g. %q", "escpos:/dev/usb/lp0?profile=80mm")
		}
		profile, err := checkPrinterSpec(d.Spec)
		if err != nil {
			return c.errorf(c.f.Line("printer", 0, "device"), "[printer] %v", err)
		}
		if profile != "" && d.Profile != "" && profile != d.Profile {
			return c.errorf(c.f.Line("printer", 0, "profile"), "[printer] profile %q differs from the device's profile %q", d.Profile, profile)
		}
		if profile != "" {
			d.Profile = profile
		}
	}
	if d.Profile == "" {
		return c.errorf(c.f.Line("printer", 0, ""), "[printer] needs a profile (profile = \"80mm\", or ?profile= in device)")
	}
	return nil
}
