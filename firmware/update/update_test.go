package update

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"onetrip/firmware/bundle"
	"onetrip/firmware/bundle/bundletest"
)

// retar copies a bundle's entries through edit (nil drops the entry).
func retar(t *testing.T, name string, edit func(entry string, b []byte) []byte) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	out, err := bundletest.Rewrite(data, edit)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := os.CreateTemp(filepath.Dir(name), "edited-*.bundle")
	if err != nil {
		t.Fatal(err)
	}
	defer edited.Close()
	if _, err := edited.Write(out); err != nil {
		t.Fatal(err)
	}
	return edited.Name()
}

func TestRefusedBundlesChangeNothing(t *testing.T) {
	f := newFixture(t)
	other := newKey(t)
	dir := t.TempDir()
	foreignArch := "riscv64"
	if runtime.GOARCH == foreignArch {
		foreignArch = "arm64"
	}
	wrongArch := func() string {
		var buf bytes.Buffer
		m := bundle.Manifest{Version: "v3.0.0", Arch: foreignArch}
		if err := bundle.Create(&buf, m, []bundle.Source{{Path: "bin/onetrip", Data: programs["v3.0.0"], Mode: 0o755}}, f.k.priv); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "arch.bundle")
		os.WriteFile(name, buf.Bytes(), 0o644)
		return name
	}()
	cases := []struct {
		name, bundle string
		err          error
		says         string
	}{
		{"unsigned", retar(t, f.b3, func(e string, b []byte) []byte {
			if e == "manifest.sig" {
				return nil
			}
			return b
		}), bundle.ErrUnsigned, "not signed"},
		{"another key", other.bundleFile(t, dir, "v3.0.0", 0), bundle.ErrBadSignature, "does not match the update key"},
		{"tampered program", retar(t, f.b3, func(e string, b []byte) []byte {
			if e == "bin/onetrip" {
				b = bytes.Clone(b)
				b[len(b)/2] ^= 0x40
			}
			return b
		}), bundle.ErrTampered, "bin/onetrip changed"},
		{"another architecture", wrongArch, nil, "for " + foreignArch},
		{"not a bundle", func() string {
			n := filepath.Join(dir, "junk")
			os.WriteFile(n, []byte("hello"), 0o644)
			return n
		}(), nil, "not a bundle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.committed(t)
			before := snapshot(t, r.Dir)
			_, err := r.InstallFile(c.bundle, f.k.pub, runtime.GOARCH, trialPolicy)
			if err == nil {
				t.Fatal("installed")
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("error %v, want %v", err, c.err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "refused: ") || !strings.Contains(msg, c.says) || strings.Contains(msg, "\n") {
				t.Errorf("message %q: want one line starting \"refused: \" and saying %q", msg, c.says)
			}
			if after := snapshot(t, r.Dir); !equalMaps(before, after) {
				t.Errorf("the root changed:\nbefore %v\nafter  %v", keys(before), keys(after))
			}
			if v, err := running(r); v != "v2.0.0" {
				t.Errorf("running %q (%v)", v, err)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestInstallGoesToTheSlotNotRunning(t *testing.T) {
	f := newFixture(t)
	r := New(t.TempDir())
	s := install(t, r, f.k, f.b1)
	if s.Active != "a" || !s.Committed || s.Previous != "" {
		t.Fatalf("first install: %+v, want slot a, committed, nothing to go back to", s)
	}
	running1 := snapshot(t, r.SlotDir("a"))
	s = install(t, r, f.k, f.b2)
	if s.Active != "b" || s.Committed || s.Previous != "a" || s.Version() != "v2.0.0" {
		t.Fatalf("second install: %+v, want v2.0.0 in slot b on trial, a to go back to", s)
	}
	if !equalMaps(running1, snapshot(t, r.SlotDir("a"))) {
		t.Fatal("installing changed the running slot")
	}
	if v, err := running(r); v != "v2.0.0" {
		t.Fatalf("current runs %q (%v)", v, err)
	}
	// While v2 is on trial, slot a is the only way back: no third install.
	if _, err := r.InstallFile(f.b3, f.k.pub, runtime.GOARCH, trialPolicy); !errors.Is(err, ErrOnTrial) {
		t.Fatalf("install during a trial: %v, want ErrOnTrial", err)
	}
	if ok, err := r.Commit("a"); ok || err != nil {
		t.Fatalf("committing the slot not on trial: %v %v", ok, err)
	}
	if ok, err := r.Commit("b"); !ok || err != nil {
		t.Fatalf("commit: %v %v", ok, err)
	}
	s = install(t, r, f.k, f.b3)
	if s.Active != "a" || s.Previous != "b" || s.Versions["b"] != "v2.0.0" {
		t.Fatalf("third install: %+v", s)
	}
}

func TestRollbackAfterFailedStarts(t *testing.T) {
	f := newFixture(t)
	r := f.committed(t)
	install(t, r, f.k, f.b3)
	for start := 1; start <= trialPolicy.MaxStarts; start++ {
		b, err := r.BootCheck()
		if err != nil {
			t.Fatal(err)
		}
		if b.Version != "v3.0.0" || b.Starts != start || b.RolledBack != "" {
			t.Fatalf("start %d: %+v, want v3.0.0 on its start %d", start, b, start)
		}
	}
	b, err := r.BootCheck()
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != "v2.0.0" || b.RolledBack != "v3.0.0" || !strings.Contains(b.Why, "3 times") {
		t.Fatalf("start %d: %+v, want v2.0.0 back after v3.0.0 failed 3 starts", trialPolicy.MaxStarts+1, b)
	}
	if v, err := running(r); v != "v2.0.0" {
		t.Fatalf("after the rollback current runs %q (%v)", v, err)
	}
	s, _ := r.State()
	if !s.Committed || s.Previous != "" || s.RolledBack != "v3.0.0" {
		t.Fatalf("state after the rollback: %+v", s)
	}
	// The version that came back stays: further starts change nothing.
	if b, _ := r.BootCheck(); b.Version != "v2.0.0" || b.RolledBack != "" {
		t.Fatalf("next start: %+v", b)
	}
}

func TestCommittedVersionIsNotRolledBack(t *testing.T) {
	f := newFixture(t)
	r := f.committed(t)
	install(t, r, f.k, f.b3)
	r.BootCheck()
	if ok, err := r.Commit("a"); !ok || err != nil {
		t.Fatalf("commit: %v %v", ok, err)
	}
	for range trialPolicy.MaxStarts + 2 {
		if b, err := r.BootCheck(); err != nil || b.Version != "v3.0.0" {
			t.Fatalf("boot check of a committed version: %+v %v", b, err)
		}
	}
}

func TestBrokenSlotOnTrialRollsBackAtOnce(t *testing.T) {
	f := newFixture(t)
	r := f.committed(t)
	s := install(t, r, f.k, f.b3)
	if err := os.WriteFile(filepath.Join(r.SlotDir(s.Active), "boards", "sim.toml"), []byte("scribbled"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := r.BootCheck()
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != "v2.0.0" || b.RolledBack != "v3.0.0" || !strings.Contains(b.Why, "boards/sim.toml") {
		t.Fatalf("%+v, want v2.0.0 back because boards/sim.toml changed", b)
	}
}

func TestBootCheckRelinksCurrentToTheState(t *testing.T) {
	f := newFixture(t)
	r := f.committed(t)
	// As if power failed between the state file and the link.
	os.Remove(filepath.Join(r.Dir, "current"))
	os.Symlink("slots/a", filepath.Join(r.Dir, "current"))
	b, err := r.BootCheck()
	if err != nil || !b.Relinked || b.Slot != "b" {
		t.Fatalf("%+v %v, want current pointed back at slot b", b, err)
	}
	if v, _ := running(r); v != "v2.0.0" {
		t.Fatalf("running %s", v)
	}
}

func TestBootCheckWithoutInstall(t *testing.T) {
	_, err := New(t.TempDir()).BootCheck()
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("%v, want ErrNotInstalled", err)
	}
}

// trial runs CommitWhenHealthy on a fake clock. Each probe takes the
// test's next answer, which also says what time it is; the loop's wait
// returns when the test ticks, so after a tick the loop has dealt with the
// answer before it.
type trial struct {
	r       *Root
	now     time.Time // the loop's clock, set by each answer
	at      time.Time // the test's clock
	answers chan answer
	tick    chan time.Time
	done    chan error
}

type answer struct {
	attract bool
	err     error
	at      time.Time
}

func startTrial(t *testing.T) *trial {
	f := newFixture(t)
	r := f.committed(t)
	s := install(t, r, f.k, f.b3)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tr := &trial{r: r, now: start, at: start, answers: make(chan answer), tick: make(chan time.Time), done: make(chan error, 1)}
	r.Now = func() time.Time { return tr.now }
	r.After = func(time.Duration) <-chan time.Time { return tr.tick }
	probe := func(context.Context) (bool, error) {
		a := <-tr.answers
		tr.now = a.at
		return a.attract, a.err
	}
	go func() {
		ok, err := r.CommitWhenHealthy(context.Background(), s.Active, time.Second, probe)
		if err == nil && !ok {
			err = errors.New("returned without committing")
		}
		tr.done <- err
	}()
	return tr
}

// answer lets d pass and answers the next probe with attract and err.
func (tr *trial) answer(d time.Duration, attract bool, err error) {
	tr.at = tr.at.Add(d)
	tr.answers <- answer{attract, err, tr.at}
}

// after answers and waits until the loop has dealt with the answer.
func (tr *trial) after(d time.Duration, attract bool, err error) {
	tr.answer(d, attract, err)
	tr.tick <- tr.at
}

func (tr *trial) committed() bool { st, _ := tr.r.State(); return st.Committed }

func TestCommitWhenHealthy(t *testing.T) {
	tr := startTrial(t)
	healthy := time.Duration(trialPolicy.Healthy)
	tr.after(0, false, nil)           // starting
	tr.after(time.Minute, false, nil) // still starting
	tr.after(time.Second, true, nil)  // attract shown
	tr.after(healthy/2, true, nil)
	tr.after(time.Second, false, errors.New("the kiosk loop did not answer"))
	if tr.committed() {
		t.Fatal("committed although it did not stay healthy")
	}
	tr.after(time.Second, true, nil)            // attract again: the wait starts over
	tr.after(healthy-2*time.Second, false, nil) // a citizen is using it
	if tr.committed() {
		t.Fatal("committed before the healthy time")
	}
	tr.answer(2*time.Second, false, nil)
	if err := <-tr.done; err != nil {
		t.Fatal(err)
	}
	if !tr.committed() || tr.r.Committed() != "a" {
		t.Fatalf("after the healthy time: committed %v, committed link %q", tr.committed(), tr.r.Committed())
	}
	// Committed: a later start does not watch at all.
	ok, err := tr.r.CommitWhenHealthy(context.Background(), "a", time.Second, func(context.Context) (bool, error) {
		t.Fatal("probed a committed version")
		return false, nil
	})
	if ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
}

func TestStartThatNeverShowsAttractFails(t *testing.T) {
	tr := startTrial(t)
	healthy := time.Duration(trialPolicy.Healthy)
	tr.after(0, false, nil)
	tr.after(healthy+StartGrace-time.Second, false, nil)
	if tr.committed() {
		t.Fatal("committed without showing attract")
	}
	tr.answer(time.Second, false, nil)
	if err := <-tr.done; !errors.Is(err, ErrUnhealthy) {
		t.Fatalf("%v, want ErrUnhealthy", err)
	}
	if tr.committed() {
		t.Fatal("a start that never showed attract committed")
	}
}

func TestRootOf(t *testing.T) {
	f := newFixture(t)
	r := f.committed(t)
	exe, err := filepath.EvalSymlinks(filepath.Join(r.Dir, "current", "bin", "onetrip"))
	if err != nil {
		t.Fatal(err)
	}
	got, slot, ok := RootOf(exe)
	if !ok || slot != "b" || got.Current() != "b" {
		t.Fatalf("RootOf(%s) = %v %q %v", exe, got, slot, ok)
	}
	if _, _, ok := RootOf("/usr/bin/onetrip"); ok {
		t.Fatal("a program outside any root is on trial")
	}
}

func TestDownload(t *testing.T) {
	f := newFixture(t)
	data, _ := os.ReadFile(f.b3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/v3.bundle":
			w.Write(data)
		case "/chunked":
			w.(http.Flusher).Flush()
			w.Write(data)
		default:
			http.NotFound(w, req)
		}
	}))
	defer srv.Close()
	r := f.committed(t)
	var progress bytes.Buffer
	name, err := r.Download(context.Background(), srv.URL+"/v3.bundle", MaxDownload, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(name) != r.Dir || progress.Len() == 0 {
		t.Fatalf("downloaded to %s with progress %q", name, progress.String())
	}
	if _, err := r.InstallFile(name, f.k.pub, runtime.GOARCH, trialPolicy); err != nil {
		t.Fatal(err)
	}
	os.Remove(name)
	limit := int64(len(data) - 1)
	for _, path := range []string{"/v3.bundle", "/chunked"} {
		if _, err := r.Download(context.Background(), srv.URL+path, limit, nil); err == nil || !strings.Contains(err.Error(), "more than the") {
			t.Errorf("%s over the limit: %v", path, err)
		}
	}
	if _, err := r.Download(context.Background(), srv.URL+"/missing", MaxDownload, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing: %v", err)
	}
	if _, err := r.Download(context.Background(), "ftp://example.org/x", MaxDownload, nil); err == nil {
		t.Error("ftp URL accepted")
	}
	if left, _ := filepath.Glob(filepath.Join(r.Dir, "download-*")); len(left) != 0 {
		t.Errorf("downloads left behind: %v", left)
	}
}

// A technician runs onetrip update as root; the service user owns the
// root and must still be able to commit and install the next update.
func TestWhatRootInstallsBelongsToTheRootsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files away")
	}
	f := newFixture(t)
	r := New(t.TempDir())
	const uid, gid = 4321, 4322
	if err := os.Chown(r.Dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	install(t, r, f.k, f.b1)
	install(t, r, f.k, f.b2)
	r.BootCheck()
	r.Commit("b")
	filepath.Walk(r.Dir, func(p string, info os.FileInfo, err error) error {
		st := info.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s belongs to %d:%d", p, st.Uid, st.Gid)
		}
		return nil
	})
}
