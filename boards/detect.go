package boards

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"onetrip/firmware/tomlpos"
)

// Auto is the board name that asks for the host's board to be detected.
const Auto = "auto"

// HAT is what a HAT's ID EEPROM says about it. The caller reads it (the
// firmware copies it to /proc/device-tree/hat at boot); nil: no HAT.
type HAT struct {
	Vendor, Product string
	ProductID       uint16
}

// rule is one line of detect.toml: a model prefix, optionally a HAT, and
// the board they mean. Empty HAT fields (and product ID 0) match anything.
type rule struct {
	Model        string `toml:"model"`
	HATVendor    string `toml:"hat_vendor"`
	HATProduct   string `toml:"hat_product"`
	HATProductID uint16 `toml:"hat_product_id"`
	Board        string `toml:"board"`
}

func (r rule) needsHAT() bool {
	return r.HATVendor != "" || r.HATProduct != "" || r.HATProductID != 0
}

// matches reports whether the rule fits the model and HAT. The model
// prefix must end at a word: "Raspberry Pi 4 Model B" fits
// "Raspberry Pi 4 Model B Rev 1.4", "Raspberry Pi Compute Module 4" does
// not fit "Raspberry Pi Compute Module 4S Rev 1.0".
func (r rule) matches(model string, hat *HAT) bool {
	if model != r.Model && !strings.HasPrefix(model, r.Model+" ") {
		return false
	}
	if !r.needsHAT() {
		return true
	}
	return hat != nil &&
		(r.HATVendor == "" || r.HATVendor == hat.Vendor) &&
		(r.HATProduct == "" || r.HATProduct == hat.Product) &&
		(r.HATProductID == 0 || r.HATProductID == hat.ProductID)
}

var rules = sync.OnceValues(func() ([]rule, error) {
	src, err := files.ReadFile(detectFile)
	if err != nil {
		return nil, err
	}
	return parseRules(detectFile, src)
})

// rulesFile is the layout of detect.toml.
type rulesFile struct {
	Rules []rule `toml:"rule"`
}

// parseRules decodes and checks detection rules: every rule has a model
// and names a known board.
func parseRules(file string, src []byte) ([]rule, error) {
	var rf rulesFile
	f := tomlpos.New(file, src)
	if _, err := f.Decode(&rf); err != nil {
		return nil, fmt.Errorf("detect %w", err)
	}
	known := Names()
	for i, r := range rf.Rules {
		switch {
		case r.Model == "":
			return nil, fmt.Errorf("detect %w", f.Errorf(f.Line("rule", i, "model"), "rule has no model"))
		case !slices.Contains(known, r.Board):
			return nil, fmt.Errorf("detect %w", f.Errorf(f.Line("rule", i, "board"), "board %q is unknown (known boards: %s)", r.Board, strings.Join(known, ", ")))
		}
	}
	return rf.Rules, nil
}

// Detect returns the board for a host: model is /proc/device-tree/model
// (trailing NUL allowed), hat its HAT or nil. A rule matching the HAT wins
// over one matching the model alone; among equals the first in detect.toml.
func Detect(model string, hat *HAT) (string, error) {
	rs, err := rules()
	if err != nil {
		return "", err
	}
	model = strings.TrimSpace(strings.TrimRight(model, "\x00"))
	if hat != nil {
		h := *hat
		h.Vendor = strings.TrimRight(h.Vendor, "\x00")
		h.Product = strings.TrimRight(h.Product, "\x00")
		hat = &h
	}
	found := ""
	for _, r := range rs {
		if !r.matches(model, hat) {
			continue
		}
		if r.needsHAT() {
			return r.Board, nil
		}
		if found == "" {
			found = r.Board
		}
	}
	if found == "" {
		return "", fmt.Errorf("no board for model %q (known boards: %s); start with --board NAME", model, strings.Join(Names(), ", "))
	}
	return found, nil
}

// DetectHost detects the board of the host whose root file system is at
// root ("/" on the device; "" means "/"). readHAT may be nil; it returns
// nil, nil when no HAT is fitted.
func DetectHost(root string, readHAT func() (*HAT, error)) (string, error) {
	if root == "" {
		root = "/"
	}
	model, err := os.ReadFile(filepath.Join(root, "proc", "device-tree", "model"))
	if err != nil {
		return "", fmt.Errorf("detect board: %v (known boards: %s); start with --board NAME", err, strings.Join(Names(), ", "))
	}
	var hat *HAT
	if readHAT != nil {
		if hat, err = readHAT(); err != nil {
			return "", fmt.Errorf("detect board: HAT EEPROM: %v; start with --board NAME", err)
		}
	}
	return Detect(string(model), hat)
}

// ResolveName turns the --board flag into a board name. An empty flag means
// Auto on arm and arm64 (goarch is runtime.GOARCH) and "sim" elsewhere;
// Auto calls detect, typically DetectHost.
func ResolveName(flag, goarch string, detect func() (string, error)) (string, error) {
	if flag == "" {
		flag = "sim"
		if goarch == "arm" || goarch == "arm64" {
			flag = Auto
		}
	}
	if flag == Auto {
		return detect()
	}
	if !slices.Contains(Names(), flag) {
		return "", fmt.Errorf("board %q: unknown (known boards: %s, or %s)", flag, strings.Join(Names(), ", "), Auto)
	}
	return flag, nil
}
