// Package provision reads the provisioning file a technician writes for one
// terminal (who it is, its hall bus, Wi-Fi, time zone, service PIN, update
// key) and prepares what onetrip flash puts on the card's boot partition
// for the first boot to install.
//
// The file is checked when flashing, so a mistake is found at the desk, not
// on the board: every problem reads "file:line: problem", unknown keys
// included. The Wi-Fi key is a secret and never appears in a message.
package provision

import (
	"crypto/ed25519"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/bundle"
	"onetrip/firmware/tomlpos"
)

// InstalledPath is where the first boot installs the provisioning file
// (root:onetrip 0640), and where onetrip run reads it.
const InstalledPath = "/etc/onetrip/provision.toml"

// InstalledCreds is where the first boot installs credentials given in the
// file as creds_content.
const InstalledCreds = "/etc/onetrip/bus.creds"

// DefaultTimeZone is the time zone of a file that names none.
const DefaultTimeZone = "Asia/Shanghai"

// Roles are the terminal roles a file may name.
var Roles = []string{"kiosk", "guide", "counter", "display"}

// Provision is one terminal's provisioning.
type Provision struct {
	Terminal string `toml:"terminal"`
	Role     string `toml:"role"`
	Window   int    `toml:"window"` // counters: the window number
	TimeZone string `toml:"time_zone"`
	// ServicePINHash is the bcrypt hash of the service-mode PIN.
	ServicePINHash string `toml:"service_pin_hash"`
	// UpdatePublicKey is the one-line key (onetrip-ed25519-public BASE64)
	// that release bundles must be signed with.
	UpdatePublicKey string `toml:"update_public_key"`
	Bus             Bus    `toml:"bus"`
	WiFi            WiFi   `toml:"wifi"`

	// UpdateKey is UpdatePublicKey, parsed.
	UpdateKey ed25519.PublicKey `toml:"-"`
	// Location is TimeZone, loaded.
	Location *time.Location `toml:"-"`
}

// Bus is the hall bus. Credentials are either a file already on the board
// (Creds) or the file's content (CredsContent), which the first boot
// installs as InstalledCreds.
type Bus struct {
	URLs         []string `toml:"urls"`
	Creds        string   `toml:"creds"`
	CredsContent string   `toml:"creds_content"`
}

// WiFi is the wireless network to join; absent for a wired terminal.
type WiFi struct {
	SSID    string `toml:"ssid"`
	PSK     string `toml:"psk"`
	Country string `toml:"country"` // ISO 3166 code: the radio's legal channels
}

// String names the network without its key.
func (w WiFi) String() string { return fmt.Sprintf("Wi-Fi %q (%s)", w.SSID, w.Country) }

// GoString keeps the key out of %#v too.
func (w WiFi) GoString() string { return w.String() }

// Configured says whether the file names a Wi-Fi network.
func (w WiFi) Configured() bool { return w.SSID != "" }

// CredsPath is the credentials file the terminal uses on the board: the
// named file, the installed content, or "" without a bus.
func (p *Provision) CredsPath() string {
	if p.Bus.CredsContent != "" {
		return InstalledCreds
	}
	return p.Bus.Creds
}

// Load reads and checks the provisioning file at path.
func Load(path string) (*Provision, []byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("provisioning file: %w", err)
	}
	p, err := Parse(path, src)
	return p, src, err
}

