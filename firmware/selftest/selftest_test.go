package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escpossim"
	"onetrip/hal/gpio/gpiosim"
	"onetrip/hal/idcard/idcardsim"
	"onetrip/ui/render"
)

var t0 = time.Date(2026, 11, 25, 9, 41, 0, 0, time.UTC)

// simBoard is the sim board's twins as onetrip selftest assembles them.
type simBoard struct {
	d       Devices
	tech    Simulated
	printer *escpossim.Printer
	cards   *idcardsim.Reader
	buttons *gpiosim.Buttons
	profile escpos.Profile
}

func newSim(t testing.TB) *simBoard {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	profile, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	face := render.DefaultFont().XFace
	printer, err := escpossim.New(t.TempDir(), profile, face)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { printer.Close() })
	cards := idcardsim.New()
	t.Cleanup(func() { cards.Close() })
	buttons := gpiosim.NewButtons(clockwork.NewRealClock())
	t.Cleanup(func() { buttons.Close() })
	status, help := gpiosim.NewLamp("status", log), gpiosim.NewLamp("help", log)
	buzzer := gpiosim.NewBuzzer(log)
	id := Identity{Board: "sim", Terminal: "kiosk-1", Version: "v1.2.0", Commit: "0123456789abcdef", Hall: "hz-sc", Serial: "sim"}
	s := &simBoard{printer: printer, cards: cards, buttons: buttons, profile: profile}
	s.d = Devices{
		Simulated: true,
		Buttons:   []string{"help", "service"},
		Presses:   Presses(buttons.Events()),
		LampNames: []string{"status", "help"},
		Lamps:     map[string]Lamp{"status": status, "help": help},
		Buzzer:    buzzer,
		Reader:    &Reader{Driver: "sim", Cards: cards},
		Printer:   printer,
		PrintSlip: func(ctx context.Context) error {
			job, err := TestSlip(id, t0, profile, face)
			if err != nil {
				return err
			}
			return printer.Print(ctx, job)
		},
		Display: Display{Width: 1280, Height: 800},
		Clock:   func() time.Time { return t0 },
	}
	s.tech = Simulated{
		Press: func(name string) error { buttons.Tap(name); return nil },
		PutCard: func() error {
			defer cards.Remove()
			return cards.Put(TestCard())
		},
		Lamps:  map[string]Recorder{"status": status, "help": help},
		Buzzer: buzzer,
	}
	return s
}

func result(t *testing.T, r Report, check string) Result {
	t.Helper()
	for _, res := range r.Results {
		if res.Check == check {
			return res
		}
	}
	t.Fatalf("no check %q in %+v", check, r.Results)
	return Result{}
}

func TestTheSimBoardPassesEveryCheck(t *testing.T) {
	s := newSim(t)
	r := Run(context.Background(), s.d, s.tech, Options{Earliest: t0.AddDate(0, -1, 0)})
	if !r.Passed() || r.ExitStatus() != ExitPassed {
		t.Fatalf("sim board failed: %+v", r.Failed())
	}
	for _, check := range []string{"clock", "button help", "button service", "lamp status", "lamp help", "buzzer", "idcard", "idcard read", "printer", "printer test slip", "hall bus"} {
		res := result(t, r, check)
		if check != "clock" && check != "hall bus" && !res.Simulated {
			t.Errorf("%s: passed without saying it was simulated", check)
		}
	}
	if res := result(t, r, "hall bus"); res.Status != Skip {
		t.Errorf("a standalone board's bus check: %+v, want skipped", res)
	}
	// The test slip went to the printer, QR code and all.
	jobs := s.printer.Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs printed, want the test slip", len(jobs))
	}
	job, err := os.ReadFile(jobs[0].EscposPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := escpos.DecodeFor(s.profile, job)
	if err != nil {
		t.Fatal(err)
	}
	if qrs := doc.QRCodes(); len(qrs) != 1 || !strings.Contains(qrs[0], `"terminal":"kiosk-1"`) || !strings.Contains(qrs[0], `"serial":"sim"`) {
		t.Errorf("the test slip's QR codes %q do not carry the identity", qrs)
	}
}

func TestPaperOutFailsThePrinterWithThatReason(t *testing.T) {
	s := newSim(t)
	s.printer.SetPaperOut(true)
	r := Run(context.Background(), s.d, s.tech, Options{})
	res := result(t, r, "printer")
	if res.Status != Fail || !strings.Contains(res.Detail, "paper out") {
		t.Fatalf("printer check with no paper: %+v", res)
	}
	if r.ExitStatus() != ExitFailed {
		t.Fatalf("exit status %d, want %d", r.ExitStatus(), ExitFailed)
	}
	for _, res := range r.Results {
		if res.Check == "printer test slip" {
			t.Error("a test slip was sent to a printer without paper")
		}
	}
}

