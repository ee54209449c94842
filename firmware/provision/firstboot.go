package provision

import (
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// FirstRunScript is the first-boot script (firstrun.sh) as Raspberry Pi
// OS Bookworm runs it from the boot partition.
//
//go:embed firstrun.sh
var FirstRunScript []byte

// Where the first boot finds things on the boot partition.
const (
	ScriptName = "firstrun.sh"
	Dir        = "onetrip" // the provisioning, the bundle, Wi-Fi, credentials
)

// The parameters that make systemd run the script instead of booting, then
// reboot; the script removes everything from " systemd.run" on.
var runParams = []string{
	"systemd.run=/boot/firmware/" + ScriptName,
	"systemd.run_success_action=reboot",
	"systemd.unit=kernel-command-line.target",
}

// File is a file for the boot partition.
type File struct {
	Name string // slash-separated, from the partition's root
	Data []byte
}

var bundleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*\.tar$`)

var boardName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// BootFiles are what the first boot needs beside the bundle, which goes
// into Dir under bundle (its file name): the script, the provisioning file
// src unchanged, its settings for the script (the bundle, the board the
// service runs as), and the Wi-Fi connection and credentials when the file
// has them.
func (p *Provision) BootFiles(src []byte, bundle, board string) ([]File, error) {
	if !bundleName.MatchString(bundle) {
		return nil, fmt.Errorf("bundle file name %q: expected onetrip-VERSION-BOARD.tar", bundle)
	}
	if !boardName.MatchString(board) {
		return nil, fmt.Errorf("board %q: not a board name", board)
	}
	env := map[string]string{
		"ONETRIP_BUNDLE":       bundle,
		"ONETRIP_BOARD":        board,
		"ONETRIP_TIME_ZONE":    p.TimeZone,
		"ONETRIP_WIFI_COUNTRY": p.WiFi.Country,
	}
	var b strings.Builder
	b.WriteString("# Written by onetrip flash for firstrun.sh.\n")
	for _, k := range []string{"ONETRIP_BUNDLE", "ONETRIP_BOARD", "ONETRIP_TIME_ZONE", "ONETRIP_WIFI_COUNTRY"} {
		fmt.Fprintf(&b, "%s=%s\n", k, shellQuote(env[k]))
	}
	files := []File{
		{ScriptName, FirstRunScript},
		{path.Join(Dir, "provision.toml"), src},
		{path.Join(Dir, "firstrun.env"), []byte(b.String())},
	}
	if p.Bus.CredsContent != "" {
		files = append(files, File{path.Join(Dir, "bus.creds"), []byte(p.Bus.CredsContent)})
	}
	if p.WiFi.Configured() {
		conn, err := p.WiFi.connection()
		if err != nil {
			return nil, err
		}
		files = append(files, File{path.Join(Dir, "wifi.nmconnection"), conn})
	}
	return files, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// connection is the NetworkManager keyfile (Bookworm's network stack)
// for the network.
func (w WiFi) connection() ([]byte, error) {
	var uuid [16]byte
	if _, err := rand.Read(uuid[:]); err != nil {
		return nil, err
	}
	uuid[6] = uuid[6]&0x0f | 0x40
	uuid[8] = uuid[8]&0x3f | 0x80
	return fmt.Appendf(nil, `[connection]
id=onetrip-wifi
uuid=%x-%x-%x-%x-%x
type=wifi
autoconnect=true

[wifi]
mode=infrastructure
ssid=%s

[wifi-security]
key-mgmt=wpa-psk
psk=%s

[ipv4]
method=auto

[ipv6]
addr-gen-mode=default
method=auto
`, uuid[0:4], uuid[4:6], uuid[6:8], uuid[8:10], uuid[10:], keyfileValue(w.SSID), keyfileValue(w.PSK)), nil
}

// keyfileValue escapes a value as GLib's key files read it.
func keyfileValue(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	if strings.HasPrefix(s, " ") {
		s = `\s` + s[1:]
	}
	return s
}

// EditCmdline returns cmdline.txt with the first boot's parameters added
// (and, with Wi-Fi, the radio's country, as Raspberry Pi Imager sets it).
// The Raspberry Pi firmware reads one line; a file with more is refused.
func (p *Provision) EditCmdline(cmdline string) (string, error) {
	lines := strings.Split(strings.TrimRight(cmdline, "\r\n\t "), "\n")
	if len(lines) != 1 {
		return "", errors.New("more than one line (the firmware reads only the first)")
	}
	params := strings.Fields(lines[0])
	if !strings.Contains(" "+lines[0], " root=") {
		return "", errors.New("no root= parameter: not a Raspberry Pi OS boot partition")
	}
	kept := params[:0]
	for _, prm := range params {
		if !strings.HasPrefix(prm, "systemd.run") && !strings.HasPrefix(prm, "systemd.unit=") &&
			!strings.HasPrefix(prm, "cfg80211.ieee80211_regdom=") {
			kept = append(kept, prm)
		}
	}
	if p.WiFi.Configured() {
		kept = append(kept, "cfg80211.ieee80211_regdom="+p.WiFi.Country)
	}
	return strings.Join(append(kept, runParams...), " ") + "\n", nil
}
