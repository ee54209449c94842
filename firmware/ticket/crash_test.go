package ticket

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// issuerEnv names the store file a child issuer works on; set only in the
// children the crash test starts.
const issuerEnv = "ONETRIP_TICKET_ISSUER_DB"

// crashSeed seeds the kill delays; change it to shake out other timings.
const crashSeed = 20240506

// crashNow is the issue time every child uses, so all tickets share one day.
var crashNow = at("2024-05-06", "09:00")

// TestHelperIssuer is the crash test's child process, not a test of its own:
// it issues tickets alternately with prefixes A and B until it is killed, and
// acknowledges each on stdout only after Issue returned, as the kiosk shows
// a number only after Issue returned.
func TestHelperIssuer(t *testing.T) {
	path := os.Getenv(issuerEnv)
	if path == "" {
		t.Skip("runs only as a child process of the crash tests")
	}
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The parent kills this process within milliseconds; the deadline only
	// stops an orphan whose parent died first.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		tk, err := s.Issue(context.Background(), request("hukou", string(rune('A'+i%2)), crashNow))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		// One write per line: the parent gets a whole acknowledgement or none.
		os.Stdout.WriteString("issued " + tk.Number + "\n")
	}
	os.Exit(0)
}

// TestCrashLosesNoTicket kills issuing processes with SIGKILL at random
// moments, one at a time and two at once on the same file, and checks after
// every kill that the store opens, that every acknowledged number is in it,
// and that each prefix's numbers run 1..N with no gap and no repeat.
func TestCrashLosesNoTicket(t *testing.T) {
	rng := rand.New(rand.NewPCG(crashSeed, 0))
	var acked map[string]bool
	roundsAcked := 0
	round := func(path string, children int) {
		delay := time.Duration(1+rng.IntN(80)) * time.Millisecond
		numbers := killIssuers(t, path, children, delay)
		for _, n := range numbers {
			if acked[n] {
				t.Fatalf("number %s was handed out twice", n)
			}
			acked[n] = true
		}
		if len(numbers) > 0 {
			roundsAcked++
		}
		checkStore(t, path, acked)
	}
	// The pairs start on a fresh file, so their first round also races
	// creating the schema.
	const single, pairs = 50, 10
	for _, phase := range []struct{ rounds, children int }{{single, 1}, {pairs, 2}} {
		path := filepath.Join(t.TempDir(), "tickets.db")
		acked = map[string]bool{}
		for range phase.rounds {
			round(path, phase.children)
		}
	}
	t.Logf("%d of %d rounds killed children after they acknowledged tickets", roundsAcked, single+pairs)
	if roundsAcked == 0 {
		t.Fatal("no child acknowledged a ticket before it was killed: the kills tested nothing")
	}
}

// killIssuers runs n child issuers on path, kills them with SIGKILL after
// delay and returns the numbers they acknowledged.
func killIssuers(t *testing.T, path string, n int, delay time.Duration) []string {
	t.Helper()
	type child struct {
		cmd    *exec.Cmd
		stderr bytes.Buffer
		lines  chan []string
	}
	children := make([]*child, n)
	for i := range children {
		c := &child{cmd: exec.Command(os.Args[0], "-test.run=^TestHelperIssuer$"), lines: make(chan []string, 1)}
		c.cmd.Env = append(os.Environ(), issuerEnv+"="+path)
		c.cmd.Stderr = &c.stderr
		out, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { c.lines <- acknowledged(out) }()
		children[i] = c
	}
	time.Sleep(delay)
	var numbers []string
	for _, c := range children {
		c.cmd.Process.Kill()
		numbers = append(numbers, <-c.lines...)
		c.cmd.Wait()
		if code := c.cmd.ProcessState.ExitCode(); code != -1 {
			t.Fatalf("issuer exited with status %d before it was killed: %s", code, c.stderr.String())
		}
	}
	return numbers
}

// acknowledged reads a child's stdout to the end and returns the numbers of
// the whole "issued" lines; a line cut off by the kill is not acknowledged.
func acknowledged(out io.Reader) []string {
	var numbers []string
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return numbers
		}
		if n, ok := strings.CutPrefix(line, "issued "); ok {
			numbers = append(numbers, strings.TrimSuffix(n, "\n"))
		}
	}
}

// checkStore opens the store at path and fails the test unless every
// acknowledged number is in it and each prefix's sequence is exactly 1..N.
func checkStore(t *testing.T, path string, acked map[string]bool) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("store does not open after a kill: %v", err)
	}
	defer s.Close()
	tickets, err := s.Unprinted(context.Background()) // the children print nothing
	if err != nil {
		t.Fatalf("store does not read after a kill: %v", err)
	}
	stored := map[string]bool{}
	seqs := map[string][]int{}
	for _, tk := range tickets {
		key := tk.Day + " " + tk.Number
		if stored[key] {
			t.Fatalf("ticket %s is in the store twice", key)
		}
		stored[key] = true
		seqs[tk.Prefix] = append(seqs[tk.Prefix], tk.Seq)
	}
	for n := range acked {
		if !stored[crashNow.Format(time.DateOnly)+" "+n] {
			t.Fatalf("acknowledged ticket %s is missing from the store", n)
		}
	}
	for prefix, got := range seqs {
		slices.Sort(got)
		for i, seq := range got {
			if seq != i+1 {
				t.Fatalf("prefix %s numbers are not 1..%d: position %d holds %d", prefix, len(got), i+1, seq)
			}
		}
	}
}

// TestNewStoreOpenedByThreeProcesses starts three issuers on a file that does
// not exist yet, as when kiosk processes start together on a fresh card: all
// must open it, and none may get another's number.
func TestNewStoreOpenedByThreeProcesses(t *testing.T) {
	for range 10 {
		path := filepath.Join(t.TempDir(), "tickets.db")
		acked := map[string]bool{}
		for _, n := range killIssuers(t, path, 3, 60*time.Millisecond) {
			if acked[n] {
				t.Fatalf("number %s was handed out twice", n)
			}
			acked[n] = true
		}
		checkStore(t, path, acked)
	}
}
