package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"onetrip/hal/escpos/escposemu"
)

// answers runs the printer over one status request after the stdin commands.
func answers(t *testing.T, lines ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	rw := struct {
		io.Reader
		io.Writer
	}{bytes.NewReader([]byte{0x10, 0x04, 4}), &out}
	e := escposemu.New(rw, func([]byte) {})
	for _, l := range lines {
		if err := apply(e, l); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	if err := e.Run(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestStdinCommandsSwitchFaults(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		reply string // to DLE EOT 4
	}{
		{nil, "\x12"},
		{[]string{"paper-out"}, "\x7e"},
		{[]string{"paper-out", "paper-in"}, "\x12"},
		{[]string{"paper-out-after 0"}, "\x12"}, // nothing printed yet
		{[]string{"no-answer"}, ""},
		{[]string{"garbage"}, "\xff"},
		{[]string{"garbage", "sane"}, "\x12"},
	} {
		if got := answers(t, tc.lines...); string(got) != tc.reply {
			t.Errorf("%q: answered % X, want % X", tc.lines, got, tc.reply)
		}
	}
}

func TestStdinRejectsUnknownCommands(t *testing.T) {
	e := escposemu.New(nil, nil)
	for _, l := range []string{"paper", "paper-out now", "paper-out-after", "paper-out-after -3", "paper-out-after x"} {
		if err := apply(e, l); err == nil || !strings.Contains(err.Error(), l) {
			t.Errorf("%q: err = %v, want an error quoting the line", l, err)
		}
	}
}
