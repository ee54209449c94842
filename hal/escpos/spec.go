package escpos

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Transport is how a printer is attached.
type Transport string

const (
	USB    Transport = "usb"    // USB printer class, /dev/usb/lp*
	Serial Transport = "serial" // RS-232, USB-serial or TTL UART
	TCP    Transport = "tcp"    // network printer, raw port 9100
)

// Spec says where a printer is and how to talk to it. On the command line
// and in board files it is written
//
//	escpos:/dev/ttyUSB0?profile=80mm&baud=115200   serial (baud defaults to 9600)
//	escpos:/dev/usb/lp0?profile=58mm               USB (any path under /dev/usb/lp)
//	escpos:/dev/onetrip-printer?profile=80mm       USB, by the name onetrip's udev rules give it
//	escpos+tcp://10.0.0.7:9100?profile=80mm        network (port defaults to 9100)
type Spec struct {
	Transport Transport
	Addr      string // device path, or host:port
	Profile   string // name of an embedded profile
	Baud      int    // serial only
}

// USBName is the stable name packaging/udev/99-onetrip.rules gives a USB
// printer-class device, whichever /dev/usb/lpN the kernel made it.
const USBName = "/dev/onetrip-printer"

// DefaultBaud is the serial rate when a spec names none: most Chinese TTL and
// RS-232 ticket printers ship at 9600.
const DefaultBaud = 9600

// specParams lists the query parameters each transport accepts.
var specParams = map[Transport][]string{
	USB:    {"profile"},
	Serial: {"profile", "baud"},
	TCP:    {"profile"},
}

// ParseSpec reads a printer spec; see Spec for the forms.
func ParseSpec(s string) (Spec, error) {
	sp, err := parseSpec(s)
	if err != nil {
		return Spec{}, fmt.Errorf("printer spec %q: %w", s, err)
	}
	return sp, nil
}

func parseSpec(s string) (Spec, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Spec{}, errors.Unwrap(err) // url.Error repeats the spec
	}
	var sp Spec
	switch u.Scheme {
	case "escpos":
		if u.Opaque != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return Spec{}, errors.New("want an absolute device path, as in escpos:/dev/ttyUSB0?profile=80mm")
		}
		sp.Addr, sp.Transport = u.Path, Serial
		if strings.HasPrefix(u.Path, "/dev/usb/lp") || u.Path == USBName {
			sp.Transport = USB
		}
	case "escpos+tcp":
		if u.Host == "" || (u.Path != "" && u.Path != "/") {
			return Spec{}, errors.New("want host[:port] only, as in escpos+tcp://10.0.0.7:9100?profile=80mm")
		}
		port := u.Port()
		if port == "" {
			port = "9100"
		} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return Spec{}, fmt.Errorf("bad TCP port %q", port)
		}
		sp.Addr, sp.Transport = net.JoinHostPort(u.Hostname(), port), TCP
	default:
		return Spec{}, errors.New("want escpos:/dev/… or escpos+tcp://host:port, each with ?profile=NAME")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Spec{}, err
	}
	for k := range q {
		if !slices.Contains(specParams[sp.Transport], k) {
			return Spec{}, fmt.Errorf("unknown parameter %q for a %s printer (have %s)", k, sp.Transport, strings.Join(specParams[sp.Transport], ", "))
		}
		if len(q[k]) > 1 {
			return Spec{}, fmt.Errorf("parameter %q given %d times", k, len(q[k]))
		}
	}
	sp.Profile = q.Get("profile")
	if sp.Profile == "" {
		return Spec{}, fmt.Errorf("missing profile=NAME (have %s)", strings.Join(Profiles(), ", "))
	}
	if sp.Transport == Serial {
		sp.Baud = DefaultBaud
		if b := q.Get("baud"); b != "" {
			if sp.Baud, err = strconv.Atoi(b); err != nil || sp.Baud <= 0 {
				return Spec{}, fmt.Errorf("baud %q is not a positive number", b)
			}
		}
	}
	return sp, nil
}

// String writes the spec back in the form ParseSpec reads.
func (s Spec) String() string {
	switch s.Transport {
	case TCP:
		return "escpos+tcp://" + s.Addr + "?profile=" + url.QueryEscape(s.Profile)
	case Serial:
		return "escpos:" + s.Addr + "?profile=" + url.QueryEscape(s.Profile) + "&baud=" + strconv.Itoa(s.Baud)
	}
	return "escpos:" + s.Addr + "?profile=" + url.QueryEscape(s.Profile)
}

// Open opens the printer a spec string names; see Spec.
func Open(spec string) (Printer, Profile, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, Profile{}, err
	}
	return OpenSpec(s)
}

// OpenSpec loads the spec's profile and opens its printer.
func OpenSpec(s Spec) (Printer, Profile, error) {
	p, err := LoadProfile(s.Profile)
	if err != nil {
		return nil, Profile{}, fmt.Errorf("printer %s: %w", s.Addr, err)
	}
	c, err := Dial(s)
	if err != nil {
		return nil, Profile{}, err
	}
	return NewDriver(c, s.Addr), p, nil
}
