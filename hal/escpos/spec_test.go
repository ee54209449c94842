package escpos_test

import (
	"strings"
	"testing"

	"onetrip/hal/escpos"
	"onetrip/hal/serial/serialtest"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want escpos.Spec
	}{
		{"escpos:/dev/pts/8?profile=80mm&baud=115200", escpos.Spec{Transport: escpos.Serial, Addr: "/dev/pts/8", Profile: "80mm", Baud: 115200}},
		{"escpos:/dev/ttyS0?profile=58mm", escpos.Spec{Transport: escpos.Serial, Addr: "/dev/ttyS0", Profile: "58mm", Baud: 9600}},
		{"escpos:/dev/usb/lp0?profile=58mm", escpos.Spec{Transport: escpos.USB, Addr: "/dev/usb/lp0", Profile: "58mm"}},
		{"escpos:/dev/onetrip-printer?profile=80mm", escpos.Spec{Transport: escpos.USB, Addr: "/dev/onetrip-printer", Profile: "80mm"}},
		{"escpos+tcp://127.0.0.1:9100?profile=80mm", escpos.Spec{Transport: escpos.TCP, Addr: "127.0.0.1:9100", Profile: "80mm"}},
		{"escpos+tcp://printer.hall.local?profile=80mm-raster", escpos.Spec{Transport: escpos.TCP, Addr: "printer.hall.local:9100", Profile: "80mm-raster"}},
		{"escpos+tcp://[::1]:9101?profile=80mm", escpos.Spec{Transport: escpos.TCP, Addr: "[::1]:9101", Profile: "80mm"}},
	} {
		got, err := escpos.ParseSpec(tc.spec)
		if err != nil || got != tc.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
			continue
		}
		if again, err := escpos.ParseSpec(got.String()); err != nil || again != got {
			t.Errorf("%q: String() = %q reads back as %+v, %v", tc.spec, got.String(), again, err)
		}
	}
}

func TestParseSpecRejectsMistakes(t *testing.T) {
	for _, tc := range []struct {
		spec, want string // want: in the error
	}{
		{"/dev/ttyUSB0", "want escpos:/dev/"},
		{"serial:/dev/ttyUSB0?profile=80mm", "want escpos:/dev/"},
		{"escpos:ttyUSB0?profile=80mm", "absolute device path"},
		{"escpos://dev/ttyUSB0?profile=80mm", "absolute device path"},
		{"escpos:/dev/ttyUSB0", "missing profile=NAME (have 58mm"},
		{"escpos:/dev/ttyUSB0?profile=80mm&baud=fast", `baud "fast"`},
		{"escpos:/dev/ttyUSB0?profile=80mm&baud=-9600", `baud "-9600"`},
		{"escpos:/dev/ttyUSB0?profile=80mm&bauds=9600", `unknown parameter "bauds"`},
		{"escpos:/dev/ttyUSB0?profile=80mm&profile=58mm", `"profile" given 2 times`},
		{"escpos:/dev/usb/lp0?profile=80mm&baud=9600", `unknown parameter "baud" for a usb printer`},
		{"escpos+tcp://10.0.0.7:9100?profile=80mm&baud=9600", `unknown parameter "baud" for a tcp printer`},
		{"escpos+tcp://10.0.0.7:http?profile=80mm", "10.0.0.7:http"},
		{"escpos+tcp://10.0.0.7:70000?profile=80mm", `bad TCP port "70000"`},
		{"escpos+tcp:///dev/ttyS0?profile=80mm", "host[:port]"},
		{"escpos+tcp://10.0.0.7:9100/queue?profile=80mm", "host[:port]"},
		{"escpos:/dev/ttyS0?profile=80mm&baud=%zz", "invalid URL escape"},
	} {
		_, err := escpos.ParseSpec(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.spec) {
			t.Errorf("ParseSpec(%q): %v; want an error quoting the spec and saying %q", tc.spec, err, tc.want)
		}
	}
}

func TestOpenReportsWhatIsWrong(t *testing.T) {
	pair, err := serialtest.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pair.Close() })
	dev := pair.SlavePath()
	for _, tc := range []struct {
		spec, want string
	}{
		{"escpos:" + dev + "?profile=76mm", `no printer profile "76mm" (have 58mm`},
		{"escpos:" + dev + "?profile=80mm&baud=12345", "unsupported baud rate 12345"},
		{"escpos:/dev/no-such-printer?profile=80mm", "/dev/no-such-printer: open: no such file"},
		{"escpos+tcp://127.0.0.1:1?profile=80mm", "printer 127.0.0.1:1: dial tcp"},
	} {
		p, _, err := escpos.Open(tc.spec)
		if err == nil {
			p.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q): %v; want an error saying %q", tc.spec, err, tc.want)
		}
	}
}
