package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"onetrip/boards"
	"onetrip/firmware/bundle"
)

// TestArm64ReleaseRunsUnderQemu makes rpi4-kiosk's release as make release
// does, checks what the bundle holds, and runs the arm64 binary from it
// under qemu-user: onetrip version, a headless kiosk on the sim board that
// reaches the attract screen, and onetrip selftest on the sim board. It
// needs the cross toolchain, the arm64 -dev packages and qemu-user-static,
// which make test installs; without them it fails and says so.
func TestArm64ReleaseRunsUnderQemu(t *testing.T) {
	const board = "rpi4-kiosk"
	b, err := boards.Load(board)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := targetFor(b.Arch)
	if err != nil {
		t.Fatal(err)
	}
	if tg.GOARCH != "arm64" {
		t.Fatalf("%s is %s; this test is about an arm64 board", board, tg.GOARCH)
	}
	if err := tg.checkTools(true); err != nil {
		t.Fatal(err)
	}
	root, err := moduleRoot("go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "update.key")
	if err := os.WriteFile(key, []byte(bundle.FormatPrivateKey(priv)), 0o600); err != nil {
		t.Fatal(err)
	}
	v := stamp{Version: "v0.0.0-smoke", Commit: "c0ffee", Built: "2026-01-02T03:04:05Z"}
	if err := release(board, key, filepath.Join(dir, "dist"), "go", false, v); err != nil {
		t.Fatal(err)
	}

	bun, err := bundle.Open(filepath.Join(dir, "dist", "onetrip-v0.0.0-smoke-"+board+".tar"), pub)
	if err != nil {
		t.Fatal(err)
	}
	if m := bun.Manifest; m.Board != board || m.Arch != "arm64" || m.Version != v.Version || m.Commit != v.Commit || !strings.HasPrefix(m.Go, "go1.") {
		t.Errorf("manifest %+v", m)
	}
	want := map[string]string{
		"boards/" + board + ".toml": filepath.Join(root, "boards", board+".toml"),
		"config/hall.toml":          filepath.Join(root, "assets", "halls", "sample.toml"),
	}
	filepath.WalkDir(filepath.Join(root, "packaging"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			want[filepath.ToSlash(rel)] = p
		}
		return nil
	})
	for inBundle, src := range want {
		repo, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bun.File(inBundle), repo) {
			t.Errorf("bundle's %s differs from %s", inBundle, src)
		}
	}
	if len(bun.Manifest.Files) != len(want)+1 {
		t.Errorf("bundle holds %d files, want the binary and %d others: %+v", len(bun.Manifest.Files), len(want), bun.Manifest.Files)
	}
	install := filepath.Join(dir, "slot")
	if err := bun.Extract(install); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(install, "bin", "onetrip")
	if st, err := os.Stat(bin); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("bin/onetrip: %v %v", st, err)
	}

	t.Run("version", func(t *testing.T) {
		out, err := tg.command(bin, "version").CombinedOutput()
		if err != nil {
			t.Fatalf("onetrip version: %v\n%s", err, out)
		}
		for _, w := range []string{"onetrip v0.0.0-smoke", "commit  c0ffee", "linux/arm64"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("onetrip version says %q, want %q in it", out, w)
			}
		}
	})
	t.Run("headless kiosk reaches attract", func(t *testing.T) {
		addr := freePort(t)
		cmd := tg.command(bin, "run", "--headless", "--board", "sim", "--data", t.TempDir(), "--control", addr)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		defer func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-done
			}
		}()
		// Under emulation the start takes seconds; the deadline only bounds a hang.
		deadline := time.Now().Add(2 * time.Minute)
		for screen := ""; screen != "attract"; {
			select {
			case err := <-done:
				t.Fatalf("onetrip run exited before the attract screen: %v\n%s", err, log.Bytes())
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("no attract screen after 2 minutes (last screen %q)\n%s", screen, log.Bytes())
			}
			screen = currentScreen(addr)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-done; err != nil {
			t.Errorf("onetrip run after SIGTERM: %v\n%s", err, log.Bytes())
		}
	})
	t.Run("selftest", func(t *testing.T) {
		out, err := tg.command(bin, "selftest", "--board", "sim").CombinedOutput()
		if err != nil {
			t.Fatalf("onetrip selftest --board sim: %v\n%s", err, out)
		}
	})
}

// currentScreen asks the control API at addr which screen is shown; "" while
// it does not answer.
func currentScreen(addr string) string {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + addr + "/screen")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var s struct {
		Screen string `json:"screen"`
	}
	json.NewDecoder(resp.Body).Decode(&s)
	return s.Screen
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// A board's arch picks its toolchain, and a board without one is the host's.
func TestEveryBoardHasATarget(t *testing.T) {
	for _, name := range boards.Names() {
		b, err := boards.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		tg, err := targetFor(b.Arch)
		if err != nil {
			t.Errorf("board %s: %v", name, err)
			continue
		}
		if b.Arch == "" && !tg.native() {
			t.Errorf("board %s has no arch but builds for %s, not this machine", name, tg.GOARCH)
		}
	}
	for _, arch := range boards.Arches {
		if _, ok := targets[arch]; !ok {
			t.Errorf("boards accept arch %q but mkrelease cannot build it", arch)
		}
	}
}

func TestRefusals(t *testing.T) {
	key := filepath.Join(t.TempDir(), "update.key")
	_, priv, _ := bundle.GenerateKey(rand.Reader)
	os.WriteFile(key, []byte(bundle.FormatPrivateKey(priv)), 0o600)
	for _, tt := range []struct {
		name, board, key, version, want string
	}{
		{"no board", "", key, "v1", "-board is required (boards: cm4-kiosk"},
		{"unknown board", "rpi3-kiosk", key, "v1", `board "rpi3-kiosk": unknown`},
		{"no key", "rpi4-kiosk", "", "v1", "-key is required"},
		{"missing key", "rpi4-kiosk", key + ".missing", "v1", "signing key: open"},
		{"version with a slash", "rpi4-kiosk", key, "v1/../../x", `version "v1/../../x": use letters`},
	} {
		err := release(tt.board, tt.key, t.TempDir(), "go", false, stamp{Version: tt.version})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// The Makefile asks which dpkg architecture a board needs packages for.
func TestDebianArch(t *testing.T) {
	out, err := exec.Command("go", "run", ".", "-board", "rpizero2w-guide", "-debian-arch").Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "armhf\n" {
		t.Errorf("-debian-arch for rpizero2w-guide printed %q, want armhf", out)
	}
}
