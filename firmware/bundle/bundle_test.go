package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onetrip/firmware/bundle/bundletest"
)

func sample(t *testing.T) ([]byte, []byte) {
	t.Helper()
	pub, priv, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m := Manifest{Version: "v1.2.3", Board: "rpi4-kiosk", Arch: "arm64"}
	files := []Source{
		{Path: "bin/onetrip", Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		{Path: "boards/rpi4-kiosk.toml", Data: []byte("name = \"rpi4-kiosk\"\n")},
	}
	if err := Create(&buf, m, files, priv); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), []byte(FormatPublicKey(pub))
}

func TestRoundTripAndExtract(t *testing.T) {
	data, pubText := sample(t)
	pub, err := ParsePublicKey(pubText)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read(bytes.NewReader(data), pub)
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Version != "v1.2.3" || b.Manifest.Board != "rpi4-kiosk" || len(b.Manifest.Files) != 2 {
		t.Fatalf("manifest %+v", b.Manifest)
	}
	dir := t.TempDir()
	if err := b.Extract(dir); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "bin", "onetrip"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("bin/onetrip: %v %v", st, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "boards", "rpi4-kiosk.toml"))
	if string(got) != "name = \"rpi4-kiosk\"\n" {
		t.Fatalf("board file %q", got)
	}
}

// rewrite copies a bundle's tar entries through edit, which may change
// an entry's bytes or drop it (by returning nil).
func rewrite(t *testing.T, data []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	out, err := bundletest.Rewrite(data, edit)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRefusals(t *testing.T) {
	data, pubText := sample(t)
	pub, _ := ParsePublicKey(pubText)
	otherPub, _, _ := GenerateKey(rand.Reader)
	flip := func(target string) func(string, []byte) []byte {
		return func(name string, b []byte) []byte {
			if name == target {
				b = bytes.Clone(b)
				b[len(b)-2] ^= 1
			}
			return b
		}
	}
	drop := func(target string) func(string, []byte) []byte {
		return func(name string, b []byte) []byte {
			if name == target {
				return nil
			}
			return b
		}
	}
	extra := rewrite(t, data, func(_ string, b []byte) []byte { return b })
	{
		var buf bytes.Buffer
		buf.Write(extra[:len(extra)-1024]) // drop the end-of-archive blocks
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "bin/evil", Mode: 0o755, Size: 3})
		tw.Write([]byte("rm\n"))
		tw.Close()
		extra = buf.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		pub  []byte
		want error
		text string
	}{
		{"unsigned", rewrite(t, data, drop(signatureName)), pub, ErrUnsigned, "not signed"},
		{"other key", data, otherPub, ErrBadSignature, "does not match the update key"},
		{"manifest edited", rewrite(t, data, flip(manifestName)), pub, ErrBadSignature, ""},
		{"binary edited", rewrite(t, data, flip("bin/onetrip")), pub, ErrTampered, "bin/onetrip changed"},
		{"file missing", rewrite(t, data, drop("boards/rpi4-kiosk.toml")), pub, ErrTampered, "boards/rpi4-kiosk.toml is missing"},
		{"file added", extra, pub, ErrTampered, "bin/evil is not in the manifest"},
	} {
		_, err := Read(bytes.NewReader(c.data), c.pub)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: got %v, want %v (%q)", c.name, err, c.want, c.text)
		}
	}
	if _, err := Read(strings.NewReader("garbage that is no tar file at all"), pub); err == nil {
		t.Error("garbage accepted as a bundle")
	}
}

func TestCreateRefusesEscapingNames(t *testing.T) {
	_, priv, _ := GenerateKey(rand.Reader)
	for _, p := range []string{"../etc/passwd", "/etc/passwd", "a/../../b", "manifest.json", ""} {
		err := Create(io.Discard, Manifest{}, []Source{{Path: p, Data: []byte("x")}}, priv)
		if err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

func TestKeyText(t *testing.T) {
	pub, priv, _ := GenerateKey(rand.Reader)
	p2, err := ParsePrivateKey([]byte(FormatPrivateKey(priv)))
	if err != nil || !p2.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	for _, bad := range []string{"", "onetrip-ed25519-public", "onetrip-ed25519-public !!!", "onetrip-ed25519-public AAAA", FormatPrivateKey(priv)} {
		if _, err := ParsePublicKey([]byte(bad)); err == nil {
			t.Errorf("public key %q accepted", bad)
		}
	}
	if k, err := ParsePublicKey([]byte(FormatPublicKey(pub))); err != nil || !k.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
}
