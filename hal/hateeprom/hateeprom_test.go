package hateeprom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

var board = Info{
	UUID:           [16]byte{0x6b, 0x2f, 0x1c, 0x0e, 0x4d, 0x3a, 0x4e, 0x1b, 0x9f, 0x10, 0x55, 0x23, 0x8e, 0x41, 0x07, 0xaa},
	ProductID:      0x0102,
	ProductVersion: 0x0003,
	Vendor:         "Hangzhou Onetrip Kiosk Co.",
	Product:        "ticket kiosk carrier board rev C",
}

// reads is the bus traffic of Read for image: the header, then chunks of ≤ 32 bytes.
func reads(image []byte) []i2ctest.IO {
	ops := []i2ctest.IO{{Addr: Addr, W: []byte{0, 0}, R: image[:12]}}
	for off := 12; off < len(image); off += 32 {
		ops = append(ops, i2ctest.IO{Addr: Addr, W: []byte{byte(off >> 8), byte(off)}, R: image[off:min(off+32, len(image))]})
	}
	return ops
}

func read(t *testing.T, ops []i2ctest.IO) (*Info, error) {
	t.Helper()
	bus := &i2ctest.Playback{Ops: ops, DontPanic: true}
	info, err := Read(i2c.Dev{Bus: bus, Addr: Addr})
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
	return info, err
}

func TestReadsVendorInfoInChunks(t *testing.T) {
	image := Encode(board)
	if len(image) <= 12+2*32 {
		t.Fatalf("image of %d bytes is too short to need several chunks", len(image))
	}
	info, err := read(t, reads(image))
	if err != nil {
		t.Fatal(err)
	}
	if *info != board {
		t.Errorf("Read = %+v, want %+v", *info, board)
	}
}

func TestReadExplainsWhatIsWrong(t *testing.T) {
	blank := bytes.Repeat([]byte{0xFF}, 12)
	foreign := append([]byte("ABCD"), make([]byte, 8)...)
	for _, c := range []struct {
		name string
		ops  []i2ctest.IO
		is   error
		says string
	}{
		{"no EEPROM", nil, nil, "hateeprom at 0x50: reading 12 bytes at 0x0000"},
		{"blank", []i2ctest.IO{{Addr: Addr, W: []byte{0, 0}, R: blank}}, ErrBlank, "hateeprom at 0x50"},
		{"not a HAT", []i2ctest.IO{{Addr: Addr, W: []byte{0, 0}, R: foreign}}, ErrSignature, "0x44434241"},
	} {
		_, err := read(t, c.ops)
		if err == nil || (c.is != nil && !errors.Is(err, c.is)) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Read = %v, want %v saying %q", c.name, err, c.is, c.says)
		}
	}
}

// The layout written by hand from the HAT specification, so that Encode and Parse
// cannot agree on a mistake.
func TestEncodeFollowsTheSpecification(t *testing.T) {
	info := Info{UUID: [16]byte{0: 0x01, 15: 0x10}, ProductID: 0x1234, ProductVersion: 0x0002, Vendor: "V", Product: "PP"}
	atom := []byte{
		0x01, 0x00, // type: vendor info
		0x00, 0x00, // count
		27, 0, 0, 0, // dlen: 16+2+2+1+1+1+2 data, 2 CRC
		0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // UUID, byte-reversed
		0x34, 0x12, 0x02, 0x00, 1, 2, 'V', 'P', 'P',
	}
	want := append([]byte{'R', '-', 'P', 'i', 0x01, 0x00, 0x01, 0x00, byte(12 + len(atom) + 2), 0, 0, 0}, atom...)
	want = binary.LittleEndian.AppendUint16(want, crc16(atom))
	if got := Encode(info); !bytes.Equal(got, want) {
		t.Errorf("Encode =\n% X\nwant\n% X", got, want)
	}
}

func TestCRC16IsARC(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0xBB3D {
		t.Errorf("crc16(123456789) = %#04x, want 0xbb3d (CRC-16/ARC check value)", got)
	}
}

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("长", 100) // 300 bytes
	for _, info := range []Info{
		{},
		board,
		{Vendor: "杭州一次办", Product: "取号机"},
		{Vendor: long, Product: long},
	} {
		got, err := Parse(Encode(info))
		if err != nil {
			t.Fatalf("Parse(Encode(%+v)): %v", info, err)
		}
		info.Vendor, info.Product = info.Vendor[:min(255, len(info.Vendor))], info.Product[:min(255, len(info.Product))]
		if *got != info {
			t.Errorf("round trip = %+v, want %+v", *got, info)
		}
	}
}

// withAtom appends an atom of type typ holding data to image.
func withAtom(image []byte, typ uint16, data []byte) []byte {
	b := bytes.Clone(image)
	n := binary.LittleEndian.Uint16(b[6:])
	atom := binary.LittleEndian.AppendUint16(nil, typ)
	atom = binary.LittleEndian.AppendUint16(atom, n)
	atom = binary.LittleEndian.AppendUint32(atom, uint32(len(data)+2))
	atom = append(atom, data...)
	atom = binary.LittleEndian.AppendUint16(atom, crc16(atom))
	b = append(b, atom...)
	binary.LittleEndian.PutUint16(b[6:], n+1)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)))
	return b
}

func TestParseErrors(t *testing.T) {
	good := withAtom(Encode(board), 0x0002, make([]byte, 30)) // and a GPIO map
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse with a GPIO map: %v", err)
	}
	flip := func(at int) []byte { b := bytes.Clone(good); b[at] ^= 0x20; return b }
	header := bytes.Clone(Encode(board)[:12])
	binary.LittleEndian.PutUint16(header[6:], 0) // no atoms yet
	noVendor := withAtom(header, 0x0004, []byte("custom"))
	for _, c := range []struct {
		name  string
		image []byte
		is    error
		says  string
	}{
		{"vendor string damaged", flip(12 + 8 + 22), ErrCRC, "atom 0"},
		{"GPIO map damaged", flip(len(good) - 5), ErrCRC, "atom 1"},
		{"cut short", good[:len(good)-1], ErrTruncated, "eeplen"},
		{"header only", good[:8], ErrTruncated, "header"},
		{"blank", bytes.Repeat([]byte{0xFF}, 64), ErrBlank, "blank"},
		{"no vendor atom", noVendor, ErrNoVendor, "vendor"},
	} {
		_, err := Parse(c.image)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "hateeprom: ") {
			t.Errorf("%s: Parse = %v, want %v saying %q", c.name, err, c.is, c.says)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Encode(board))
	f.Add(withAtom(Encode(Info{}), 0x0003, []byte{1, 2, 3}))
	f.Add(bytes.Repeat([]byte{0xFF}, 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(Encode(*info))
		if err != nil || *again != *info {
			t.Errorf("Parse(Encode(%+v)) = %+v, %v", *info, again, err)
		}
	})
}
