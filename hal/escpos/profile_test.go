package escpos

import (
	"slices"
	"strings"
	"testing"
)

func TestEmbeddedProfiles(t *testing.T) {
	names := Profiles()
	for _, want := range []string{"58mm", "58mm-raster", "80mm", "80mm-raster"} {
		if !slices.Contains(names, want) {
			t.Errorf("Profiles() = %v, missing %s", names, want)
		}
	}
	for _, name := range names {
		p, err := LoadProfile(name)
		if err != nil {
			t.Fatalf("LoadProfile(%q): %v", name, err)
		}
		if p.Name != name {
			t.Errorf("LoadProfile(%q).Name = %q", name, p.Name)
		}
		if p.Raster == p.NativeQR {
			t.Errorf("%s: raster = %v, native_qr = %v: a ticket needs exactly one way to print its QR", name, p.Raster, p.NativeQR)
		}
	}
	p80, _ := LoadProfile("80mm")
	want80 := Profile{Name: "80mm", Dots: 576, Columns: 48, NativeQR: true, Cutter: true, MaxMagnify: 8, ChineseDefault: true, Encoding: "GBK"}
	if p80 != want80 {
		t.Errorf("80mm = %+v, want %+v", p80, want80)
	}
	p58, _ := LoadProfile("58mm")
	want58 := Profile{Name: "58mm", Dots: 384, Columns: 32, NativeQR: true, Cutter: false, MaxMagnify: 4, ChineseDefault: true, Encoding: "GBK"}
	if p58 != want58 {
		t.Errorf("58mm = %+v, want %+v", p58, want58)
	}
}

func TestLoadProfileUnknownNameListsKnownOnes(t *testing.T) {
	_, err := LoadProfile("76mm")
	if err == nil || !strings.Contains(err.Error(), "76mm") || !strings.Contains(err.Error(), "80mm") {
		t.Errorf("LoadProfile(76mm) error = %v, want it to name 76mm and the known profiles", err)
	}
}

const goodProfile = `dots = 384
columns = 32
native_qr = true
raster = false
cutter = false
max_magnify = 4
chinese_default = true
encoding = "GBK"
`

func TestParseProfileRejectsMistakes(t *testing.T) {
	if _, err := ParseProfile("ok", []byte(goodProfile)); err != nil {
		t.Fatalf("good profile rejected: %v", err)
	}
	for _, tc := range []struct {
		name, src, want string
	}{
		{"typo", strings.Replace(goodProfile, "cutter =", "cuter =", 1), `typo.toml:5: unknown key "cuter"`},
		{"extra", goodProfile + "\nspeed = 200\n", `extra.toml:10: unknown key "speed"`},
		{"missing", strings.Replace(goodProfile, "max_magnify = 4\n", "", 1), `missing key "max_magnify"`},
		{"dots", strings.Replace(goodProfile, "384", "380", 1), "dots = 380"},
		{"columns", strings.Replace(goodProfile, "columns = 32", "columns = 48", 1), "columns = 48"},
		{"magnify", strings.Replace(goodProfile, "max_magnify = 4", "max_magnify = 9", 1), "max_magnify = 9"},
		{"encoding", strings.Replace(goodProfile, `"GBK"`, `"UTF-8"`, 1), `encoding = "UTF-8"`},
		{"both", strings.Replace(goodProfile, "raster = false", "raster = true", 1), "raster = true with native_qr = true"},
		{"syntax", goodProfile + "dots 3\n", "syntax.toml"},
	} {
		_, err := ParseProfile(tc.name, []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}
