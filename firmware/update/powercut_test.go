package update

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

// The power-cut test runs the updater in a child process (this test binary
// again, with helperEnv set) and SIGKILLs it: at every step it announces,
// several times over, and at random moments.
const helperEnv = "ONETRIP_UPDATE_TEST_HELPER"

// helper is the child: "install ROOT BUNDLE KEY" or "boot ROOT". With
// pausing on, it writes each step's name to fd 3 and waits for a byte on
// fd 4 before taking it.
func helper() int {
	args := os.Args[len(os.Args)-3:]
	r := New(args[1])
	if os.Getenv(helperEnv+"_PAUSE") != "" {
		steps, proceed := os.NewFile(3, "steps"), os.NewFile(4, "proceed")
		r.Step = func(name string) {
			fmt.Fprintln(steps, name)
			if _, err := proceed.Read(make([]byte, 1)); err != nil {
				os.Exit(3)
			}
		}
	}
	var err error
	switch os.Getenv(helperEnv) {
	case "install":
		pub, _ := base64.StdEncoding.DecodeString(args[2])
		_, err = r.InstallFile(args[0], ed25519.PublicKey(pub), runtime.GOARCH, trialPolicy)
	case "boot":
		_, err = r.BootCheck()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// child starts the helper doing what on root r.
func child(t *testing.T, what string, r *Root, bundleName string, k testKey, pause bool) (*exec.Cmd, *bufio.Scanner, *os.File) {
	t.Helper()
	cmd := exec.Command(os.Args[0], bundleName, r.Dir, base64.StdEncoding.EncodeToString(k.pub))
	cmd.Env = append(os.Environ(), helperEnv+"="+what)
	cmd.Stderr = os.Stderr
	var steps *bufio.Scanner
	var proceed *os.File
	if pause {
		cmd.Env = append(cmd.Env, helperEnv+"_PAUSE=1")
		sr, sw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.ExtraFiles = []*os.File{sw, pr}
		defer sw.Close()
		defer pr.Close()
		t.Cleanup(func() { sr.Close(); pw.Close() })
		steps, proceed = bufio.NewScanner(sr), pw
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, steps, proceed
}

// runKilledAt runs the helper and kills it as it announces step kill
// (counting from 0; -1: never). It returns the steps announced.
func runKilledAt(t *testing.T, what string, r *Root, bundleName string, k testKey, kill int) []string {
	t.Helper()
	cmd, steps, proceed := child(t, what, r, bundleName, k, true)
	var seen []string
	for steps.Scan() {
		if len(seen) == kill {
			cmd.Process.Kill()
			break
		}
		seen = append(seen, steps.Text())
		proceed.Write([]byte{1})
	}
	err := cmd.Wait()
	if kill < 0 && err != nil {
		t.Fatalf("%s without a kill: %v", what, err)
	}
	if kill >= 0 && len(seen) != kill {
		t.Fatalf("%s ended after %d steps, before step %d", what, len(seen), kill)
	}
	return seen
}

// afterPowerCut is what the next start does: the boot check, then a
// version must start whose files match its manifest.
func afterPowerCut(t *testing.T, r *Root) string {
	t.Helper()
	if _, err := r.BootCheck(); err != nil {
		t.Fatalf("boot check after the kill: %v", err)
	}
	v, err := running(r)
	if err != nil {
		t.Fatalf("after the kill no version starts: %v", err)
	}
	s, err := r.State()
	if err != nil || s.Version() != v {
		t.Fatalf("state %+v (%v) while %s runs", s, err, v)
	}
	// The next boot check runs from the committed link: it must start too.
	if c := r.Committed(); c != lastCommitted(s) {
		t.Fatalf("committed names slot %q, the state %q", c, lastCommitted(s))
	}
	if _, err := r.VerifySlot(r.Committed()); err != nil {
		t.Fatalf("after the kill the boot check would not start: %v", err)
	}
	return v
}

type fixture struct {
	k          testKey
	b1, b2, b3 string
}

func newFixture(t *testing.T) fixture {
	k := newKey(t)
	dir := t.TempDir()
	return fixture{k, k.bundleFile(t, dir, "v1.0.0", 0), k.bundleFile(t, dir, "v2.0.0", 0), k.bundleFile(t, dir, "v3.0.0", 0)}
}

// committed is a root running v2.0.0, committed, with v1.0.0 to go back to.
func (f fixture) committed(t *testing.T) *Root {
	r := New(t.TempDir())
	install(t, r, f.k, f.b1)
	s := install(t, r, f.k, f.b2)
	if ok, err := r.Commit(s.Active); !ok || err != nil {
		t.Fatalf("commit: %v %v", ok, err)
	}
	return r
}

func TestPowerCutAtEveryInstallStep(t *testing.T) {
	f := newFixture(t)
	steps := runKilledAt(t, "install", f.committed(t), f.b3, f.k, -1)
	// The install takes effect when the last state file is renamed into place.
	t.Logf("install steps, each killed 3 times: %v", steps)
	switchAt := lastIndex(steps, "state-rename")
	if switchAt < 0 {
		t.Fatalf("steps %v: no state-rename", steps)
	}
	for kill := range steps {
		for round := range 3 {
			r := f.committed(t)
			runKilledAt(t, "install", r, f.b3, f.k, kill)
			want := "v2.0.0"
			if kill > switchAt {
				want = "v3.0.0"
			}
			if got := afterPowerCut(t, r); got != want {
				t.Fatalf("killed at step %d (%s), round %d: %s runs, want %s", kill, steps[kill], round, got, want)
			}
			if want == "v2.0.0" {
				// Whatever the cut left behind, the next update goes through.
				install(t, r, f.k, f.b3)
				if got, err := running(r); got != "v3.0.0" {
					t.Fatalf("killed at step %d (%s): the next update runs %q (%v)", kill, steps[kill], got, err)
				}
			}
		}
	}
}

func lastIndex(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// onTrial is a root running v3.0.0 on trial, started starts times, with
// v2.0.0 to go back to.
func (f fixture) onTrial(t *testing.T, starts int) *Root {
	r := f.committed(t)
	install(t, r, f.k, f.b3)
	for range starts {
		if _, err := r.BootCheck(); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestPowerCutAtEveryBootCheckStep(t *testing.T) {
	f := newFixture(t)
	for _, starts := range []int{0, trialPolicy.MaxStarts} {
		steps := runKilledAt(t, "boot", f.onTrial(t, starts), "", f.k, -1)
		if len(steps) == 0 {
			t.Fatalf("a boot check after %d starts on trial took no step", starts)
		}
		t.Logf("boot check after %d starts on trial, each step killed 3 times: %v", starts, steps)
		for kill := range steps {
			for round := range 3 {
				r := f.onTrial(t, starts)
				runKilledAt(t, "boot", r, "", f.k, kill)
				got := afterPowerCut(t, r)
				if starts == 0 && got != "v3.0.0" || starts == trialPolicy.MaxStarts && got != "v2.0.0" {
					t.Fatalf("%d starts on trial, killed at step %d (%s), round %d: %s runs", starts, kill, steps[kill], round, got)
				}
			}
		}
	}
}

func TestPowerCutAtRandomMoments(t *testing.T) {
	f := newFixture(t)
	begin := time.Now()
	runKilledAt(t, "install", f.committed(t), f.b3, f.k, -1)
	whole := time.Since(begin)
	seen := map[string]int{}
	for range 40 {
		r := f.committed(t)
		cmd, _, _ := child(t, "install", r, f.b3, f.k, false)
		time.Sleep(rand.N(whole + whole/4))
		cmd.Process.Kill()
		cmd.Wait()
		seen[afterPowerCut(t, r)]++
	}
	for v := range seen {
		if v != "v2.0.0" && v != "v3.0.0" {
			t.Fatalf("after random kills: %v", seen)
		}
	}
	t.Logf("after random kills, running: %v", seen)
}
