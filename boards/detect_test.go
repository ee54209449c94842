package boards

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	guideHAT := &HAT{Vendor: "onetrip", Product: "Guide desk HAT", ProductID: 0x0002}
	tests := []struct {
		model string
		hat   *HAT
		want  string // "" wants an error
	}{
		{"Raspberry Pi 4 Model B Rev 1.4\x00", nil, "rpi4-kiosk"},
		{"Raspberry Pi 4 Model B Rev 1.1", nil, "rpi4-kiosk"},
		{"Raspberry Pi 5 Model B Rev 1.0\x00", nil, "rpi5-kiosk"},
		{"Raspberry Pi Compute Module 4 Rev 1.0\x00", nil, "cm4-kiosk"},
		{"Raspberry Pi Zero 2 W Rev 1.0\x00", nil, "rpizero2w-guide"},
		{"Raspberry Pi 4 Model B Rev 1.4\x00", guideHAT, "rpi4-guide"},
		{"Raspberry Pi 4 Model B Rev 1.4\x00", &HAT{Vendor: "onetrip\x00", Product: "Guide desk HAT\x00", ProductID: 2}, "rpi4-guide"},
		{"Raspberry Pi 4 Model B Rev 1.4\x00", &HAT{Vendor: "onetrip", Product: "Kiosk I/O HAT", ProductID: 0x0001}, "rpi4-kiosk"},
		{"Raspberry Pi 4 Model B Rev 1.4\x00", &HAT{Vendor: "Pimoroni", Product: "Guide", ProductID: 0x0002}, "rpi4-kiosk"},
		{"Raspberry Pi 5 Model B Rev 1.0\x00", guideHAT, "rpi5-kiosk"},
		{"Raspberry Pi Compute Module 4S Rev 1.0\x00", nil, ""},
		{"Raspberry Pi 3 Model B Rev 1.2\x00", nil, ""},
		{"Raspberry Pi 400 Rev 1.0\x00", nil, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		got, err := Detect(tt.model, tt.hat)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), "--board NAME") || !strings.Contains(err.Error(), "rpi4-kiosk") {
				t.Errorf("Detect(%q, %v) = %q, %v; want an error listing the boards and suggesting --board", tt.model, tt.hat, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Detect(%q, %v) = %q, %v; want %q", tt.model, tt.hat, got, err, tt.want)
		}
	}
}

func TestDetectHost(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proc", "device-tree")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model"), []byte("Raspberry Pi 4 Model B Rev 1.5\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	noHAT := func() (*HAT, error) { return nil, nil }
	guide := func() (*HAT, error) { return &HAT{Vendor: "onetrip", ProductID: 2}, nil }
	broken := func() (*HAT, error) { return nil, errors.New("i2c read: remote I/O error") }
	tests := []struct {
		root    string
		readHAT func() (*HAT, error)
		want    string
		wantErr string
	}{
		{root, nil, "rpi4-kiosk", ""},
		{root, noHAT, "rpi4-kiosk", ""},
		{root, guide, "rpi4-guide", ""},
		{root, broken, "", "HAT EEPROM: i2c read: remote I/O error; start with --board NAME"},
		{t.TempDir(), nil, "", "--board NAME"},
	}
	for _, tt := range tests {
		got, err := DetectHost(tt.root, tt.readHAT)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("DetectHost = %q, %v; want error with %q", got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DetectHost = %q, %v; want %q", got, err, tt.want)
		}
	}
}

func TestResolveName(t *testing.T) {
	detected := func() (string, error) { return "rpi5-kiosk", nil }
	failed := func() (string, error) { return "", errors.New("no board for model") }
	tests := []struct {
		flag, goarch string
		detect       func() (string, error)
		want         string
		wantErr      string
	}{
		{"", "arm64", detected, "rpi5-kiosk", ""},
		{"", "arm", detected, "rpi5-kiosk", ""},
		{"", "amd64", failed, "sim", ""},
		{Auto, "amd64", detected, "rpi5-kiosk", ""},
		{Auto, "arm64", failed, "", "no board for model"},
		{"cm4-kiosk", "arm64", failed, "cm4-kiosk", ""},
		{"sim", "arm64", failed, "sim", ""},
		{"rpi3", "arm64", failed, "", `board "rpi3": unknown`},
	}
	for _, tt := range tests {
		got, err := ResolveName(tt.flag, tt.goarch, tt.detect)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ResolveName(%q, %q) = %q, %v; want error with %q", tt.flag, tt.goarch, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveName(%q, %q) = %q, %v; want %q", tt.flag, tt.goarch, got, err, tt.want)
		}
	}
}

func TestBrokenRules(t *testing.T) {
	tests := []struct{ src, want string }{
		{"[[rule]]\nmodel = \"Raspberry Pi 3 Model B\"\nboard = \"rpi3-kiosk\"\n", `detect rules.toml:3: board "rpi3-kiosk" is unknown`},
		{"[[rule]]\nboard = \"sim\"\n", "detect rules.toml:1: rule has no model"},
		{"[[rule]]\nmodel = \"Raspberry Pi 5\"\nhat = \"x\"\nboard = \"sim\"\n", `detect rules.toml:3: unknown key "rule.hat"`},
		{"[[rule]]\nmodel = \"A\"\nboard = \"sim\"\n\n[[rule]]\nmodel = \"B\"\nhat_product_id = 70000\nboard = \"sim\"\n", "detect rules.toml:7: "},
		{"[[rule]]\nmodel = \"A\"\nboard = \"sim\"\n\n[[rule]]\nmodel = \"B\"\nboard = 3\n", `detect rules.toml:7: the 2nd [[rule]]: board must be a string in quotes (got the number 3)`},
		{"\n# no rules yet\n", "detect rules.toml: the file is empty"},
	}
	for _, tt := range tests {
		_, err := parseRules("rules.toml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseRules(%q) = %v, want %q", tt.src, err, tt.want)
		}
	}
}