// Parse checks src, naming the file as name in errors.
func Parse(name string, src []byte) (*Provision, error) {
	p := &Provision{Role: "kiosk", TimeZone: DefaultTimeZone}
	f := tomlpos.New(name, src)
	if _, err := f.Decode(p); err != nil {
		return nil, err
	}
	c := checker{f: f}
	for _, check := range []func(*Provision) error{c.terminal, c.role, c.timeZone, c.pin, c.key, c.bus, c.wifi} {
		if err := check(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

var (
	terminalID  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)
	zoneName    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*$`)
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	hexKey      = regexp.MustCompile(`^[0-9A-Fa-f]{64}$`)
	busSchemes  = []string{"nats", "tls", "ws", "wss"}
)

// Costs of the service PIN's bcrypt hash: below the default is quick to
// guess from a stolen card, above the top a Pi Zero takes seconds per try.
const minCost, maxCost = bcrypt.DefaultCost, 14

type checker struct{ f *tomlpos.File }

func (c checker) fail(table, key, format string, args ...any) error {
	return c.f.Errorf(c.f.Line(table, 0, key), format, args...)
}

func (c checker) terminal(p *Provision) error {
	if !terminalID.MatchString(p.Terminal) {
		return c.fail("", "terminal", "terminal: missing or not letters, digits and '-' (got %q), e.g. terminal = \"kiosk-1\"", p.Terminal)
	}
	return nil
}

func (c checker) role(p *Provision) error {
	switch {
	case !slices.Contains(Roles, p.Role):
		return c.fail("", "role", "role %q must be one of %s", p.Role, strings.Join(Roles, ", "))
	case p.Role == "counter" && !c.f.Has("", 0, "window"):
		return c.fail("", "role", "a counter needs window = N, the window it signs in to")
	case p.Role == "counter" && p.Window < 1:
		return c.fail("", "window", "window %d: windows are numbered from 1", p.Window)
	case p.Role != "counter" && c.f.Has("", 0, "window"):
		return c.fail("", "window", "window is for counters only (this terminal is a %s)", p.Role)
	}
	return nil
}

func (c checker) timeZone(p *Provision) error {
	if !zoneName.MatchString(p.TimeZone) || p.TimeZone == "Local" {
		return c.fail("", "time_zone", "time_zone %q is not a zone name like \"Asia/Shanghai\"", p.TimeZone)
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return c.fail("", "time_zone", "time_zone %q is not a known time zone (like \"Asia/Shanghai\")", p.TimeZone)
	}
	p.Location = loc
	return nil
}

func (c checker) pin(p *Provision) error {
	if p.ServicePINHash == "" {
		return c.fail("", "service_pin_hash", "service_pin_hash is missing: the bcrypt hash of the service PIN")
	}
	cost, err := bcrypt.Cost([]byte(p.ServicePINHash))
	switch {
	case err != nil:
		return c.fail("", "service_pin_hash", "service_pin_hash is not a bcrypt hash ($2a$10$… or $2b$10$…): %v", err)
	case cost < minCost || cost > maxCost:
		return c.fail("", "service_pin_hash", "service_pin_hash has bcrypt cost %d; use %d to %d", cost, minCost, maxCost)
	}
	return nil
}

func (c checker) key(p *Provision) error {
	if p.UpdatePublicKey == "" {
		return c.fail("", "update_public_key", "update_public_key is missing: the line in the release key's .pub file (onetrip-ed25519-public …)")
	}
	k, err := bundle.ParsePublicKey([]byte(p.UpdatePublicKey))
	if err != nil {
		return c.fail("", "update_public_key", "update_public_key: %v", err)
	}
	p.UpdateKey = k
	return nil
}

func (c checker) bus(p *Provision) error {
	b := p.Bus
	if len(b.URLs) == 0 {
		if p.Role != "kiosk" {
			return c.fail("bus", "urls", "a %s needs the hall bus: [bus] urls = [\"nats://HOST:4222\"]", p.Role)
		}
		if b.Creds != "" || b.CredsContent != "" {
			return c.fail("bus", "creds", "[bus] has credentials but no urls")
		}
		return nil
	}
	for _, raw := range b.URLs {
		u, err := url.Parse(raw)
		if err != nil || !slices.Contains(busSchemes, u.Scheme) || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
			return c.fail("bus", "urls", "bus URL %q must look like nats://HOST:4222 (schemes %s)", raw, strings.Join(busSchemes, ", "))
		}
		if u.User != nil {
			return c.fail("bus", "urls", "bus URL %q carries a user: put credentials in creds, not in the URL", u.Redacted())
		}
	}
	switch {
	case b.Creds == "" && b.CredsContent == "":
		return c.fail("bus", "", "[bus] needs creds = \"/path/on/the/board\" or creds_content = \"\"\"…\"\"\" (a file from the controller's creds/ directory)")
	case b.Creds != "" && b.CredsContent != "":
		return c.fail("bus", "creds_content", "[bus] has both creds and creds_content: keep one")
	case b.Creds != "" && !strings.HasPrefix(b.Creds, "/"):
		return c.fail("bus", "creds", "creds %q must be an absolute path on the board, like %q", b.Creds, InstalledCreds)
	case b.CredsContent != "" && !strings.Contains(b.CredsContent, "# hall:"):
		return c.fail("bus", "creds_content", "creds_content has no \"# hall:\" line: paste the whole file the controller wrote into its creds/ directory")
	}
	return nil
}

func (c checker) wifi(p *Provision) error {
	w := p.WiFi
	if !c.f.Has("wifi", 0, "") && w == (WiFi{}) {
		return nil
	}
	switch {
	case w.SSID == "" || len(w.SSID) > 32:
		return c.fail("wifi", "ssid", "wifi ssid must be 1 to 32 bytes (got %d)", len(w.SSID))
	case strings.ContainsFunc(w.SSID, unicode.IsControl):
		return c.fail("wifi", "ssid", "wifi ssid %q has control characters", w.SSID)
	case strings.Contains(w.SSID, ";") || strings.TrimSpace(w.SSID) != w.SSID:
		// NetworkManager's connection files read these as a list of bytes
		// or drop them.
		return c.fail("wifi", "ssid", "wifi ssid %q: a ';' or a space at either end cannot be written into the board's network settings", w.SSID)
	case !validPSK(w.PSK):
		// Never the key itself: this line may be read over a shoulder or logged.
		return c.fail("wifi", "psk", "wifi psk must be 8 to 63 printable ASCII characters or 64 hex digits (got %d characters)", len(w.PSK))
	case !countryCode.MatchString(w.Country):
		return c.fail("wifi", "country", "wifi country %q must be a two-letter country code like \"CN\" (the radio's legal channels depend on it)", w.Country)
	}
	return nil
}

func validPSK(psk string) bool {
	if hexKey.MatchString(psk) {
		return true
	}
	if len(psk) < 8 || len(psk) > 63 {
		return false
	}
	for _, c := range psk {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
