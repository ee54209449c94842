package boards

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEveryBoardLoads(t *testing.T) {
	want := []string{"cm4-kiosk", "qemu-x86", "rpi4-guide", "rpi4-kiosk", "rpi5-kiosk", "rpizero2w-guide", "sim"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range Names() {
		b, err := Load(name)
		if err != nil {
			t.Errorf("Load(%q): %v", name, err)
			continue
		}
		if b.Name != name || b.Printer.Profile == "" {
			t.Errorf("Load(%q): name %q, printer profile %q", name, b.Name, b.Printer.Profile)
		}
		if !slices.Contains([]string{"sim", "qemu-x86"}, name) && (len(b.Chips) == 0 || b.Buttons[0].Chip == "") {
			t.Errorf("Load(%q): real board without wired GPIO", name)
		}
	}
}

func TestSimBoardIsSimulated(t *testing.T) {
	b, err := Load("sim")
	if err != nil {
		t.Fatal(err)
	}
	if b.IDCard.Driver != "sim" || b.Printer.Driver != "sim" || b.Printer.Profile != "80mm" || !b.Buzzer.Enabled {
		t.Errorf("sim board devices: idcard %+v printer %+v buzzer %+v", b.IDCard, b.Printer, b.Buzzer)
	}
}

func TestRealBoardValues(t *testing.T) {
	b, err := Load("rpi4-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	service := b.Buttons[1]
	if service.Name != "service" || service.Line != 27 || !service.ActiveLow || service.LongPress != 5*time.Second || service.Debounce != 20*time.Millisecond {
		t.Errorf("service button = %+v", service)
	}
	if b.I2C.Devices[0].Bus != "/dev/i2c-0" || b.I2C.Devices[1].Bus != "/dev/i2c-1" {
		t.Errorf("i2c buses not resolved: %+v", b.I2C)
	}
	if b.Printer.Spec != "escpos:/dev/onetrip-printer?profile=80mm" || b.Printer.Profile != "80mm" {
		t.Errorf("printer = %+v", b.Printer)
	}
	g, err := Load("rpizero2w-guide")
	if err != nil {
		t.Fatal(err)
	}
	if g.IDCard.Bus != "/dev/i2c-1" || g.IDCard.Address != 0x24 || g.Printer.Profile != "58mm" {
		t.Errorf("guide idcard %+v printer %+v", g.IDCard, g.Printer)
	}
	p5, err := Load("rpi5-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	if p5.Display.Width != 800 || p5.Display.Height != 1280 || p5.Display.Rotation != 90 {
		t.Errorf("rpi5 display = %+v", p5.Display)
	}
}

func TestLoadUnknown(t *testing.T) {
	for _, name := range []string{"rpi3-kiosk", "detect", "../boards/sim"} {
		_, err := Load(name)
		if err == nil || !strings.Contains(err.Error(), "known boards: cm4-kiosk") {
			t.Errorf("Load(%q) = %v, want an error listing the known boards", name, err)
		}
	}
}

// TestBrokenBoard breaks a copy of a shipped board one way at a time. The
// error must name the file, the line of the broken text (the line holding
// `at` in the broken file) and the problem.
func TestBrokenBoard(t *testing.T) {
	src, err := files.ReadFile("rpi4-kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, new string // first occurrence of old is replaced
		at       string // text on the line the error must name
		words    []string
	}{
		{"unknown key", `debounce = "20ms"`, "debounce = \"20ms\"\ncolour = \"red\"", "colour", []string{`unknown key "button.colour"`}},
		{"unknown table", `[buzzer]`, "[horn]\nloud = true\n\n[buzzer]", "[horn]", []string{`unknown key "horn"`}},
		{"line off the chip", "line = 24", "line = 60", "line = 60", []string{"buzzer", "unknown pin", "line 60 is not on gpiochip0 (lines 0-57)"}},
		{"unknown chip", "name = \"status\"\nchip = \"gpiochip0\"", "name = \"status\"\nchip = \"gpiochip4\"", `"gpiochip4"`, []string{`lamp "status"`, `unknown chip "gpiochip4"`, "gpiochip0"}},
		{"pin used twice", "line = 23", "line = 17", "line = 17\n\n[buzzer]", []string{`lamp "help"`, "gpiochip0 line 17", `already used by button "help" (line 33)`}},
		{"pin without line", "line = 17\n", "", `chip = "gpiochip0"`, []string{`button "help" has no line`}},
		{"pin without chip", "[buzzer]\nenabled = true\nchip = \"gpiochip0\"\n", "[buzzer]\nenabled = true\n", "line = 24", []string{"buzzer has no chip"}},
		{"escpos without device", "device = \"escpos:/dev/onetrip-printer?profile=80mm\"\n", "", `driver = "escpos"`, []string{"driver escpos needs device"}},
		{"ga467 without port", "port = \"/dev/onetrip-idcard\"\n", "", "[idcard]", []string{"ga467 needs a serial port"}},
		{"ga467 relative port", `port = "/dev/onetrip-idcard"`, `port = "ttyUSB0"`, `"ttyUSB0"`, []string{`ga467 port "ttyUSB0" is not an absolute device path`}},
		{"ga467 bad baud", "baud = 0", "baud = 1200", "baud = 1200", []string{"baud 1200 is not one of"}},
		{"i2c device without bus", "[i2c]\nbus = \"/dev/i2c-1\"", "", `kind = "bh1750"`, []string{"bh1750 has no bus"}},
		{"bad i2c bus", `bus = "/dev/i2c-1"`, `bus = "i2c1"`, `bus = "i2c1"`, []string{`i2c bus "i2c1"`}},
		{"pn532 reader without pn532", "driver = \"ga467\"\nport = \"/dev/onetrip-idcard\"\nbaud = 0", `driver = "pn532"`, `driver = "pn532"`, []string{"pn532 needs exactly one [[i2c.device]] of kind pn532"}},
		{"i2c wrong address", "address = 0x23", "address = 0x44", "address = 0x44", []string{"bh1750 answers at 0x23 or 0x5c, not 0x44"}},
		{"i2c address used twice", "kind = \"bh1750\"\naddress = 0x23", "kind = \"bh1750\"\nbus = \"0\"\naddress = 0x5c\n\n[[i2c.device]]\nkind = \"bh1750\"\nbus = \"0\"\naddress = 0x5c", "address = 0x5c\n\n[idcard]", []string{"/dev/i2c-0 address 0x5c is already used by bh1750"}},
		{"unknown i2c kind", `kind = "bh1750"`, `kind = "sht31"`, `"sht31"`, []string{`kind "sht31" is unknown`, "bh1750, hat-eeprom, pn532"}},
		{"bad rotation", "rotation = 0", "rotation = 45", "rotation = 45", []string{"rotation 45 must be 0, 90, 180 or 270"}},
		{"bad touch", `touch = "evdev"`, `touch = "multitouch"`, "multitouch", []string{`touch "multitouch" must be one of pointer, evdev, none`}},
		{"evdev touch in a window", "presenter = \"drm\"\ntouch = \"evdev\"", "presenter = \"shm\"\ntouch = \"evdev\"", `touch = "evdev"`, []string{`touch "evdev" needs presenter = "drm"`}},
		{"touch device not an input node", `touch = "evdev"`, "touch = \"evdev\"\ntouch_device = \"/dev/ttyUSB0\"", "touch_device", []string{`touch_device "/dev/ttyUSB0" must be a /dev/input/ node`}},
		{"calibration with one edge", `touch = "evdev"`, "touch = \"evdev\"\ntouch_x = [100]", "touch_x", []string{"touch_x [100] must be two different device units"}},
		{"calibration without evdev", "presenter = \"drm\"\ntouch = \"evdev\"", "presenter = \"shm\"\ntouch = \"pointer\"\ntouch_y = [0, 4095]", "touch_y", []string{`touch_y is only read with touch = "evdev"`}},
		{"bad duration", `debounce = "20ms"`, `debounce = "20 ms"`, "20 ms", []string{`invalid duration: "20 ms"`}},
		{"negative duration", `long_press = "5s"`, `long_press = "-5s"`, "-5s", []string{`button "service": long_press -5s is negative`}},
		{"long press within debounce", `long_press = "5s"`, `long_press = "10ms"`, `"10ms"`, []string{"long_press 10ms must be longer than debounce 20ms"}},
		{"wrong type", "line = 17", `line = "17"`, `"17"`, []string{`button "help": line must be a whole number (got the string "17")`}},
		{"wrong type in a later button", "active_low = true\ndebounce = \"20ms\"\nlong_press", "active_low = \"yes\"\ndebounce = \"20ms\"\nlong_press", `"yes"`, []string{`button "service": active_low must be true or false (got the string "yes")`}},
		{"number with a point", "line = 23", "line = 23.0", "23.0", []string{`lamp "help": line must be a whole number (got the number 23.0)`}},
		{"wrong type in a table", "width = 1280", `width = "1280"`, `"1280"`, []string{`display: width must be a whole number (got the string "1280")`}},
		{"wrong type in a nested array", "address = 0x23", `address = "0x23"`, `"0x23"`, []string{`the 2nd [[i2c.device]]: address must be a whole number (got the string "0x23")`}},
		{"flag as a string", "enabled = true", `enabled = "true"`, `"true"`, []string{`buzzer: enabled must be true or false (got the string "true")`}},
		{"duplicate button", `name = "service"`, `name = "help"`, `name = "help"     # inside`, []string{`button "help" is defined twice`}},
		{"duplicate lamp", `name = "status"`, `name = "help"`, `name = "help"        # lit`, []string{`lamp "help" is defined twice`}},
		{"unknown printer driver", `driver = "escpos"`, `driver = "star"`, `"star"`, []string{`[printer] driver "star" is unknown (want escpos, sim)`}},
		{"unknown idcard driver", `driver = "ga467"`, `driver = "gb467"`, `"gb467"`, []string{`[idcard] driver "gb467" is unknown (want ga467, pn532, sim)`}},
		{"key the driver does not use", `driver = "escpos"`, "driver = \"escpos\"\nport = \"/dev/ttyUSB1\"", `"/dev/ttyUSB1"`, []string{"driver escpos does not use port"}},
		{"printer spec option", "?profile=80mm", "?profile=80mm&speed=9600", "&speed", []string{`unknown option "speed"`}},
		{"printer spec scheme", "escpos:/dev/onetrip-printer", "lp:/dev/onetrip-printer", "lp:/dev", []string{"want escpos:/dev/PATH or escpos+tcp://HOST:PORT"}},
		{"printer tcp without port", "escpos:/dev/onetrip-printer", "escpos+tcp://192.0.2.10", "192.0.2.10", []string{"want escpos+tcp://HOST:PORT"}},
		{"printer profiles differ", `device = "escpos:/dev/onetrip-printer?profile=80mm"`, "device = \"escpos:/dev/onetrip-printer?profile=80mm\"\nprofile = \"58mm\"", `profile = "58mm"`, []string{`profile "58mm" differs from the device's profile "80mm"`}},
		{"printer without profile", "?profile=80mm", "", "[printer]", []string{"[printer] needs a profile"}},
		{"backlight without name", `name = "10-0045"`, "", "[backlight]", []string{"[backlight] needs name"}},
		{"name not the file's", `name = "rpi4-kiosk"`, `name = "rpi4"`, `name = "rpi4"`, []string{`name "rpi4" does not match the file name`}},
		{"unknown arch", `arch = "arm64"`, `arch = "aarch64"`, `"aarch64"`, []string{`arch "aarch64" must be one of arm64, armv7, amd64`}},
		{"hardware without arch", "arch = \"arm64\"\n", "", `name = "rpi4-kiosk"`, []string{"board rpi4-kiosk has GPIO chips but no arch"}},
		{"syntax error", "width = 1280", "width = 1280 px", "1280 px", []string{"board rpi4-kiosk.toml:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(src), tt.old) {
				t.Fatalf("rpi4-kiosk.toml has no %q", tt.old)
			}
			broken := strings.Replace(string(src), tt.old, tt.new, 1)
			i := strings.Index(broken, tt.at)
			if i < 0 {
				t.Fatalf("broken file has no %q", tt.at)
			}
			line := strings.Count(broken[:i], "\n") + 1
			_, err := Parse("rpi4-kiosk.toml", []byte(broken))
			if err == nil {
				t.Fatal("Parse accepted the broken board")
			}
			want := append([]string{fmt.Sprintf("board rpi4-kiosk.toml:%d: ", line)}, tt.words...)
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEmptyBoard(t *testing.T) {
	_, err := Parse("rpi4-kiosk.toml", []byte("# to be written\n\n"))
	if err == nil || err.Error() != "board rpi4-kiosk.toml: the file is empty" {
		t.Errorf("Parse = %v", err)
	}
}

// A pin on the simulated board, which has no GPIO chips, is an error.
func TestSimPinUnknownChip(t *testing.T) {
	src, _ := files.ReadFile("sim.toml")
	broken := strings.Replace(string(src), `key = "H"`, "key = \"H\"\nchip = \"gpiochip0\"\nline = 17", 1)
	line := strings.Count(broken[:strings.Index(broken, "chip =")], "\n") + 1
	_, err := Parse("sim.toml", []byte(broken))
	want := fmt.Sprintf(`board sim.toml:%d: button "help": unknown chip "gpiochip0" (this board's chips: none)`, line)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse = %v", err)
	}
}

func TestButtonForKey(t *testing.T) {
	sim, err := Load("sim")
	if err != nil {
		t.Fatal(err)
	}
	real, err := Load("rpi4-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		b      *Board
		key    string
		want   string
		wantOK bool
	}{
		{sim, "H", "help", true},
		{sim, "h", "help", true},
		{sim, "S", "service", true},
		{sim, "X", "", false},
		{sim, "", "", false},
		{real, "H", "", false},
	}
	for _, tt := range tests {
		got, ok := tt.b.ButtonForKey(tt.key)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s.ButtonForKey(%q) = %q, %v; want %q, %v", tt.b.Name, tt.key, got, ok, tt.want, tt.wantOK)
		}
	}
}
