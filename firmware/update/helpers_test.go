package update

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/bundle"
)

// programs holds a fake bin/onetrip per version, built once by TestMain.
var programs = map[string][]byte{}

var testVersions = []string{"v1.0.0", "v2.0.0", "v3.0.0"}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helper())
	}
	dir, err := os.MkdirTemp("", "fakeonetrip")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, v := range testVersions {
		out := filepath.Join(dir, v)
		cmd := exec.Command("go", "build", "-o", out, "-ldflags", "-X main.version="+v, "./testdata/fakeonetrip")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build fakeonetrip: %v\n%s", err, b)
			os.Exit(1)
		}
		if programs[v], err = os.ReadFile(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.RemoveAll(dir)
	os.Exit(m.Run())
}

// testKey is the update key of the tests.
type testKey struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newKey(t testing.TB) testKey {
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{pub, priv}
}

// bundleFile writes a signed bundle of version v (with pad extra bytes of
// random data) into dir and returns its path.
func (k testKey) bundleFile(t testing.TB, dir, v string, pad int) string {
	t.Helper()
	files := []bundle.Source{
		{Path: "bin/onetrip", Data: programs[v], Mode: 0o755},
		{Path: "boards/sim.toml", Data: []byte("name = \"sim\"\n")},
		{Path: "packaging/systemd/onetrip.service", Data: []byte("[Service]\nExecStart=/opt/onetrip/current/bin/onetrip run\n")},
	}
	if pad > 0 {
		b := make([]byte, pad)
		rand.Read(b)
		files = append(files, bundle.Source{Path: "assets/pad.bin", Data: b})
	}
	var buf bytes.Buffer
	m := bundle.Manifest{Version: v, Commit: "test", Board: "sim", Arch: runtime.GOARCH}
	if err := bundle.Create(&buf, m, files, k.priv); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, v+".bundle")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

var trialPolicy = Policy{MaxStarts: 3, Healthy: Duration(2 * time.Minute)}

// install installs bundle file name, failing the test on an error.
func install(t testing.TB, r *Root, k testKey, name string) State {
	t.Helper()
	s, err := r.InstallFile(name, k.pub, runtime.GOARCH, trialPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// running is the version current's bin/onetrip says it is, after checking
// that current's files match its manifest; "" with a reason when current
// would not start.
func running(r *Root) (string, error) {
	slot := r.Current()
	if slot == "" {
		return "", fmt.Errorf("current names no slot")
	}
	m, err := r.VerifySlot(slot)
	if err != nil {
		return "", err
	}
	out, err := exec.Command(filepath.Join(r.Dir, "current", "bin", "onetrip"), "version").Output()
	if err != nil {
		return "", fmt.Errorf("current/bin/onetrip version: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "onetrip ")
	if v != m.Version {
		return "", fmt.Errorf("current/bin/onetrip says %s, its manifest %s", v, m.Version)
	}
	return v, nil
}

// snapshot is every path under dir with its link target or content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case info.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			out[rel] = fmt.Sprintf("%v %x", info.Mode(), b)
		default:
			out[rel] = info.Mode().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
