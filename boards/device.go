package boards

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// driverKeys lists, for each device kind, its drivers and the keys of its
// table each driver reads; any other key set for the driver is an error.
var driverKeys = map[string]map[string][]string{
	"idcard": {
		"sim":   nil,
		"ga467": {"port", "baud"}, // GA 467 SAM module on a serial port
		"pn532": nil,              // takes its bus and address from [[i2c.device]] kind pn532
	},
	"printer": {
		"sim":    {"profile"},
		"escpos": {"device", "profile"},
	},
}

// deviceKeys are the keys a device table may hold.
var deviceKeys = []string{"port", "baud", "device", "profile"}

// bauds are the serial speeds of GA 467 modules and serial printers.
var bauds = []int{9600, 19200, 38400, 57600, 115200}

// printerOptions are the query keys of a printer device spec, per scheme.
var printerOptions = map[string][]string{
	"escpos":     {"profile", "baud"}, // escpos:/dev/usb/lp0?profile=80mm, escpos:/dev/ttyAMA0?profile=58mm&baud=9600
	"escpos+tcp": {"profile"},         // escpos+tcp://192.0.2.10:9100?profile=80mm
}

// checkPort checks a GA 467 reader's serial port.
func checkPort(port string) error {
	if port == "" {
		return fmt.Errorf("driver ga467 needs a serial port, e.g. /dev/ttyUSB0")
	}
	if !path.IsAbs(port) {
		return fmt.Errorf("ga467 port %q is not an absolute device path", port)
	}
	return nil
}

// checkBaud checks a serial speed; auto allows 0, "find the speed at start".
func checkBaud(baud int, auto bool) error {
	if (auto && baud == 0) || slices.Contains(bauds, baud) {
		return nil
	}
	want := fmt.Sprint(bauds)
	if auto {
		want = "0 (find it) or " + want
	}
	return fmt.Errorf("baud %d is not one of %s", baud, want)
}

// checkPrinterSpec checks an escpos device spec and returns the profile it
// names, "" if none. The spec itself is kept whole for hal/escpos.
func checkPrinterSpec(spec string) (profile string, err error) {
	u, err := url.Parse(spec)
	if err != nil {
		return "", fmt.Errorf("device %q: %v", spec, err)
	}
	opts, ok := printerOptions[u.Scheme]
	if !ok {
		return "", fmt.Errorf("device %q: want escpos:/dev/PATH or escpos+tcp://HOST:PORT", spec)
	}
	if u.Scheme == "escpos+tcp" {
		port, err := strconv.Atoi(u.Port())
		if u.Hostname() == "" || err != nil || port < 1 || port > 65535 || (u.Path != "" && u.Path != "/") {
			return "", fmt.Errorf("device %q: want escpos+tcp://HOST:PORT, e.g. escpos+tcp://192.0.2.10:9100", spec)
		}
	} else if !path.IsAbs(u.Path) || u.Host != "" {
		return "", fmt.Errorf("device %q: want an absolute device path, e.g. escpos:/dev/usb/lp0", spec)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("device %q: %v", spec, err)
	}
	for k, v := range q {
		switch {
		case !slices.Contains(opts, k):
			return "", fmt.Errorf("device %q: unknown option %q (want %s)", spec, k, strings.Join(opts, ", "))
		case len(v) != 1 || v[0] == "":
			return "", fmt.Errorf("device %q: option %s needs one value", spec, k)
		}
	}
	if b := q.Get("baud"); b != "" {
		n, err := strconv.Atoi(b)
		if err == nil {
			err = checkBaud(n, false)
		}
		if err != nil {
			return "", fmt.Errorf("device %q: %v", spec, err)
		}
	}
	return q.Get("profile"), nil
}

// Override points the board's "idcard" or "printer" at another device, as
// given on the command line:
//
//	idcard:  sim | ga467:/dev/ttyUSB0[?baud=115200] | pn532[:BUS]
//	printer: sim | escpos:/dev/usb/lp0[?profile=80mm][&baud=9600] | escpos+tcp://HOST:PORT[?profile=80mm]
//
// A printer keeps its profile unless the spec names one. pn532 without a bus
// uses the board's pn532 I2C device. The board is left as it was on error.
func (b *Board) Override(kind, spec string) error {
	var err error
	switch kind {
	case "idcard":
		err = b.overrideIDCard(spec)
	case "printer":
		err = b.overridePrinter(spec)
	default:
		return fmt.Errorf("override %s: no such device (want idcard or printer)", kind)
	}
	if err != nil {
		return fmt.Errorf("--%s %q: %v", kind, spec, err)
	}
	return nil
}

func (b *Board) overrideIDCard(spec string) error {
	head, rawQuery, _ := strings.Cut(spec, "?")
	driver, where, _ := strings.Cut(head, ":")
	if _, ok := driverKeys["idcard"][driver]; !ok {
		return fmt.Errorf("unknown driver %q (want %s)", driver, strings.Join(sortedKeys(driverKeys["idcard"]), ", "))
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return err
	}
	for k := range q {
		if driver != "ga467" || k != "baud" {
			return fmt.Errorf("driver %s has no option %q", driver, k)
		}
	}
	d := Device{Driver: driver}
	switch driver {
	case "sim":
		if where != "" {
			return fmt.Errorf("driver sim takes no device")
		}
	case "ga467":
		d.Port = where
		if s := q.Get("baud"); s != "" {
			if d.Baud, err = strconv.Atoi(s); err != nil {
				return fmt.Errorf("baud %q is not a number", s)
			}
		}
		if err := checkPort(d.Port); err != nil {
			return fmt.Errorf("%v, e.g. ga467:/dev/ttyUSB0?baud=115200", err)
		}
		if err := checkBaud(d.Baud, true); err != nil {
			return err
		}
	case "pn532":
		if err := b.pn532(&d, where); err != nil {
			return err
		}
	}
	b.IDCard = d
	return nil
}

// pn532 sets a PN532 reader's bus and address: the board's pn532 I2C device
// (on bus, if given), else the chip's fixed address on bus.
func (b *Board) pn532(d *Device, bus string) error {
	if bus != "" {
		nb, err := normalBus(bus)
		if err != nil {
			return err
		}
		d.Bus, d.Address = nb, i2cAddresses["pn532"][0]
	}
	for _, dev := range b.I2C.Devices {
		if dev.Kind == "pn532" && (d.Bus == "" || d.Bus == dev.Bus) {
			d.Bus, d.Address = dev.Bus, dev.Address
			break
		}
	}
	if d.Bus == "" {
		return fmt.Errorf("board %s has no pn532 on I2C: name the bus, e.g. pn532:1", b.Name)
	}
	return nil
}

func (b *Board) overridePrinter(spec string) error {
	if spec == "sim" {
		b.Printer = Device{Driver: "sim", Profile: b.Printer.Profile}
		return nil
	}
	profile, err := checkPrinterSpec(spec)
	if err != nil {
		return err
	}
	if profile == "" {
		profile = b.Printer.Profile
	}
	b.Printer = Device{Driver: "escpos", Spec: spec, Profile: profile}
	return nil
}
