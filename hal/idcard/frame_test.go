package idcard_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"onetrip/hal/idcard"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Command frames quoted in the reference (§1.5).
func TestAppendCommandMatchesReference(t *testing.T) {
	baud9600, _ := idcard.SetBaud(9600)
	for _, tc := range []struct {
		cmd  idcard.Command
		data []byte
		want string
	}{
		{idcard.ResetSAM, nil, "AA AA AA 96 69 00 03 10 FF EC"},
		{idcard.SAMStatus, nil, "AA AA AA 96 69 00 03 11 FF ED"},
		{idcard.ReadSAMID, nil, "AA AA AA 96 69 00 03 12 FF EE"},
		{idcard.FindCard, nil, "AA AA AA 96 69 00 03 20 01 22"},
		{idcard.SelectCard, nil, "AA AA AA 96 69 00 03 20 02 21"},
		{idcard.ReadBase, nil, "AA AA AA 96 69 00 03 30 01 32"},
		{idcard.ReadWithPrint, nil, "AA AA AA 96 69 00 03 30 10 23"},
		{idcard.ReadNewAddr, nil, "AA AA AA 96 69 00 03 30 03 30"},
		{idcard.SetMaxRFBytes, []byte{0x50}, "AA AA AA 96 69 00 04 61 FF 50 CA"},
		{baud9600, nil, "AA AA AA 96 69 00 03 60 04 67"},
	} {
		if got := idcard.AppendCommand(nil, tc.cmd, tc.data); !bytes.Equal(got, unhex(tc.want)) {
			t.Errorf("%v = % X, want %s", tc.cmd, got, tc.want)
		}
	}
	if _, err := idcard.SetBaud(4800); err == nil {
		t.Error("SetBaud(4800): no error")
	}
}

// Reply frames quoted in the reference (§1.6).
func TestParseReplyReference(t *testing.T) {
	for _, tc := range []struct {
		cmd     idcard.Command
		frame   string
		want    error
		dataLen int
	}{
		{idcard.SAMStatus, "AA AA AA 96 69 00 04 00 00 90 94", nil, 0},
		{idcard.SAMStatus, "AA AA AA 96 69 00 04 00 00 60 64", idcard.StatusSelfTestFailed, 0},
		{idcard.FindCard, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", nil, 4},
		{idcard.FindCard, "AA AA AA 96 69 00 04 00 00 80 84", idcard.StatusNoCard, 0},
		{idcard.SelectCard, "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", nil, 8},
		{idcard.SelectCard, "AA AA AA 96 69 00 04 00 00 81 85", idcard.StatusSelectFailed, 0},
		{idcard.ReadBase, "AA AA AA 96 69 00 04 00 00 41 45", idcard.StatusReadFailed, 0},
		{idcard.ReadBase, "AA AA AA 96 69 00 04 00 00 32 36", idcard.StatusSAMRejectedCard, 0},
	} {
		payload, n, err := idcard.ParseFrame(unhex(tc.frame))
		if err != nil || n != len(unhex(tc.frame)) {
			t.Fatalf("ParseFrame(%s) = %d, %v", tc.frame, n, err)
		}
		r, err := idcard.ParseReply(tc.cmd, payload)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%v reply %s: err = %v, want %v", tc.cmd, tc.frame, err, tc.want)
		}
		if len(r.Data) != tc.dataLen {
			t.Errorf("%v reply %s: %d data bytes, want %d", tc.cmd, tc.frame, len(r.Data), tc.dataLen)
		}
	}
}

func TestParseFrameErrors(t *testing.T) {
	good := unhex("AA AA AA 96 69 00 04 00 00 90 94")
	bad := bytes.Clone(good)
	bad[9] = 0x91
	for _, tc := range []struct {
		name   string
		frame  []byte
		want   error
		offset int
	}{
		{"no preamble", unhex("AA AA 00 96 69 00 04 00 00 90 94"), idcard.ErrNoPreamble, 0},
		{"short header", good[:6], idcard.ErrTruncated, 6},
		{"short body", good[:9], idcard.ErrTruncated, 9},
		{"checksum", bad, idcard.ErrChecksum, 10},
		{"zero length", unhex("AA AA AA 96 69 00 00"), idcard.ErrLength, 5},
		{"huge length", unhex("AA AA AA 96 69 FF FF"), idcard.ErrLength, 5},
	} {
		_, _, err := idcard.ParseFrame(tc.frame)
		var fe *idcard.FrameError
		if !errors.As(err, &fe) || !errors.Is(err, tc.want) || fe.Offset != tc.offset {
			t.Errorf("%s: err = %v, want %v at offset %d", tc.name, err, tc.want, tc.offset)
		}
	}
}

