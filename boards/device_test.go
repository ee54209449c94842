package boards

import (
	"strings"
	"testing"
)

func TestOverride(t *testing.T) {
	tests := []struct {
		board, kind, spec string
		want              Device // checked when wantErr is ""
		wantErr           string
	}{
		{"rpi4-kiosk", "idcard", "ga467:/dev/pts/7?baud=115200", Device{Driver: "ga467", Port: "/dev/pts/7", Baud: 115200}, ""},
		{"rpi4-kiosk", "idcard", "ga467:/dev/pts/7", Device{Driver: "ga467", Port: "/dev/pts/7"}, ""},
		{"rpi4-kiosk", "idcard", "sim", Device{Driver: "sim"}, ""},
		{"sim", "idcard", "pn532:1", Device{Driver: "pn532", Bus: "/dev/i2c-1", Address: 0x24}, ""},
		{"rpizero2w-guide", "idcard", "pn532", Device{Driver: "pn532", Bus: "/dev/i2c-1", Address: 0x24}, ""},
		{"rpizero2w-guide", "idcard", "pn532:/dev/i2c-3", Device{Driver: "pn532", Bus: "/dev/i2c-3", Address: 0x24}, ""},
		{"rpi4-kiosk", "idcard", "pn532", Device{}, `--idcard "pn532": board rpi4-kiosk has no pn532 on I2C: name the bus, e.g. pn532:1`},
		{"rpi4-kiosk", "idcard", "pn532:i2c1", Device{}, `i2c bus "i2c1" must be a number or /dev/i2c-N`},
		{"rpi4-kiosk", "idcard", "ga467", Device{}, `--idcard "ga467": driver ga467 needs a serial port`},
		{"rpi4-kiosk", "idcard", "ga467:pts/7", Device{}, "not an absolute device path"},
		{"rpi4-kiosk", "idcard", "ga467:/dev/pts/7?baud=1200", Device{}, "baud 1200 is not one of 0 (find it) or [9600"},
		{"rpi4-kiosk", "idcard", "ga467:/dev/pts/7?baud=fast", Device{}, `baud "fast" is not a number`},
		{"rpi4-kiosk", "idcard", "ga467:/dev/pts/7?speed=9600", Device{}, `driver ga467 has no option "speed"`},
		{"rpi4-kiosk", "idcard", "nfc:/dev/pts/7", Device{}, `unknown driver "nfc" (want ga467, pn532, sim)`},
		{"rpi4-kiosk", "idcard", "sim:/dev/pts/7", Device{}, "driver sim takes no device"},
		{"sim", "printer", "escpos:/dev/pts/8?profile=80mm", Device{Driver: "escpos", Spec: "escpos:/dev/pts/8?profile=80mm", Profile: "80mm"}, ""},
		{"rpizero2w-guide", "printer", "escpos+tcp://127.0.0.1:9100", Device{Driver: "escpos", Spec: "escpos+tcp://127.0.0.1:9100", Profile: "58mm"}, ""},
		{"rpi4-kiosk", "printer", "escpos:/dev/ttyAMA0?profile=58mm&baud=9600", Device{Driver: "escpos", Spec: "escpos:/dev/ttyAMA0?profile=58mm&baud=9600", Profile: "58mm"}, ""},
		{"rpi4-kiosk", "printer", "sim", Device{Driver: "sim", Profile: "80mm"}, ""},
		{"sim", "printer", "escpos+tcp://127.0.0.1", Device{}, `--printer "escpos+tcp://127.0.0.1": device "escpos+tcp://127.0.0.1": want escpos+tcp://HOST:PORT`},
		{"sim", "printer", "escpos+tcp://127.0.0.1:70000", Device{}, "want escpos+tcp://HOST:PORT"},
		{"sim", "printer", "/dev/usb/lp0", Device{}, "want escpos:/dev/PATH or escpos+tcp://HOST:PORT"},
		{"sim", "printer", "escpos:usb/lp0", Device{}, "want an absolute device path"},
		{"sim", "printer", "escpos:/dev/ttyAMA0?baud=1234", Device{}, "baud 1234 is not one of [9600"},
		{"sim", "printer", "escpos:/dev/usb/lp0?profile=", Device{}, "option profile needs one value"},
		{"sim", "printer", "escpos+tcp://127.0.0.1:9100?baud=9600", Device{}, `unknown option "baud" (want profile)`},
		{"sim", "scanner", "sim", Device{}, "override scanner: no such device (want idcard or printer)"},
	}
	for _, tt := range tests {
		b, err := Load(tt.board)
		if err != nil {
			t.Fatal(err)
		}
		before := *b
		err = b.Override(tt.kind, tt.spec)
		got := b.IDCard
		if tt.kind == "printer" {
			got = b.Printer
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: Override(%q, %q) = %v, want error with %q", tt.board, tt.kind, tt.spec, err, tt.wantErr)
			}
			if b.IDCard != before.IDCard || b.Printer != before.Printer {
				t.Errorf("%s: Override(%q, %q) failed but changed the board", tt.board, tt.kind, tt.spec)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: Override(%q, %q) = %+v, %v; want %+v", tt.board, tt.kind, tt.spec, got, err, tt.want)
		}
	}
}
