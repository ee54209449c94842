package provision

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestTheExampleFileIsAValidProvisioning(t *testing.T) {
	p, src, err := Load("example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Terminal != "kiosk-1" || p.Role != "kiosk" || len(p.Bus.URLs) != 2 || p.CredsPath() != "/etc/onetrip/kiosk.creds" {
		t.Errorf("read %+v", p)
	}
	if p.Location.String() != "Asia/Shanghai" || len(p.UpdateKey) != 32 || !p.WiFi.Configured() {
		t.Errorf("read %+v", p)
	}
	if len(src) == 0 {
		t.Error("no source returned")
	}
}

// base is a valid file; each case below changes one line of it.
const base = `terminal = "counter-3"
role = "counter"
window = 3
time_zone = "Asia/Urumqi"
service_pin_hash = "$2a$10$LqUQR3PiEQ3kFmz7MPXOVunwjHa47yxt0gR9GnsNprNUrMRWUOHbe"
update_public_key = "onetrip-ed25519-public qUTlgYY/TXx555x/v10pcJDJRmzeaiQuH8Bujhqz248="

[bus]
urls = ["nats://10.20.0.2:4222"]
creds_content = """
# hall: xihu
SUAKEYSEED
"""

[wifi]
ssid = "hall-terminals"
psk = "s3cret-wifi-key"
country = "CN"
`

const secretPSK = "s3cret-wifi-key"

// edit replaces the line starting with prefix (a multi-line string whole;
// line "" removes it; prefix "" adds line at the end) and returns the file
// and the line's number.
func edit(t *testing.T, prefix, line string) (string, int) {
	t.Helper()
	lines := strings.Split(base, "\n")
	for i, l := range lines {
		if prefix != "" && strings.HasPrefix(l, prefix) {
			if strings.HasSuffix(l, `"""`) { // a multi-line string: all of it
				end := i + 1
				for !strings.HasPrefix(lines[end], `"""`) {
					end++
				}
				lines = append(lines[:i+1], lines[end+1:]...)
			}
			if line == "" {
				lines = append(lines[:i], lines[i+1:]...)
				return strings.Join(lines, "\n"), i + 1
			}
			lines[i] = line
			return strings.Join(lines, "\n"), i + 1
		}
	}
	if prefix != "" {
		t.Fatalf("no line %q", prefix)
	}
	return base + line + "\n", len(lines)
}

func TestBaseIsValid(t *testing.T) {
	p, err := Parse("k.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if p.CredsPath() != InstalledCreds || p.Window != 3 || p.TimeZone != "Asia/Urumqi" {
		t.Errorf("read %+v", p)
	}
}

func TestProblemsNameTheFileAndLine(t *testing.T) {
	for _, c := range []struct {
		prefix, line string
		atLine       string // the line the error must name: "" the edited one
		want         string
	}{
		{"terminal", `termnial = "counter-3"`, "", `unknown key "termnial"`},
		{"psk", `password = "s3cret-wifi-key"`, "", `unknown key "wifi.password"`},
		{"terminal", `terminal = "counter 3"`, "", `terminal: missing or not letters, digits and '-' (got "counter 3")`},
		{"role", `role = "cashier"`, "", `role "cashier" must be one of kiosk, guide, counter, display`},
		{"window", ``, "role", `a counter needs window = N`},
		{"window", `window = "3"`, "", `window must be a whole number`},
		{"role", `role = "display"`, "window", `window is for counters only (this terminal is a display)`},
		{"time_zone", `time_zone = "Mars/Olympus"`, "", `time_zone "Mars/Olympus" is not a known time zone`},
		{"time_zone", `time_zone = "../../etc/passwd"`, "", `is not a zone name`},
		{"service_pin_hash", `service_pin_hash = "1234"`, "", `service_pin_hash is not a bcrypt hash`},
		{"service_pin_hash", `service_pin_hash = "$2a$04$LqUQR3PiEQ3kFmz7MPXOVunwjHa47yxt0gR9GnsNprNUrMRWUOHbe"`, "", `bcrypt cost 4; use 10 to 14`},
		{"update_public_key", `update_public_key = "onetrip-ed25519-public AAAA"`, "", `update_public_key: onetrip-ed25519-public: the key has 3 bytes, an ed25519 key has 32`},
		{"update_public_key", `update_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"`, "", `update_public_key: not a key line`},
		{"urls", `urls = ["http://10.20.0.2:4222"]`, "", `bus URL "http://10.20.0.2:4222" must look like nats://HOST:4222`},
		{"urls", `urls = ["nats://kiosk:pw@10.20.0.2:4222"]`, "", `carries a user: put credentials in creds`},
		{"[bus]", "[bus]\ncreds = \"/etc/onetrip/c.creds\"", "creds_content", `[bus] has both creds and creds_content`},
		{"creds_content", `creds = "kiosk.creds"`, "", `creds "kiosk.creds" must be an absolute path on the board`},
		{"window", `window = 0`, "", `window 0: windows are numbered from 1`},
		{"# hall", `SUAKEYSEED2`, "creds_content", `creds_content has no "# hall:" line`},
		{"ssid", `ssid = "hall;terminals"`, "", `a ';' or a space at either end`},
		{"psk", `psk = "short"`, "", `wifi psk must be 8 to 63 printable ASCII characters or 64 hex digits (got 5 characters)`},
		{"psk", "psk = \"s3cret-wifi-key\u00e9\"", "", `wifi psk must be 8 to 63 printable ASCII`},
		{"country", `country = "cn"`, "", `wifi country "cn" must be a two-letter country code`},
		{"terminal", `terminal = `, "", `expected value`},
	} {
		src, n := edit(t, c.prefix, c.line)
		if c.atLine != "" {
			n = lineOf(t, src, c.atLine)
		}
		_, err := Parse("counter-3.toml", []byte(src))
		want := fmt.Sprintf("counter-3.toml:%d: ", n)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s…%s", c.line, err, want, c.want)
			continue
		}
		if strings.Contains(err.Error(), secretPSK) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q shows the Wi-Fi key or is not one line", c.line, err)
		}
	}
}

