package escpos

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Profile describes what one printer model can do. Profiles are data: one
// TOML file per model in profiles/, named after the profile.
type Profile struct {
	Name           string `toml:"-"`
	Dots           int    `toml:"dots"`            // printable dots per line
	Columns        int    `toml:"columns"`         // font A (12×24) characters per line
	NativeQR       bool   `toml:"native_qr"`       // understands GS ( k
	Raster         bool   `toml:"raster"`          // tickets go out as one raster image
	Cutter         bool   `toml:"cutter"`          // has an auto-cutter
	MaxMagnify     int    `toml:"max_magnify"`     // largest GS ! multiplier, 1–8
	ChineseDefault bool   `toml:"chinese_default"` // powers on (and resets) in Chinese mode
	Encoding       string `toml:"encoding"`        // double-byte encoding in Chinese mode
}

// CellDots is the width of a font A half-width cell; Chinese characters take two.
const CellDots = 12

//go:embed profiles/*.toml
var profileFS embed.FS

// Profiles lists the names of the embedded profiles, sorted.
func Profiles() []string {
	files, _ := fs.Glob(profileFS, "profiles/*.toml")
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(path.Base(f), ".toml")
	}
	slices.Sort(names)
	return names
}

// LoadProfile reads and validates the embedded profile called name.
func LoadProfile(name string) (Profile, error) {
	src, err := profileFS.ReadFile("profiles/" + name + ".toml")
	if err != nil {
		return Profile{}, fmt.Errorf("escpos: no printer profile %q (have %s)", name, strings.Join(Profiles(), ", "))
	}
	return ParseProfile(name, src)
}

// ParseProfile decodes and validates one profile file; name is used in errors
// and becomes Profile.Name. Unknown keys are rejected with their line.
func ParseProfile(name string, src []byte) (Profile, error) {
	file := name + ".toml"
	var p Profile
	md, err := toml.Decode(string(src), &p)
	if err != nil {
		return Profile{}, fmt.Errorf("escpos: profile %s: %w", file, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		key := un[0].String()
		return Profile{}, fmt.Errorf("escpos: profile %s:%d: unknown key %q", file, keyLine(src, key), key)
	}
	for _, k := range []string{"dots", "columns", "native_qr", "raster", "cutter", "max_magnify", "chinese_default", "encoding"} {
		if !md.IsDefined(k) {
			return Profile{}, fmt.Errorf("escpos: profile %s: missing key %q", file, k)
		}
	}
	p.Name = name
	if err := p.validate(); err != nil {
		return Profile{}, fmt.Errorf("escpos: profile %s: %w", file, err)
	}
	return p, nil
}

func (p Profile) validate() error {
	switch {
	case p.Dots <= 0 || p.Dots%8 != 0:
		return fmt.Errorf("dots = %d, want a positive multiple of 8", p.Dots)
	case p.Columns <= 0 || p.Columns*CellDots > p.Dots:
		return fmt.Errorf("columns = %d does not fit %d dots of %d-dot cells", p.Columns, p.Dots, CellDots)
	case p.MaxMagnify < 1 || p.MaxMagnify > 8:
		return fmt.Errorf("max_magnify = %d, want 1–8", p.MaxMagnify)
	case p.Encoding != "GBK":
		return fmt.Errorf("encoding = %q, only \"GBK\" is supported", p.Encoding)
	case p.Raster && p.NativeQR:
		return errors.New("raster = true with native_qr = true: a full-raster profile is for printers without GS ( k")
	}
	return nil
}

// keyLine finds the line where key is set, or 0 when it cannot be found.
func keyLine(src []byte, key string) int {
	leaf := key[strings.LastIndexByte(key, '.')+1:]
	re := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(leaf) + `"?\s*=`)
	for i, line := range strings.Split(string(src), "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 0
}
