package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionsBecomeOnesDpkgOrders(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":                  "1.2.3",
		"1.2.3":                   "1.2.3",
		"v1.2.3-4-gabcdef0":       "1.2.3+4+gabcdef0",
		"v1.2.3-4-gabcdef0-dirty": "1.2.3+4+gabcdef0+dirty",
		"c93f9af-dirty":           "0~gitc93f9af+dirty",
	} {
		got, err := debianVersion(in)
		if err != nil || got != want {
			t.Errorf("version %q → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "unknown", "v1.2 beta", "1.2/3"} {
		if got, err := debianVersion(in); err == nil {
			t.Errorf("version %q accepted as %q", in, got)
		}
	}
}

func TestTheVersionComesFromTheLinkerFlags(t *testing.T) {
	for flags, want := range map[string]string{
		"-X main.version=v1.2.3 -X main.commit=abc":         "v1.2.3",
		"-s -w -X 'main.version=v2.0.0' -X main.built=2026": "v2.0.0",
		"-X=main.version=v3":                                "v3",
		"-X main.commit=abc":                                "",
		"":                                                  "",
	} {
		if got := ldflagsVersion(flags); got != want {
			t.Errorf("-ldflags %q: version %q, want %q", flags, got, want)
		}
	}
}

// goBuild builds a tiny Go program for goos/goarch with env set.
func goBuild(t *testing.T, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module probe\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644)
	bin := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=v0.1.0", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", env, err, out)
	}
	return bin
}

func TestTheArchitectureIsTheBinarys(t *testing.T) {
	for env, want := range map[string]string{
		"GOARCH=arm64":       "arm64",
		"GOARCH=arm GOARM=7": "armhf",
	} {
		b, err := inspect(goBuild(t, append(strings.Fields(env), "GOOS=linux", "CGO_ENABLED=0")...))
		if err != nil || b.arch != want || b.version != "v0.1.0" || len(b.depends) != 0 {
			t.Errorf("%s: %+v %v; want arch %s, version v0.1.0, no depends (static)", env, b, err, want)
		}
	}
	if _, err := inspect("mkdeb_test.go"); err == nil || !strings.Contains(err.Error(), "not a Go binary") {
		t.Errorf("a text file: %v", err)
	}
}

func TestLinkedLibrariesBecomeDepends(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("needs gcc for a cgo build")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module probe\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n// #cgo LDFLAGS: -lX11 -lz\n// #include <stdlib.h>\nimport \"C\"\nfunc main() { C.free(nil) }\n"), 0o644)
	bin := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "CGO_LDFLAGS=-Wl,--no-as-needed")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cgo build: %v\n%s", err, out)
	}
	_, err := depends(bin)
	if err == nil || !strings.Contains(err.Error(), "libz.so.1") || !strings.Contains(err.Error(), "libPackages") {
		t.Fatalf("a binary linking libz: %v, want an error naming libz.so.1 and the table to add it to", err)
	}
	libPackages["libz.so.1"] = []string{"zlib1g"}
	defer delete(libPackages, "libz.so.1")
	got, err := depends(bin)
	want := "libc6,libx11-6,libx11-xcb1,libxcursor1,libxi6,libxinerama1,libxrandr2,libxrender1,libxxf86vm1,zlib1g"
	if err != nil || strings.Join(got, ",") != want {
		t.Fatalf("depends %v, %v; want %s (GLFW opens the X libraries beside libX11 itself)", got, err, want)
	}
}
