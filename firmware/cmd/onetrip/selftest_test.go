package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onetrip/firmware/selftest"
)

func TestSelftestOnTheSimBoardPassesAndPrintsTheSlip(t *testing.T) {
	data := t.TempDir()
	r, err := runSelftest(context.Background(), Flags{Board: "sim", Data: data}, true, time.Second, strings.NewReader(""), io.Discard, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitStatus() != selftest.ExitPassed {
		var b bytes.Buffer
		r.WriteText(&b)
		t.Fatalf("sim board failed:\n%s", b.String())
	}
	if r.Identity.Board != "sim" || r.Identity.Serial != "sim" || r.Identity.Hall == "" {
		t.Fatalf("identity %+v", r.Identity)
	}
	slips, _ := filepath.Glob(filepath.Join(data, "printer", "*.escpos"))
	if len(slips) != 1 {
		t.Fatalf("%d jobs printed with --print, want the test slip", len(slips))
	}
}

func TestSelftestWithTheReaderPointedAtNothingFails(t *testing.T) {
	f := Flags{Board: "sim", Data: t.TempDir(), IDCard: "ga467:" + filepath.Join(t.TempDir(), "ttyUSB9")}
	r, err := runSelftest(context.Background(), f, false, time.Second, strings.NewReader(""), io.Discard, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	failed := r.Failed()
	if r.ExitStatus() != selftest.ExitFailed || len(failed) != 1 || failed[0].Check != "idcard" ||
		!strings.Contains(failed[0].Detail, "not answering") || !strings.Contains(failed[0].Detail, "ttyUSB9") {
		t.Fatalf("reader absent: failed %+v", failed)
	}
}

func TestSelftestRefusesAnUnknownBoard(t *testing.T) {
	_, err := runSelftest(context.Background(), Flags{Board: "nonesuch", Data: t.TempDir()}, false, time.Second, strings.NewReader(""), io.Discard, quietLog())
	var ce *configError
	if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), `"nonesuch"`) {
		t.Fatalf("unknown board: %v, want a configuration error naming it", err)
	}
}

func TestServicePINLineHashesThePINTypedTwice(t *testing.T) {
	var prompts bytes.Buffer
	line, err := servicePINLine(strings.NewReader("482913\n482913\n"), &prompts)
	if err != nil {
		t.Fatal(err)
	}
	hash, ok := strings.CutPrefix(line, "service_pin_hash = ")
	if !ok {
		t.Fatalf("line %q", line)
	}
	hash = strings.Trim(hash, `"`)
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("482913")) != nil {
		t.Fatal("the printed hash does not verify the PIN")
	}
	if strings.Contains(prompts.String()+line, "482913") {
		t.Fatal("the PIN itself was written out")
	}
	for in, want := range map[string]string{"482913\n482914\n": "differ", "12\n12\n": "digits", "482913\n": "input ended"} {
		if _, err := servicePINLine(strings.NewReader(in), io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("input %q: %v, want an error saying %q", in, err, want)
		}
	}
}
