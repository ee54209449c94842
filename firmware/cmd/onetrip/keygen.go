package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"onetrip/firmware/bundle"
)

// Key file names: update.key signs release bundles and stays with whoever
// builds them; update.pub goes into every terminal's provisioning file.
const (
	privateKeyFile = "update.key"
	publicKeyFile  = "update.pub"
)

// keygenCommand is "onetrip keygen --out DIR": a new update key pair.
func keygenCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip keygen", flag.ContinueOnError)
	out := fs.String("out", "", "directory for update.key (the signing key, mode 0600) and update.pub (required)")
	err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil && *out == "" {
		err = errors.New("--out DIR is required")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip keygen: %v (see onetrip keygen -h)\n", err)
		return exitConfig
	}
	pub, err := writeKeyPair(*out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip keygen: %v\n", err)
		return 1
	}
	fmt.Printf("wrote %s (keep it secret: it signs releases) and %s;\nthe provisioning file's update_public_key is:\n%s",
		filepath.Join(*out, privateKeyFile), filepath.Join(*out, publicKeyFile), bundle.FormatPublicKey(pub))
	return 0
}

// writeKeyPair makes a key pair and writes it into dir. It never replaces
// a key: if either file exists, nothing is written.
func writeKeyPair(dir string) (ed25519.PublicKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	priv, pub := filepath.Join(dir, privateKeyFile), filepath.Join(dir, publicKeyFile)
	for _, name := range []string{priv, pub} {
		if _, err := os.Lstat(name); err == nil {
			return nil, fmt.Errorf("%s already exists: keygen never replaces a key (move it away first)", name)
		}
	}
	pk, sk, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := writeNew(priv, bundle.FormatPrivateKey(sk), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(pub, bundle.FormatPublicKey(pk), 0o644); err != nil {
		os.Remove(priv) // half a pair is no use to anyone
		return nil, err
	}
	return pk, nil
}

// writeNew writes a file that must not exist yet, synced to disk.
func writeNew(name, text string, mode fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	_, err = f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("key file %s: %w", name, err)
	}
	return nil
}
