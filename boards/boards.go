// Package boards describes the boards onetrip runs on as data: display,
// buttons, lamps, ID-card reader and printer. One TOML file per board; the
// files are compiled in and checked when loaded.
package boards

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

//go:embed *.toml
var files embed.FS

// Board is one board's hardware.
type Board struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Display     Display  `toml:"display"`
	Buttons     []Button `toml:"button"`
	Lamps       []Lamp   `toml:"lamp"`
	Buzzer      Buzzer   `toml:"buzzer"`
	IDCard      Device   `toml:"idcard"`
	Printer     Device   `toml:"printer"`
}

// Display is the screen: its size in pixels as mounted and its rotation.
type Display struct {
	Width    int `toml:"width"`
	Height   int `toml:"height"`
	Rotation int `toml:"rotation"`
}

// Button is a physical button; Key is the keyboard key standing in for it
// on the simulated board.
type Button struct {
	Name string `toml:"name"`
	Key  string `toml:"key"`
}

// Lamp is an indicator lamp.
type Lamp struct {
	Name string `toml:"name"`
}

// Buzzer is the beeper.
type Buzzer struct {
	Enabled bool `toml:"enabled"`
}

// Device names a driver and where it is attached.
type Device struct {
	Driver  string `toml:"driver"`
	Port    string `toml:"port"`
	Baud    int    `toml:"baud"`
	Profile string `toml:"profile"`
}

// Names lists the boards compiled in.
func Names() []string {
	m, _ := fs.Glob(files, "*.toml")
	for i := range m {
		m[i] = strings.TrimSuffix(m[i], ".toml")
	}
	slices.Sort(m)
	return m
}

// Load returns the named board.
func Load(name string) (*Board, error) {
	src, err := files.ReadFile(name + ".toml")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("board %q: unknown (known boards: %s)", name, strings.Join(Names(), ", "))
	}
	if err != nil {
		return nil, err
	}
	return Parse(name+".toml", src)
}

// Parse checks a board file; errors name the file and what is wrong.
func Parse(file string, src []byte) (*Board, error) {
	var b Board
	md, err := toml.Decode(string(src), &b)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("board %s:%d: %s", file, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("board %s: %w", file, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("board %s: unknown key %q", file, und[0].String())
	}
	if b.Name != strings.TrimSuffix(path.Base(file), ".toml") {
		return nil, fmt.Errorf("board %s: name %q does not match the file name", file, b.Name)
	}
	if b.Display.Width < 320 || b.Display.Height < 240 {
		return nil, fmt.Errorf("board %s: display %dx%d is too small", file, b.Display.Width, b.Display.Height)
	}
	if b.Display.Rotation%90 != 0 || b.Display.Rotation < 0 || b.Display.Rotation > 270 {
		return nil, fmt.Errorf("board %s: display rotation %d must be 0, 90, 180 or 270", file, b.Display.Rotation)
	}
	seen := map[string]bool{}
	for _, btn := range b.Buttons {
		if btn.Name == "" || seen["button "+btn.Name] {
			return nil, fmt.Errorf("board %s: button %q is unnamed or defined twice", file, btn.Name)
		}
		seen["button "+btn.Name] = true
	}
	for _, l := range b.Lamps {
		if l.Name == "" || seen["lamp "+l.Name] {
			return nil, fmt.Errorf("board %s: lamp %q is unnamed or defined twice", file, l.Name)
		}
		seen["lamp "+l.Name] = true
	}
	if b.IDCard.Driver == "" {
		return nil, fmt.Errorf("board %s: missing [idcard] driver", file)
	}
	if b.Printer.Driver == "" || b.Printer.Profile == "" {
		return nil, fmt.Errorf("board %s: missing [printer] driver or profile", file)
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
