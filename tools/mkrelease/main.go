// Command mkrelease builds one board's signed release bundle: onetrip
// cross-built with cgo for the board's arch, the board file, the packaging
// (systemd unit, udev rules, scripts) and the default hall, in
// dist/onetrip-VERSION-BOARD.tar (see package firmware/bundle).
//
//	go run ./tools/mkrelease -board rpi4-kiosk -key .keys/update.key -version V -commit C -built T
//	go run ./tools/mkrelease -board rpi4-kiosk -debian-arch   # the dpkg architecture it needs
//
// "make release BOARD=NAME" runs it after installing the cross toolchain.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"onetrip/boards"
	"onetrip/firmware/bundle"
)

// stamp is what the binary's "onetrip version" reports and the manifest records.
type stamp struct{ Version, Commit, Built string }

// versionName is what a version may be, since it becomes part of a file name.
var versionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

func main() {
	var (
		board, key, out, goCmd string
		debArch                bool
		v                      stamp
	)
	flag.StringVar(&board, "board", "", "board to release for: a name from boards/ (required)")
	flag.StringVar(&key, "key", "", "signing key file written by onetrip keygen (required)")
	flag.StringVar(&out, "out", "dist", "directory to write the bundle into")
	flag.StringVar(&v.Version, "version", "dev", "version, as git describe says it")
	flag.StringVar(&v.Commit, "commit", "unknown", "commit the release is built from")
	flag.StringVar(&v.Built, "built", "unknown", "build time, UTC")
	flag.StringVar(&goCmd, "go", "go", "go command to build with")
	flag.BoolVar(&debArch, "debian-arch", false, "print the board's dpkg architecture and exit")
	flag.Parse()
	if err := release(board, key, out, goCmd, debArch, v); err != nil {
		fmt.Fprintf(os.Stderr, "mkrelease: %v\n", err)
		os.Exit(1)
	}
}

func release(board, key, out, goCmd string, debArch bool, v stamp) error {
	if board == "" {
		return fmt.Errorf("-board is required (boards: %s)", strings.Join(boards.Names(), ", "))
	}
	b, err := boards.Load(board)
	if err != nil {
		return err
	}
	t, err := targetFor(b.Arch)
	if err != nil {
		return fmt.Errorf("board %s: %w", board, err)
	}
	if debArch {
		fmt.Println(t.Debian)
		return nil
	}
	switch {
	case key == "":
		return errors.New("-key is required: a signing key from onetrip keygen")
	case !versionName.MatchString(v.Version):
		return fmt.Errorf("version %q: use letters, digits and . _ + - only (it names the bundle file)", v.Version)
	}
	priv, err := bundle.LoadPrivateKey(key)
	if err != nil {
		return err
	}
	if err := t.checkTools(false); err != nil {
		return err
	}
	root, err := moduleRoot(goCmd)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mkrelease")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "onetrip")
	if err := build(goCmd, root, t, v, bin); err != nil {
		return err
	}
	files, err := contents(root, board, bin)
	if err != nil {
		return err
	}
	m := bundle.Manifest{Version: v.Version, Commit: v.Commit, Built: v.Built, Board: board, Arch: t.GOARCH, Go: goVersion(goCmd)}
	name := filepath.Join(out, fmt.Sprintf("onetrip-%s-%s.tar", v.Version, board))
	size, sum, err := write(name, m, files, priv)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d files, %.1f MB (%d bytes), sha256 %s\n", name, len(files)+2, float64(size)/1e6, size, sum)
	fmt.Printf("  board %s, %s (GOARCH=%s%s), onetrip %s, signed by %s",
		board, t.Debian, t.GOARCH, armSuffix(t), v.Version, bundle.FormatPublicKey(priv.Public().(ed25519.PublicKey)))
	return nil
}

func armSuffix(t target) string {
	if t.GOARM == "" {
		return ""
	}
	return " GOARM=" + t.GOARM
}

// build compiles the onetrip command for t into bin: what a terminal runs
// (-tags kiosk leaves out the hall controller), without the symbol table
// and DWARF data (a panic still prints its stack).
func build(goCmd, root string, t target, v stamp, bin string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.built=%s", v.Version, v.Commit, v.Built)
	cmd := exec.Command(goCmd, "build", "-trimpath", "-tags", "kiosk", "-ldflags", ldflags, "-o", bin, "./firmware/cmd/onetrip")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), t.env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building onetrip for %s (%s): %w\n%s", t.Debian, strings.Join(t.env(), " "), err, out.Bytes())
	}
	return nil
}

// moduleRoot is the directory of onetrip's go.mod.
func moduleRoot(goCmd string) (string, error) {
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run mkrelease inside the onetrip module (go env GOMOD: %q, %v)", mod, err)
	}
	return filepath.Dir(mod), nil
}

// goVersion is the version of the go command that builds the release.
func goVersion(goCmd string) string {
	out, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// defaultHall is the hall file a release installs until the controller
// publishes the hall's own.
const defaultHall = "assets/halls/sample.toml"

// contents lists a board's release files: the binary, the board file,
// the default hall and every file under packaging/ at its own path (a
// program there stays executable). Fonts, catalogs, printer profiles and
// the pages are compiled into the binary.
func contents(root, board, bin string) ([]bundle.Source, error) {
	files := []bundle.Source{
		{Path: "bin/onetrip", From: bin, Mode: 0o755},
		{Path: "boards/" + board + ".toml", From: filepath.Join(root, "boards", board+".toml")},
		{Path: "config/hall.toml", From: filepath.Join(root, filepath.FromSlash(defaultHall))},
	}
	err := filepath.WalkDir(filepath.Join(root, "packaging"), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == filepath.Join(root, "packaging") {
			return fs.SkipAll // no packaging in this tree
		}
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files can be released", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files = append(files, bundle.Source{Path: path.Clean(filepath.ToSlash(rel)), From: p, Mode: mode})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("packaging: %w", err)
	}
	return files, nil
}

// write creates the signed bundle at name (complete or not at all),
// verifies it as a terminal would, and returns its size and sha256.
func write(name string, m bundle.Manifest, files []bundle.Source, priv ed25519.PrivateKey) (int64, string, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return 0, "", err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".mkrelease-*")
	if err != nil {
		return 0, "", err
	}
	defer os.Remove(f.Name())
	h := sha256.New()
	n := &counter{}
	err = bundle.Create(io.MultiWriter(f, h, n), m, files, priv)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		return 0, "", fmt.Errorf("bundle %s: %w", name, err)
	}
	if _, err := bundle.Open(f.Name(), priv.Public().(ed25519.PublicKey)); err != nil {
		return 0, "", fmt.Errorf("the bundle just written does not verify: %w", err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return 0, "", err
	}
	return n.n, hex.EncodeToString(h.Sum(nil)), nil
}

// counter counts the bytes written through it.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