func TestAnAbsentReaderFails(t *testing.T) {
	s := newSim(t)
	s.d.Reader = &Reader{Driver: "ga467", Where: "/dev/ttyUSB0", Problem: errors.New("no reply at any baud rate")}
	r := Run(context.Background(), s.d, s.tech, Options{})
	res := result(t, r, "idcard")
	if res.Status != Fail || !strings.Contains(res.Detail, "ga467 on /dev/ttyUSB0: not answering: no reply") {
		t.Fatalf("absent reader: %+v", res)
	}
}

// silent is a technician who never answers.
type silent struct{}

func (silent) Ask(ctx context.Context, p Prompt) (bool, error) {
	if !p.YesNo {
		return true, nil
	}
	<-ctx.Done()
	return false, ctx.Err()
}

func TestAStepNobodyAnsweredFailsWithWhatWasNotConfirmed(t *testing.T) {
	s := newSim(t)
	r := Run(context.Background(), s.d, silent{}, Options{StepTimeout: time.Millisecond})
	for check, want := range map[string]string{
		"button help": "not pressed",
		"lamp status": "not confirmed within 1ms: is the status lamp blinking?",
		"buzzer":      "not confirmed within 1ms: did the buzzer sound?",
		"idcard read": "no card read",
	} {
		if res := result(t, r, check); res.Status != Fail || !strings.Contains(res.Detail, want) {
			t.Errorf("%s unanswered: %+v, want a failure saying %q", check, res, want)
		}
	}
}

func TestAnotherButtonPressedSaysTheWiringMayBeSwapped(t *testing.T) {
	s := newSim(t)
	s.tech.Press = func(name string) error {
		s.buttons.Tap(map[string]string{"help": "service", "service": "help"}[name])
		return nil
	}
	// The press of the wrong button arrives at once; the step ends at its timeout.
	r := Run(context.Background(), s.d, s.tech, Options{StepTimeout: 50 * time.Millisecond})
	if res := result(t, r, "button help"); res.Status != Fail || !strings.Contains(res.Detail, "pressed instead: [service]") {
		t.Fatalf("swapped buttons: %+v", res)
	}
}

func TestAClockBeforeTheBuildFails(t *testing.T) {
	s := newSim(t)
	s.d.Clock = func() time.Time { return time.Date(1970, 1, 1, 0, 0, 12, 0, time.UTC) }
	r := Run(context.Background(), s.d, nil, Options{Earliest: t0})
	if res := result(t, r, "clock"); res.Status != Fail || !strings.Contains(res.Detail, "lost its time") {
		t.Fatalf("clock at 1970: %+v", res)
	}
}

func TestWithoutATechnicianOnlyTheDevicesAreAsked(t *testing.T) {
	s := newSim(t)
	r := Run(context.Background(), s.d, nil, Options{})
	var got []string
	for _, res := range r.Results {
		got = append(got, res.Check)
	}
	if want := "clock,idcard,printer,printer test slip,hall bus"; strings.Join(got, ",") != want {
		t.Fatalf("checks without a technician: %s, want %s", strings.Join(got, ","), want)
	}
}

func TestReportTextAndJSON(t *testing.T) {
	s := newSim(t)
	s.printer.SetPaperOut(true)
	r := Run(context.Background(), s.d, s.tech, Options{})
	r.Identity = Identity{Board: "sim", Terminal: "kiosk-1", Version: "v1.2.0", Commit: "0123456789abcdef", Hall: "hz-sc", Serial: "sim"}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"board sim, terminal kiosk-1, firmware v1.2.0 (0123456789ab), hall hz-sc, serial sim",
		"FAIL  printer ", "FAIL  printer         paper out", "PASS  button help ", "FAILED: printer (1 of ",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Identity Identity
		Passed   bool
		Results  []struct {
			Check, Status, Detail string
			Simulated             bool
		}
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Passed || back.Identity.Terminal != "kiosk-1" || len(back.Results) != len(r.Results) {
		t.Fatalf("JSON report: %+v", back)
	}
	for _, res := range back.Results {
		if res.Check == "printer" && (res.Status != "fail" || !strings.HasPrefix(res.Detail, "paper out") || !res.Simulated) {
			t.Errorf("JSON printer result: %+v", res)
		}
	}
}

func TestSerialComesFromTheDeviceTree(t *testing.T) {
	root := t.TempDir()
	if got := Serial(root); got != "sim" {
		t.Fatalf("no device tree: serial %q, want sim", got)
	}
	writeFile(t, root+"/proc/device-tree/serial-number", "10000000abcdef01\x00")
	if got := Serial(root); got != "10000000abcdef01" {
		t.Fatalf("serial %q", got)
	}
}

// BenchmarkSimSelfTest is the figure for the note: one whole self-test of
// the sim board, every step answered by the twins, without the test slip.
func BenchmarkSimSelfTest(b *testing.B) {
	s := newSim(b)
	s.d.PrintSlip = nil
	for b.Loop() {
		if r := Run(context.Background(), s.d, s.tech, Options{}); !r.Passed() {
			b.Fatalf("failed: %+v", r.Failed())
		}
	}
}
