// Package bundle reads and writes release bundles: one tar file holding
// manifest.json, its ed25519 signature manifest.sig, and the files the
// manifest lists with their sizes and sha256 sums.
//
// The signature covers the manifest and the manifest covers every file, so
// a bundle verifies as a whole or not at all: Open refuses an unsigned
// bundle, a signature from another key, a file whose bytes changed, a file
// the manifest does not list, and a listed file that is missing.
package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"onetrip/firmware/durable"
)

// Format is the bundle layout version written into every manifest.
const Format = 1

const (
	manifestName  = "manifest.json"
	signatureName = "manifest.sig"
)

var (
	// ErrUnsigned reports a bundle without manifest.sig.
	ErrUnsigned = errors.New("the bundle is not signed")
	// ErrBadSignature reports a signature that the key does not verify.
	ErrBadSignature = errors.New("the bundle's signature does not match the update key")
	// ErrTampered reports contents that differ from the signed manifest.
	ErrTampered = errors.New("the bundle's contents differ from its signed manifest")
)

// Manifest says what a bundle holds and what it was built from.
type Manifest struct {
	Format  int    `json:"format"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Built   string `json:"built"`
	Board   string `json:"board"`
	Arch    string `json:"arch"` // GOARCH, with GOARM: arm64, arm (v7), amd64
	Go      string `json:"go"`
	Files   []File `json:"files"`
}

// File is one file of a bundle.
type File struct {
	Path   string `json:"path"` // slash-separated, relative: bin/onetrip
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Mode   uint32 `json:"mode"` // permission bits: 0755 for programs
}

// Source is a file to put into a bundle: the bytes of Data, or the file
// at From when Data is nil.
type Source struct {
	Path string
	From string
	Data []byte
	Mode fs.FileMode
}

func (s Source) read() ([]byte, error) {
	if s.Data != nil {
		return s.Data, nil
	}
	b, err := os.ReadFile(s.From)
	if err != nil {
		return nil, fmt.Errorf("bundle file %s: %w", s.Path, err)
	}
	return b, nil
}

// Create writes a signed bundle of files to w. The manifest's Files are
// filled in from the sources; its other fields are kept.
func Create(w io.Writer, m Manifest, files []Source, key ed25519.PrivateKey) error {
	m.Format = Format
	m.Files = nil
	contents := make([][]byte, len(files))
	seen := map[string]bool{}
	for i, src := range files {
		if err := checkPath(src.Path); err != nil {
			return err
		}
		if seen[src.Path] {
			return fmt.Errorf("bundle file %s: listed twice", src.Path)
		}
		seen[src.Path] = true
		b, err := src.read()
		if err != nil {
			return err
		}
		contents[i] = b
		mode := src.Mode.Perm()
		if mode == 0 {
			mode = 0o644
		}
		sum := sha256.Sum256(b)
		m.Files = append(m.Files, File{Path: src.Path, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Mode: uint32(mode)})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	manifest = append(manifest, '\n')
	tw := tar.NewWriter(w)
	put := func(name string, mode int64, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	if err := put(manifestName, 0o644, manifest); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := put(signatureName, 0o644, ed25519.Sign(key, manifest)); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	for i, f := range m.Files {
		if err := put(f.Path, int64(f.Mode), contents[i]); err != nil {
			return fmt.Errorf("bundle file %s: %w", f.Path, err)
		}
	}
	return tw.Close()
}

// Bundle is a bundle whose signature and contents have been verified.
type Bundle struct {
	Manifest Manifest
	files    map[string][]byte
}

// Open reads the bundle file at name and verifies it against pub.
func Open(name string, pub ed25519.PublicKey) (*Bundle, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	defer f.Close()
	b, err := Read(f, pub)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", name, err)
	}
	return b, nil
}

// maxFile bounds one file of a bundle, so a hostile tar cannot exhaust memory.
const maxFile = 256 << 20

// Read reads a bundle from r and verifies it against pub.
func Read(r io.Reader, pub ed25519.PublicKey) (*Bundle, error) {
	entries := map[string][]byte{}
	var order []string
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a bundle (a tar file): %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("%w: %s is not a regular file", ErrTampered, h.Name)
		}
		if h.Size > maxFile {
			return nil, fmt.Errorf("%s: %d bytes is more than a bundle file may hold", h.Name, h.Size)
		}
		if _, dup := entries[h.Name]; dup {
			return nil, fmt.Errorf("%w: %s appears twice", ErrTampered, h.Name)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		entries[h.Name] = b
		order = append(order, h.Name)
	}
	manifest, ok := entries[manifestName]
	if !ok {
		return nil, fmt.Errorf("no %s: not a onetrip bundle", manifestName)
	}
	sig, ok := entries[signatureName]
	if !ok {
		return nil, ErrUnsigned
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, manifest, sig) {
		return nil, ErrBadSignature
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s: format %d, this firmware reads format %d", manifestName, m.Format, Format)
	}
	b := &Bundle{Manifest: m, files: map[string][]byte{}}
	for _, f := range m.Files {
		if err := checkPath(f.Path); err != nil {
			return nil, err
		}
		data, ok := entries[f.Path]
		if !ok {
			return nil, fmt.Errorf("%w: %s is missing", ErrTampered, f.Path)
		}
		sum := sha256.Sum256(data)
		if int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, fmt.Errorf("%w: %s changed", ErrTampered, f.Path)
		}
		b.files[f.Path] = data
	}
	for _, name := range order {
		if name != manifestName && name != signatureName && b.files[name] == nil {
			return nil, fmt.Errorf("%w: %s is not in the manifest", ErrTampered, name)
		}
	}
	return b, nil
}

// File returns the contents of the bundle file at p, or nil.
func (b *Bundle) File(p string) []byte { return b.files[p] }

// Extract writes the bundle's files under dir with their modes, each
// synced to disk, and the directories they are in.
func (b *Bundle) Extract(dir string) error {
	dirs := map[string]bool{dir: true}
	for _, f := range b.Manifest.Files {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		parent := filepath.Dir(target)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fmt.Errorf("extract %s: %w", f.Path, err)
		}
		dirs[parent] = true
		if err := durable.WriteFile(target, b.files[f.Path], fs.FileMode(f.Mode)); err != nil {
			return fmt.Errorf("extract %s: %w", f.Path, err)
		}
	}
	names := make([]string, 0, len(dirs))
	for d := range dirs {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range slices.Backward(names) {
		if err := durable.SyncDir(d); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
	}
	return nil
}

// checkPath refuses names that could leave the directory a bundle is
// extracted into, or collide with the manifest.
func checkPath(p string) error {
	switch {
	case p == "" || p != path.Clean(p) || path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "\\"):
		return fmt.Errorf("%w: bad file name %q", ErrTampered, p)
	case p == manifestName || p == signatureName:
		return fmt.Errorf("bundle file %s: the name is reserved", p)
	}
	return nil
}
