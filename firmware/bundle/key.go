package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"os"
)

// The key files are one line each, so a technician can paste a public key
// into a provisioning file:
//
//	onetrip-ed25519-public BASE64
//	onetrip-ed25519-private BASE64   (the 32-byte seed)
const (
	publicTag  = "onetrip-ed25519-public"
	privateTag = "onetrip-ed25519-private"
)

// GenerateKey makes a signing key pair from rand (crypto/rand.Reader).
func GenerateKey(rand io.Reader) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(rand)
}

// FormatPublicKey is the one-line text form of pub.
func FormatPublicKey(pub ed25519.PublicKey) string {
	return publicTag + " " + base64.StdEncoding.EncodeToString(pub) + "\n"
}

// FormatPrivateKey is the one-line text form of priv.
func FormatPrivateKey(priv ed25519.PrivateKey) string {
	return privateTag + " " + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"
}

// ParsePublicKey reads the text form of a public key.
func ParsePublicKey(text []byte) (ed25519.PublicKey, error) {
	b, err := parseKey(text, publicTag, ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(b), nil
}

// ParsePrivateKey reads the text form of a private key.
func ParsePrivateKey(text []byte) (ed25519.PrivateKey, error) {
	b, err := parseKey(text, privateTag, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// LoadPublicKey reads a public key file.
func LoadPublicKey(name string) (ed25519.PublicKey, error) {
	text, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("update key: %w", err)
	}
	k, err := ParsePublicKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// LoadPrivateKey reads a private key file.
func LoadPrivateKey(name string) (ed25519.PrivateKey, error) {
	text, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k, err := ParsePrivateKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

func parseKey(text []byte, tag string, size int) ([]byte, error) {
	fields := bytes.Fields(text)
	if len(fields) != 2 || string(fields[0]) != tag {
		return nil, fmt.Errorf("not a key line %q BASE64", tag)
	}
	b, err := base64.StdEncoding.DecodeString(string(fields[1]))
	if err != nil {
		return nil, fmt.Errorf("%s: the key is not base64: %w", tag, err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("%s: the key has %d bytes, an ed25519 key has %d", tag, len(b), size)
	}
	return b, nil
}
