package selftest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Report is a whole run.
type Report struct {
	Identity Identity
	Results  []Result
	Duration time.Duration
}

// Passed reports whether no check failed (skipped checks are not faults).
func (r Report) Passed() bool {
	for _, res := range r.Results {
		if res.Status == Fail {
			return false
		}
	}
	return true
}

// Failed returns the failed checks.
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status == Fail {
			out = append(out, res)
		}
	}
	return out
}

// Exit statuses of onetrip selftest.
const (
	ExitPassed = 0
	ExitFailed = 1
	ExitConfig = 2 // the board or a flag is wrong: nothing was checked
)

// ExitStatus is 0 when everything passed, 1 when something failed.
func (r Report) ExitStatus() int {
	if r.Passed() {
		return ExitPassed
	}
	return ExitFailed
}

// WriteText writes the report as a technician reads it: the identity, one
// line per check, and the verdict.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "onetrip self-test — %s\n", r.Identity.Line())
	width := 0
	for _, res := range r.Results {
		width = max(width, len(res.Check))
	}
	for _, res := range r.Results {
		sim := ""
		if res.Simulated {
			sim = " (simulated)"
		}
		fmt.Fprintf(&b, "%-4s  %-*s  %s%s  [%s]\n", strings.ToUpper(string(res.Status)), width, res.Check, res.Detail, sim, round(res.Duration))
	}
	if f := r.Failed(); len(f) > 0 {
		names := make([]string, len(f))
		for i, res := range f {
			names[i] = res.Check
		}
		fmt.Fprintf(&b, "FAILED: %s (%d of %d checks) in %s\n", strings.Join(names, ", "), len(f), len(r.Results), round(r.Duration))
	} else {
		fmt.Fprintf(&b, "PASSED: %d checks in %s\n", len(r.Results), round(r.Duration))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonReport is the --json form.
type jsonReport struct {
	Identity   Identity     `json:"identity"`
	Passed     bool         `json:"passed"`
	DurationMS float64      `json:"duration_ms"`
	Results    []jsonResult `json:"results"`
}

type jsonResult struct {
	Check      string  `json:"check"`
	Status     Status  `json:"status"`
	Detail     string  `json:"detail"`
	Simulated  bool    `json:"simulated"`
	DurationMS float64 `json:"duration_ms"`
}

// WriteJSON writes the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Identity: r.Identity, Passed: r.Passed(), DurationMS: ms(r.Duration), Results: []jsonResult{}}
	for _, res := range r.Results {
		out.Results = append(out.Results, jsonResult{res.Check, res.Status, res.Detail, res.Simulated, ms(res.Duration)})
	}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(out)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// Identity is what names the device to the hall's technicians, and nothing
// personal: board, terminal, firmware, hall and hardware serial.
type Identity struct {
	Board    string `json:"board"`
	Terminal string `json:"terminal"`
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Hall     string `json:"hall"`
	Serial   string `json:"serial"`
}

// Line is the identity on one line.
func (id Identity) Line() string {
	return fmt.Sprintf("board %s, terminal %s, firmware %s (%s), hall %s, serial %s",
		id.Board, id.Terminal, id.Version, short(id.Commit), id.Hall, id.Serial)
}

// Payload is the identity as a QR code carries it: compact JSON.
func (id Identity) Payload() string {
	b, err := json.Marshal(id)
	if err != nil {
		panic(err) // plain strings: cannot fail
	}
	return string(b)
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// Serial is the board's hardware serial number from the device tree under
// root (a Pi's SoC serial), or "sim" where there is none.
func Serial(root string) string {
	b, err := os.ReadFile(root + "/proc/device-tree/serial-number")
	s := strings.Trim(string(b), "\x00\n ")
	if err != nil || s == "" {
		return "sim"
	}
	return s
}