func lineOf(t *testing.T, src, prefix string) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("no line %q", prefix)
	return 0
}

func TestMissingKeysAreNamed(t *testing.T) {
	for _, c := range []struct{ prefix, want string }{
		{"service_pin_hash", "counter-3.toml: service_pin_hash is missing"},
		{"update_public_key", "counter-3.toml: update_public_key is missing"},
		{"terminal", `counter-3.toml: terminal: missing`},
	} {
		src, _ := edit(t, c.prefix, "")
		if _, err := Parse("counter-3.toml", []byte(src)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("without %s: %v", c.prefix, err)
		}
	}
	guide := strings.Replace(strings.Replace(base, `role = "counter"`, `role = "guide"`, 1), "window = 3\n", "", 1)
	guide = guide[:strings.Index(guide, "[bus]")]
	if _, err := Parse("g.toml", []byte(guide)); err == nil || !strings.Contains(err.Error(), `a guide needs the hall bus`) {
		t.Errorf("a guide without a bus: %v", err)
	}
	if _, err := Parse("e.toml", []byte("# nothing yet\n")); err == nil || err.Error() != "e.toml: the file is empty" {
		t.Errorf("an empty file: %v", err)
	}
}

func TestTheWiFiKeyIsNeverPrinted(t *testing.T) {
	p, err := Parse("k.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, p); strings.Contains(s, secretPSK) {
			t.Errorf("%s shows the key: %s", verb, s)
		}
	}
	if s := fmt.Sprint(p.WiFi); s != `Wi-Fi "hall-terminals" (CN)` {
		t.Errorf("the network reads %q", s)
	}
}

func TestBootFilesCarryTheProvisioning(t *testing.T) {
	p, err := Parse("k.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.BootFiles([]byte(base), "onetrip-1.2.0-rpi4-kiosk.tar", "rpi4-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Name] = string(f.Data)
	}
	if got["onetrip/provision.toml"] != base || got["firstrun.sh"] != string(FirstRunScript) {
		t.Error("the provisioning file or the script is not copied unchanged")
	}
	if got["onetrip/bus.creds"] != p.Bus.CredsContent {
		t.Errorf("bus.creds = %q", got["onetrip/bus.creds"])
	}
	conn := got["onetrip/wifi.nmconnection"]
	for _, want := range []string{"type=wifi\n", "ssid=hall-terminals\n", "key-mgmt=wpa-psk\n", "psk=" + secretPSK + "\n", "[ipv4]\nmethod=auto\n"} {
		if !strings.Contains(conn, want) {
			t.Errorf("the connection lacks %q:\n%s", want, conn)
		}
	}
	// The script reads its settings by sourcing the file: the shell must
	// read back exactly what was meant.
	env := t.TempDir() + "/firstrun.env"
	os.WriteFile(env, []byte(got["onetrip/firstrun.env"]), 0o644)
	out, err := exec.Command("bash", "-c", `. "$1" && printf '%s|%s|%s|%s' "$ONETRIP_BUNDLE" "$ONETRIP_BOARD" "$ONETRIP_TIME_ZONE" "$ONETRIP_WIFI_COUNTRY"`, "-", env).CombinedOutput()
	if err != nil || string(out) != "onetrip-1.2.0-rpi4-kiosk.tar|rpi4-kiosk|Asia/Urumqi|CN" {
		t.Errorf("firstrun.env reads as %q (%v)", out, err)
	}
	if _, err := p.BootFiles([]byte(base), "bundle'; reboot; '.tar", "rpi4-kiosk"); err == nil {
		t.Error("a bundle name with quotes was accepted")
	}
}

func TestKeyfileValuesAreEscaped(t *testing.T) {
	p := &Provision{WiFi: WiFi{SSID: "hall", PSK: ` back\slash key`, Country: "CN"}}
	conn, err := p.WiFi.connection()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conn), "psk=\\sback\\\\slash key\n") {
		t.Errorf("escaped psk not found in:\n%s", conn)
	}
}

func TestCmdlineStartsTheFirstBootOnce(t *testing.T) {
	const orig = "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n"
	p, err := Parse("k.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.EditCmdline(orig)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(orig) + " cfg80211.ieee80211_regdom=CN systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n"
	if got != want {
		t.Errorf("cmdline\n got %q\nwant %q", got, want)
	}
	if again, _ := p.EditCmdline(got); again != got {
		t.Errorf("editing twice gives %q", again)
	}
	// What the first boot's sed leaves: the original line and the country.
	cmd := exec.Command("sed", "s| systemd.run.*||g")
	cmd.Stdin = strings.NewReader(got)
	after, err := cmd.Output()
	if err != nil || string(after) != strings.TrimSpace(orig)+" cfg80211.ieee80211_regdom=CN\n" {
		t.Errorf("after the first boot: %q (%v)", after, err)
	}
	wired := &Provision{}
	if got, _ := wired.EditCmdline(orig); strings.Contains(got, "regdom") {
		t.Errorf("a wired terminal's cmdline sets a radio country: %q", got)
	}
	for _, bad := range []string{"console=tty1 rootwait\n", orig + "second line\n"} {
		if _, err := p.EditCmdline(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
