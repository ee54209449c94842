package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"onetrip/firmware/bundle"
)

func TestKeygenWritesAPairThatSignsBundles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if code := keygenCommand([]string{"--out", dir}); code != 0 {
		t.Fatalf("keygen exit status %d", code)
	}
	st, err := os.Stat(filepath.Join(dir, "update.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("update.key mode %v, want 0600: it is the signing key", st.Mode().Perm())
	}
	priv, err := bundle.LoadPrivateKey(filepath.Join(dir, "update.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bundle.LoadPublicKey(filepath.Join(dir, "update.pub"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := bundle.Create(&b, bundle.Manifest{Version: "v1"}, []bundle.Source{{Path: "bin/onetrip", Data: []byte("x")}}, priv); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Read(bytes.NewReader(b.Bytes()), pub); err != nil {
		t.Errorf("a bundle signed with update.key does not verify with update.pub: %v", err)
	}

	other := filepath.Join(t.TempDir(), "keys")
	if code := keygenCommand([]string{"--out", other}); code != 0 {
		t.Fatalf("second keygen exit status %d", code)
	}
	otherPub, _ := bundle.LoadPublicKey(filepath.Join(other, "update.pub"))
	if pub.Equal(otherPub) {
		t.Error("two runs of keygen made the same key")
	}
}

func TestKeygenNeverReplacesAKey(t *testing.T) {
	dir := t.TempDir()
	if code := keygenCommand([]string{"--out", dir}); code != 0 {
		t.Fatalf("keygen exit status %d", code)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "update.key"))
	pub, _ := os.ReadFile(filepath.Join(dir, "update.pub"))
	if code := keygenCommand([]string{"--out", dir}); code == 0 {
		t.Fatal("keygen into a directory holding a key succeeded")
	}
	key2, _ := os.ReadFile(filepath.Join(dir, "update.key"))
	pub2, _ := os.ReadFile(filepath.Join(dir, "update.pub"))
	if !bytes.Equal(key, key2) || !bytes.Equal(pub, pub2) {
		t.Error("a refused keygen changed the key files")
	}

	// A public key alone is refused too, and no private key is left behind.
	lone := t.TempDir()
	os.WriteFile(filepath.Join(lone, "update.pub"), pub, 0o644)
	if _, err := writeKeyPair(lone); err == nil {
		t.Fatal("keygen beside an existing update.pub succeeded")
	}
	if _, err := os.Stat(filepath.Join(lone, "update.key")); err == nil {
		t.Error("a refused keygen wrote update.key")
	}
}

func TestKeygenNeedsOut(t *testing.T) {
	if code := keygenCommand(nil); code != exitConfig {
		t.Errorf("keygen without --out: exit status %d, want %d", code, exitConfig)
	}
}
