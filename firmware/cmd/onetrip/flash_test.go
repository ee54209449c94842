package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/bundle"
	"onetrip/firmware/flash/flashtest"
	"onetrip/firmware/provision"
)

// flashKit is what a technician has on the laptop: a base image, a signed
// bundle, a provisioning file.
type flashKit struct {
	dir, image, bundle, provision string
	bundleBytes, provBytes        []byte
}

const provisionText = `terminal = "kiosk-7"
role = "kiosk"
time_zone = "Asia/Shanghai"
service_pin_hash = "$2a$10$LqUQR3PiEQ3kFmz7MPXOVunwjHa47yxt0gR9GnsNprNUrMRWUOHbe"
update_public_key = "KEY"

[bus]
urls = ["nats://10.20.0.2:4222"]
creds = "/etc/onetrip/kiosk.creds"

[wifi]
ssid = "hall-terminals"
psk = "s3cret-wifi-key"
country = "CN"
`

func newFlashKit(t *testing.T, board string, signer ed25519.PrivateKey, trusted ed25519.PublicKey) *flashKit {
	t.Helper()
	k := &flashKit{dir: t.TempDir()}
	k.image = filepath.Join(k.dir, "raspios-lite.img")
	if err := flashtest.MakeImage(k.image, k.dir, flashtest.DefaultLayout); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	err := bundle.Create(&b, bundle.Manifest{Version: "1.2.0", Board: board, Arch: "arm64"}, []bundle.Source{
		{Path: "bin/onetrip", Data: []byte("the program"), Mode: 0o755},
		{Path: "packaging/scripts/postinstall.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755},
	}, signer)
	if err != nil {
		t.Fatal(err)
	}
	k.bundleBytes = b.Bytes()
	k.bundle = filepath.Join(k.dir, "onetrip-1.2.0-"+board+".tar")
	os.WriteFile(k.bundle, k.bundleBytes, 0o644)
	key := strings.TrimSpace(bundle.FormatPublicKey(trusted))
	k.provBytes = []byte(strings.Replace(provisionText, "KEY", key, 1))
	k.provision = filepath.Join(k.dir, "kiosk-7.toml")
	os.WriteFile(k.provision, k.provBytes, 0o644)
	return k
}

func keyPair(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func (k *flashKit) flash(image, target string, extra ...string) (int, string, string) {
	var out, errs bytes.Buffer
	args := append([]string{"--image", image, "--device", target, "--board", "rpi4-kiosk", "--provision", k.provision, "--bundle", k.bundle}, extra...)
	code := flashTo(args, &out, &errs)
	return code, out.String(), errs.String()
}

func TestFlashMakesACardThatProvisionsItself(t *testing.T) {
	pub, priv := keyPair(t)
	k := newFlashKit(t, "rpi4-kiosk", priv, pub)
	if out, err := exec.Command("xz", "-k", "-1", "-T2", k.image).CombinedOutput(); err != nil {
		t.Fatalf("xz: %v: %s", err, out)
	}
	for _, image := range []string{k.image, k.image + ".xz"} {
		t.Run(filepath.Ext(image), func(t *testing.T) {
			card := filepath.Join(t.TempDir(), "card.img")
			code, out, errs := k.flash(image, card)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.Contains(out, "onetrip 1.2.0 for rpi4-kiosk, terminal kiosk-7 (kiosk)") {
				t.Errorf("the summary: %s", out)
			}
			if strings.Contains(out+errs, "s3cret-wifi-key") {
				t.Error("the Wi-Fi key was printed")
			}
			l := flashtest.DefaultLayout
			for name, want := range map[string][]byte{
				"::/onetrip/onetrip-1.2.0-rpi4-kiosk.tar": k.bundleBytes,
				"::/onetrip/provision.toml":               k.provBytes,
				"::/firstrun.sh":                          provision.FirstRunScript,
				"::/config.txt":                           []byte(flashtest.ConfigTxt),
			} {
				got, err := flashtest.Read(card, l, name)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes (%v), want the %d given", name, len(got), err, len(want))
				}
			}
			cmdline, _ := flashtest.Read(card, l, "::/cmdline.txt")
			if want := strings.TrimSpace(flashtest.Cmdline) + " cfg80211.ieee80211_regdom=CN systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target\n"; string(cmdline) != want {
				t.Errorf("cmdline.txt = %q\nwant %q", cmdline, want)
			}
			listing, err := flashtest.Dir(card, l, "::/onetrip")
			if err != nil || !strings.Contains(listing, "wifi.nmconnection") || !strings.Contains(listing, "firstrun.env") {
				t.Errorf("::/onetrip holds %s (%v)", listing, err)
			}
			if err := flashtest.CheckRoot(card, t.TempDir(), l); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFlashRefusesBeforeWriting(t *testing.T) {
	pub, priv := keyPair(t)
	_, otherPriv := keyPair(t)
	good := newFlashKit(t, "rpi4-kiosk", priv, pub)
	foreign := newFlashKit(t, "rpi4-kiosk", otherPriv, pub) // signed by someone else
	wrongBoard := newFlashKit(t, "rpi5-kiosk", priv, pub)
	badKey := newFlashKit(t, "rpi4-kiosk", priv, pub)
	os.WriteFile(badKey.provision, bytes.Replace(badKey.provBytes, []byte(strings.TrimSpace(bundle.FormatPublicKey(pub))), []byte("onetrip-ed25519-public not-base64!"), 1), 0o644)
	for _, c := range []struct {
		name string
		kit  *flashKit
		args []string
		want string
	}{
		{"a bad update key", badKey, nil, badKey.provision + ":5: update_public_key: onetrip-ed25519-public: the key is not base64"},
		{"a bundle signed with another key", foreign, nil, "the bundle's signature does not match the update key (update_public_key in " + foreign.provision + ")"},
		{"a bundle for another board", wrongBoard, []string{"--bundle", wrongBoard.bundle}, `is for board "rpi5-kiosk", not --board rpi4-kiosk`},
		{"an unknown board", good, []string{"--board", "rpi9"}, `--board "rpi9": unknown (known boards: `},
	} {
		t.Run(c.name, func(t *testing.T) {
			card := filepath.Join(t.TempDir(), "card.img")
			code, _, errs := c.kit.flash(c.kit.image, card, c.args...)
			if code != exitConfig || !strings.HasPrefix(errs, "onetrip flash: ") || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d: %q, want one line with %q", code, errs, c.want)
			}
			if _, err := os.Stat(card); err == nil {
				t.Error("the card was written")
			}
		})
	}
	var errs bytes.Buffer
	if code := flashTo([]string{"--device", "card.img"}, &bytes.Buffer{}, &errs); code != exitConfig || errs.String() != "onetrip flash: --image is required (see onetrip flash -h)\n" {
		t.Errorf("without --image: %d %q", code, errs.String())
	}
}

func TestNewestBundleIsTheDefault(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "onetrip-1.1.0-rpi4-kiosk.tar")
	newer := filepath.Join(dir, "onetrip-1.2.0-rpi4-kiosk.tar")
	other := filepath.Join(dir, "onetrip-1.3.0-rpi5-kiosk.tar")
	for i, f := range []string{old, newer, other} {
		os.WriteFile(f, nil, 0o644)
		at := time.Date(2026, 5, 1+i, 9, 0, 0, 0, time.UTC)
		os.Chtimes(f, at, at)
	}
	if got, err := newestBundle(dir, "rpi4-kiosk"); err != nil || got != newer {
		t.Errorf("newest: %s, %v", got, err)
	}
	if _, err := newestBundle(dir, "cm4-kiosk"); err == nil || !strings.Contains(err.Error(), "no bundle for cm4-kiosk in "+dir+"/ (make release BOARD=cm4-kiosk, or give --bundle FILE)") {
		t.Errorf("none: %v", err)
	}
}

func TestRunTakesWhatTheProvisioningSays(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "provision.toml")
	pub, _ := keyPair(t)
	counter := strings.NewReplacer(`role = "kiosk"`, "role = \"counter\"\nwindow = 4", "KEY", strings.TrimSpace(bundle.FormatPublicKey(pub))).Replace(provisionText)
	os.WriteFile(file, []byte(counter), 0o644)
	f, err := parseFlags([]string{"--provision", file, "--data", dir})
	if err != nil {
		t.Fatal(err)
	}
	if f.Terminal != "kiosk-7" || f.Role != "counter" || f.Window != 4 || f.Bus != "nats://10.20.0.2:4222" || f.Creds != "/etc/onetrip/kiosk.creds" || !strings.HasPrefix(f.ServicePINHash, "$2a$10$") {
		t.Errorf("from the file: %+v", f)
	}
	f, err = parseFlags([]string{"--provision", file, "--data", dir, "--terminal", "counter-9", "--window", "9", "--creds", "/tmp/c.creds"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Terminal != "counter-9" || f.Window != 9 || f.Creds != "/tmp/c.creds" || f.Role != "counter" {
		t.Errorf("flags over the file: %+v", f)
	}
	os.WriteFile(file, []byte(strings.Replace(counter, "window = 4", "window = four", 1)), 0o644)
	if _, err := parseFlags([]string{"--provision", file, "--data", dir}); err == nil || !strings.HasPrefix(err.Error(), file+":3: ") {
		t.Errorf("a broken file: %v", err)
	}
}
