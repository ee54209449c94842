package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"onetrip/firmware/bundle"
	"onetrip/firmware/rollout"
	"onetrip/firmware/update"
)

// releaseFixture signs bundles of the real onetrip with a test key.
type releaseFixture struct {
	dir, key string
	priv     []byte
}

func newRelease(t *testing.T) *releaseFixture {
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "update.pub")
	os.WriteFile(key, []byte(bundle.FormatPublicKey(pub)), 0o644)
	return &releaseFixture{dir: dir, key: key, priv: priv}
}

func (f *releaseFixture) bundle(t *testing.T, version string) string {
	t.Helper()
	var buf bytes.Buffer
	m := bundle.Manifest{Version: version, Board: "sim", Arch: runtime.GOARCH}
	src := []bundle.Source{{Path: "bin/onetrip", From: onetripBin, Mode: 0o755}}
	if err := bundle.Create(&buf, m, src, f.priv); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(f.dir, version+".bundle")
	os.WriteFile(name, buf.Bytes(), 0o644)
	return name
}

// onetripIn runs a command of the onetrip program at path and returns its
// exit status and output.
func onetripIn(t *testing.T, path string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(path, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func updateState(t *testing.T, root string) update.State {
	t.Helper()
	s, err := update.New(root).State()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUpdateCommitsOnAttractAndRollsBackAfterFailedStarts(t *testing.T) {
	rel := newRelease(t)
	root := t.TempDir()
	upd := func(b string, extra ...string) (int, string) {
		return onetripIn(t, onetripBin, append([]string{"update", b, "--root", root, "--key", rel.key, "--restart=false"}, extra...)...)
	}
	if code, out := upd(rel.bundle(t, "v1.0.0")); code != 0 || !strings.Contains(out, "committed at once") {
		t.Fatalf("first install: status %d\n%s", code, out)
	}
	code, out := upd(rel.bundle(t, "v2.0.0"), "--healthy", "1s", "--max-starts", "2")
	if code != 0 || !strings.Contains(out, "installed v2.0.0 into slot b") || !strings.Contains(out, "v1.0.0 in slot a comes back") {
		t.Fatalf("update: status %d\n%s", code, out)
	}
	bootCheck := func() string {
		code, out := onetripIn(t, filepath.Join(root, "committed", "bin", "onetrip"), "boot-check", "--root", root)
		if code != 0 {
			t.Fatalf("boot-check: status %d\n%s", code, out)
		}
		return out
	}
	if out := bootCheck(); !strings.Contains(out, "starting v2.0.0 from slot b on trial: start 1") {
		t.Fatalf("boot-check: %s", out)
	}

	// The new version runs from current, shows attract and commits itself.
	cmd := exec.Command(filepath.Join(root, "current", "bin", "onetrip"), "run", "--headless", "--board", "sim", "--data", t.TempDir(), "--metrics", "off")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(60 * time.Second)
	for !updateState(t, root).Committed {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("v2.0.0 never committed itself\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if !strings.Contains(log.String(), "update committed") {
		t.Errorf("the kiosk's log does not say it committed:\n%s", log.String())
	}
	if out := bootCheck(); !strings.Contains(out, "starting v2.0.0 from slot b\n") {
		t.Fatalf("boot-check after the commit: %s", out)
	}

	// v3 never shows attract (it is never run): after 2 starts v2 comes back.
	if code, out := upd(rel.bundle(t, "v3.0.0"), "--max-starts", "2"); code != 0 {
		t.Fatalf("update to v3: status %d\n%s", code, out)
	}
	bootCheck()
	bootCheck()
	if out := bootCheck(); !strings.Contains(out, "rolled back: v3.0.0 gave up") || !strings.Contains(out, "starting v2.0.0 from slot b") {
		t.Fatalf("third boot-check: %s", out)
	}
	if code, out := onetripIn(t, filepath.Join(root, "current", "bin", "onetrip"), "version"); code != 0 {
		t.Fatalf("current/bin/onetrip version after the rollback: %d %s", code, out)
	}
}

func TestUpdateRefusesTamperedBundleAndChangesNothing(t *testing.T) {
	rel := newRelease(t)
	root := t.TempDir()
	b1 := rel.bundle(t, "v1.0.0")
	onetripIn(t, onetripBin, "update", b1, "--root", root, "--key", rel.key, "--restart=false")
	state, _ := os.ReadFile(filepath.Join(root, "state.json"))
	data, _ := os.ReadFile(rel.bundle(t, "v2.0.0"))
	data[len(data)/2] ^= 1 // inside bin/onetrip, most of the bundle
	bad := filepath.Join(rel.dir, "tampered.bundle")
	os.WriteFile(bad, data, 0o644)
	code, out := onetripIn(t, onetripBin, "update", bad, "--root", root, "--key", rel.key, "--restart=false")
	if code != 1 || out != "onetrip update: refused: bundle "+bad+": the bundle's contents differ from its signed manifest: bin/onetrip changed\n" {
		t.Fatalf("status %d, output %q", code, out)
	}
	after, _ := os.ReadFile(filepath.Join(root, "state.json"))
	if !bytes.Equal(state, after) {
		t.Fatalf("the state changed:\n%s\n%s", state, after)
	}
	if _, err := os.Stat(filepath.Join(root, "slots", "b")); !os.IsNotExist(err) {
		t.Fatalf("slot b was written: %v", err)
	}
	var s update.State
	json.Unmarshal(after, &s)
	if s.Version() != "v1.0.0" {
		t.Fatalf("state %+v", s)
	}
}

// The kiosk's installer for staged rollouts downloads the ordered bundle
// and installs it only if it is the version ordered.
func TestRolloutInstallerInstallsOnlyTheVersionOrdered(t *testing.T) {
	rel := newRelease(t)
	root := t.TempDir()
	onetripIn(t, onetripBin, "update", rel.bundle(t, "v1.0.0"), "--root", root, "--key", rel.key, "--restart=false")
	v2, _ := os.ReadFile(rel.bundle(t, "v2.0.0"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(v2) }))
	defer srv.Close()
	key, err := bundle.LoadPublicKey(rel.key)
	if err != nil {
		t.Fatal(err)
	}
	inst := rootInstaller{update.New(root), key}
	err = inst.Install(context.Background(), rollout.Order{Version: "v3.0.0", URL: srv.URL + "/v3.bundle"})
	if err == nil || !strings.Contains(err.Error(), "is v2.0.0, the order says v3.0.0") {
		t.Fatalf("a bundle of another version: %v", err)
	}
	if s, _ := inst.Status(); s.Running != "v1.0.0" || !s.Committed {
		t.Fatalf("after refusing: %+v", s)
	}
	if err := inst.Install(context.Background(), rollout.Order{Version: "v2.0.0", URL: srv.URL + "/v2.bundle"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := inst.Status(); s.Running != "v2.0.0" || s.Committed {
		t.Fatalf("after installing: %+v, want v2.0.0 on trial", s)
	}
	if left, _ := filepath.Glob(filepath.Join(root, "download-*")); len(left) != 0 {
		t.Fatalf("downloads left: %v", left)
	}
}