func TestFrameReaderResynchronises(t *testing.T) {
	ok := unhex("AA AA AA 96 69 00 04 00 00 90 94")
	found := unhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
	corrupt := bytes.Clone(found)
	corrupt[12] = 0x55
	var stream []byte
	stream = append(stream, 0x00, 0xAA, 0xAA, 0x96, 0x69, 0xAA) // noise with a partial preamble
	stream = append(stream, ok...)
	stream = append(stream, corrupt...)
	stream = append(stream, 0xAA, 0xAA, 0xAA, 0xAA) // an extra AA before the next preamble
	stream = append(stream, found...)
	fr := idcard.NewFrameReader(iotest.OneByteReader(bytes.NewReader(stream)))

	want := []struct {
		status byte
		err    error
	}{{0x90, nil}, {0, idcard.ErrChecksum}, {0x9F, nil}}
	for i, w := range want {
		p, err := fr.Next()
		if w.err != nil {
			if !errors.Is(err, w.err) {
				t.Fatalf("frame %d: err = %v, want %v", i, err, w.err)
			}
			continue
		}
		if err != nil || p[2] != w.status {
			t.Fatalf("frame %d: % X, %v; want status %02X", i, p, err, w.status)
		}
	}
	if _, err := fr.Next(); err != io.EOF {
		t.Errorf("at the end: %v, want EOF", err)
	}
	if fr.Skipped == 0 {
		t.Error("Skipped = 0 after noise")
	}
}

func TestFrameReaderTruncated(t *testing.T) {
	frame := unhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
	fr := idcard.NewFrameReader(&steps{{frame[:9], nil}, {nil, idcard.ErrTimeout}, {frame, nil}})
	_, err := fr.Next()
	var fe *idcard.FrameError
	if !errors.As(err, &fe) || !errors.Is(err, idcard.ErrTruncated) || !errors.Is(err, idcard.ErrTimeout) || fe.Offset != 9 {
		t.Fatalf("err = %v, want truncated at offset 9 by a timeout", err)
	}
	if p, err := fr.Next(); err != nil || p[2] != 0x9F {
		t.Fatalf("after a truncated frame: % X, %v", p, err)
	}
}

// steps is a reader returning one step per Read, then EOF.
type steps []struct {
	b   []byte
	err error
}

func (s *steps) Read(b []byte) (int, error) {
	if len(*s) == 0 {
		return 0, io.EOF
	}
	step := (*s)[0]
	*s = (*s)[1:]
	return copy(b, step.b), step.err
}

func TestStatusErrors(t *testing.T) {
	for s := range 256 {
		msg := idcard.Status(s).Error()
		if !strings.Contains(msg, "SAM status") {
			t.Errorf("Status(%#x) = %q", s, msg)
		}
	}
	if msg := idcard.StatusSelfTestFailed.Error(); !strings.Contains(msg, "self-test") {
		t.Errorf("self-test status reads %q", msg)
	}
	err := error(&idcard.StatusError{Cmd: idcard.FindCard, Status: idcard.StatusNoCard})
	if !errors.Is(err, idcard.StatusNoCard) || errors.Is(err, idcard.StatusSelectFailed) {
		t.Errorf("errors.Is on %v misbehaves", err)
	}
	if !strings.Contains(err.Error(), "find card (20 01)") {
		t.Errorf("%q does not name the command", err)
	}
}

func TestSAMIDFormat(t *testing.T) {
	var id idcard.SAMID
	copy(id[:], unhex("0500 0100 01000000 02000000 03000000"))
	if got := id.String(); got != "05.01-00000001-0000000002-0000000003" {
		t.Errorf("SAMID = %s", got)
	}
}

// readReply is a 1295-byte read-base reply frame.
func readReply() []byte {
	payload := append([]byte{0, 0, 0x90, 0x01, 0x00, 0x04, 0x00}, residentBlock()...)
	payload = append(payload, bytes.Repeat([]byte{0x5A}, 1024)...)
	return idcard.AppendFrame(nil, payload)
}

func TestReadReplyLayout(t *testing.T) {
	f := readReply()
	if len(f) != 1295 || !bytes.Equal(f[:14], unhex("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")) {
		t.Fatalf("read reply is %d bytes starting % X", len(f), f[:14])
	}
}

func BenchmarkParseFrame(b *testing.B) {
	f := readReply()
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		if _, _, err := idcard.ParseFrame(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseText(b *testing.B) {
	text := residentBlock()
	photo := make([]byte, 1024)
	for b.Loop() {
		c, err := idcard.Parse(text, photo)
		if err != nil {
			b.Fatal(err)
		}
		c.Wipe()
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(readReply())
	f.Add(unhex("00 AA AA AA 96 69 00 04 00 00 90 94 AA AA AA 96 69 00 08 00"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := idcard.NewFrameReader(bytes.NewReader(stream))
		for range len(stream) + 1 {
			p, err := fr.Next()
			if err == io.EOF {
				return
			}
			var fe *idcard.FrameError
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("unexpected error %v", err)
			}
			if err == nil && !bytes.Contains(stream, idcard.AppendFrame(nil, p)) {
				t.Fatalf("payload % X is not a frame of the stream", p)
			}
		}
		t.Fatal("FrameReader does not make progress")
	})
}
