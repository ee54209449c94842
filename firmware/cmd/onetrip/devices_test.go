package main

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"onetrip/boards"
	"onetrip/firmware/control"
	"onetrip/firmware/flow"
	"onetrip/hal/escpos"
	"onetrip/hal/escpos/escposemu"
	"onetrip/hal/idcard"
	"onetrip/hal/idcard/samemu"
	"onetrip/hal/serial/serialtest"
)

// jobs collects what the emulated printer really printed.
type jobs struct {
	mu  sync.Mutex
	got [][]byte
}

func (j *jobs) add(b []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.got = append(j.got, append([]byte(nil), b...))
}

func (j *jobs) all() [][]byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([][]byte(nil), j.got...)
}

// TestRealDriversAgainstEmulatedDevices runs the binary on the sim board with
// the real GA 467 SAM driver and the real ESC/POS driver, each on a
// pseudo-terminal with an emulated module/printer on the other end: a card
// read leads to a printed ticket; then the paper runs out in the middle of the
// next ticket, the citizen is told, the lamp shows the fault, and when the
// paper is back the same ticket is printed — none lost.
func TestRealDriversAgainstEmulatedDevices(t *testing.T) {
	samPty, printerPty := serialtest.New(t), serialtest.New(t)
	sam := samemu.New(samPty.Master)
	go sam.Run()
	printed := &jobs{}
	printer := escposemu.New(printerPty.Master, printed.add)
	go printer.Run()

	k := start(t, t.TempDir(), "--headless",
		"--idcard", "ga467:"+samPty.SlavePath()+"?baud=115200",
		"--printer", "escpos:"+printerPty.SlavePath()+"?profile=80mm")
	k.onScreen("attract")
	if !strings.Contains(k.logText(), "ID-card reader ready") {
		t.Fatalf("SAM not initialised:\n%s", k.logText())
	}

	citizen := &idcard.Card{Kind: idcard.Resident, Name: "李四", Sex: "女", Nation: "汉", Birth: "19491231",
		Address: "浙江省杭州市上城区清泰街2号", Number: "11010519491231002X", Authority: "杭州市公安局",
		ValidFrom: "20150101", ValidTo: idcard.LongTerm}
	if !idcard.ValidNumber(citizen.Number) {
		t.Fatal("test card number has a bad check digit")
	}
	if err := sam.Insert(citizen); err != nil {
		t.Fatal(err)
	}
	k.waitFor("card read", func(s control.ScreenJSON) bool { _, ok := widget(s, "continue"); return ok })
	for _, id := range []string{"continue", "matter:social-card", "take-ticket", "no-questions"} {
		k.post("/tap", map[string]string{"id": id})
	}
	k.onScreen("done")
	if n := len(printed.all()); n != 1 {
		t.Fatalf("%d jobs printed", n)
	}
	first := decodeText(t, printed.all()[0])
	if !strings.Contains(first, "A001") {
		t.Fatalf("first ticket:\n%s", first)
	}
	sam.Remove()
	k.post("/tap", map[string]string{"id": "cancel"})
	k.onScreen("attract")

	// The paper runs out in the middle of the next ticket.
	printer.PaperOutAfter(60)
	for _, id := range []string{"start", "no-id", "matter:pension-cert", "no-questions"} {
		k.post("/tap", map[string]string{"id": id})
	}
	k.onScreen("print-problem")
	k.waitFor("fault lamp", func(control.ScreenJSON) bool {
		return strings.Contains(k.logText(), "lamp=status pattern=fault")
	})
	if n := len(printed.all()); n != 1 {
		t.Fatalf("a torn ticket counted as printed: %d jobs", n)
	}

	// Paper back: the same ticket comes out and the citizen gets it.
	printer.SetPaperOut(false)
	k.onScreen("done")
	all := printed.all()
	if len(all) != 2 || !strings.Contains(decodeText(t, all[1]), "C001") {
		t.Fatalf("after the paper change: %d jobs", len(all))
	}
	for _, secret := range []string{citizen.Name, citizen.Number, citizen.Address} {
		if strings.Contains(k.logText(), secret) || strings.Contains(first, secret) {
			t.Fatalf("personal data %q in the log or on the ticket", secret)
		}
	}
	k.stop()
}

func decodeText(t *testing.T, job []byte) string {
	t.Helper()
	doc, err := escpos.Decode(job)
	if err != nil {
		t.Fatalf("printed job does not decode: %v", err)
	}
	return doc.Text()
}

// Every board's lamps and buzzer know every pattern the flow asks for; one
// the flow asks for and no device knows stops start-up with a line naming it.
func TestEveryBoardKnowsTheFlowsPatterns(t *testing.T) {
	for _, name := range boards.Names() {
		b, err := boards.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkPatterns(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	b, _ := boards.Load("sim")
	saved := flow.BeepPatterns
	defer func() { flow.BeepPatterns = saved }()
	flow.BeepPatterns = append(slices.Clone(saved), "fanfare")
	if err := checkPatterns(b); err == nil || !strings.Contains(err.Error(), `"fanfare"`) {
		t.Fatalf("an unknown pattern: %v", err)
	}
}
