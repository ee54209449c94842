// Package hateeprom reads the ID EEPROM of a Raspberry Pi HAT: a 24C32 at 0x50 holding
// a header and atoms in the format of the Raspberry Pi HAT specification. The kiosk
// uses the vendor-info atom to tell which board it is running on.
package hateeprom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"periph.io/x/conn/v3/i2c"
)

// Addr is the ID EEPROM's I²C address on the HAT ID pins.
const Addr = 0x50

const (
	signature  = 0x69502d52 // "R-Pi", little-endian
	version    = 0x01       // header format version written by Encode
	headerSize = 12         // signature, version, reserved, numatoms, eeplen
	atomHead   = 8          // type, count, dlen
	crcSize    = 2
	vendorHead = 22   // UUID, product id, product version, two string lengths
	capacity   = 4096 // bytes in a 24C32
	chunk      = 32   // most bytes read in one transfer
)

// Atom types (HAT specification, eeprom-format).
const (
	vendorInfo = 0x0001
)

// Errors Parse and Read report, wrapped with the package (and for Read the address)
// and, for atoms, the atom's index.
var (
	ErrBlank     = errors.New("EEPROM is blank (all 0xFF)")
	ErrSignature = errors.New("no R-Pi signature")
	ErrCRC       = errors.New("atom CRC mismatch")
	ErrTruncated = errors.New("data truncated")
	ErrNoVendor  = errors.New("no vendor-info atom")
)

// Info is the vendor-info atom: who made the HAT and which product it is.
type Info struct {
	UUID           [16]byte // in RFC 4122 order; the EEPROM stores it byte-reversed
	ProductID      uint16
	ProductVersion uint16
	Vendor         string // at most 255 bytes
	Product        string // at most 255 bytes
}

// Read reads and parses the EEPROM on dev (normally Addr), in chunks of at most 32
// bytes at 16-bit memory addresses.
func Read(dev i2c.Dev) (*Info, error) {
	head := make([]byte, headerSize)
	if err := readAt(dev, 0, head); err != nil {
		return nil, err
	}
	eeplen, err := parseHeader(head)
	if err != nil {
		return nil, fmt.Errorf("hateeprom at %#x: %w", dev.Addr, err)
	}
	if eeplen > capacity {
		return nil, fmt.Errorf("hateeprom at %#x: %w: header claims %d bytes, a 24C32 holds %d", dev.Addr, ErrTruncated, eeplen, capacity)
	}
	n := int(eeplen)
	b := make([]byte, n)
	copy(b, head)
	for off := headerSize; off < n; off += chunk {
		if err := readAt(dev, off, b[off:min(off+chunk, n)]); err != nil {
			return nil, err
		}
	}
	info, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("hateeprom at %#x: %w", dev.Addr, err)
	}
	return info, nil
}

// readAt reads len(b) bytes from memory address addr.
func readAt(dev i2c.Dev, addr int, b []byte) error {
	if err := dev.Tx([]byte{byte(addr >> 8), byte(addr)}, b); err != nil {
		return fmt.Errorf("hateeprom at %#x: reading %d bytes at %#04x: %w", dev.Addr, len(b), addr, err)
	}
	return nil
}

// parseHeader checks the header and returns eeplen, the length of all the data.
func parseHeader(b []byte) (uint32, error) {
	if len(b) < headerSize {
		return 0, fmt.Errorf("%w: %d-byte header", ErrTruncated, len(b))
	}
	if bytes.Count(b[:headerSize], []byte{0xFF}) == headerSize {
		return 0, ErrBlank
	}
	if s := binary.LittleEndian.Uint32(b); s != signature {
		return 0, fmt.Errorf("%w: found %#08x", ErrSignature, s)
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if n < headerSize {
		return 0, fmt.Errorf("%w: eeplen %d is shorter than the header", ErrTruncated, n)
	}
	return n, nil
}

// Parse decodes an EEPROM image, checking every atom's CRC, and returns its vendor
// info. Atoms of other types are checked and skipped.
func Parse(b []byte) (*Info, error) {
	info, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("hateeprom: %w", err)
	}
	return info, nil
}

func parse(b []byte) (*Info, error) {
	eeplen, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if eeplen > uint32(len(b)) {
		return nil, fmt.Errorf("%w: eeplen %d, have %d bytes", ErrTruncated, eeplen, len(b))
	}
	b = b[:eeplen]
	var info *Info
	atoms := int(binary.LittleEndian.Uint16(b[6:]))
	for i, off := 0, headerSize; i < atoms; i++ {
		if len(b)-off < atomHead {
			return nil, fmt.Errorf("atom %d: %w: no header", i, ErrTruncated)
		}
		typ := binary.LittleEndian.Uint16(b[off:])
		dlen := uint64(binary.LittleEndian.Uint32(b[off+4:]))
		if dlen < crcSize || dlen > uint64(len(b)-off-atomHead) {
			return nil, fmt.Errorf("atom %d: %w: dlen %d", i, ErrTruncated, dlen)
		}
		end := off + atomHead + int(dlen)
		body, crc := b[off:end-crcSize], binary.LittleEndian.Uint16(b[end-crcSize:])
		if got := crc16(body); got != crc {
			return nil, fmt.Errorf("atom %d: %w: stored %#04x, computed %#04x", i, ErrCRC, crc, got)
		}
		if typ == vendorInfo && info == nil {
			if info, err = parseVendor(body[atomHead:]); err != nil {
				return nil, fmt.Errorf("atom %d: %w", i, err)
			}
		}
		off = end
	}
	if info == nil {
		return nil, ErrNoVendor
	}
	return info, nil
}

func parseVendor(d []byte) (*Info, error) {
	if len(d) < vendorHead {
		return nil, fmt.Errorf("%w: %d-byte vendor info", ErrTruncated, len(d))
	}
	vs, ps := int(d[20]), int(d[21])
	if len(d) < vendorHead+vs+ps {
		return nil, fmt.Errorf("%w: vendor info strings of %d and %d bytes in %d", ErrTruncated, vs, ps, len(d)-vendorHead)
	}
	info := &Info{
		ProductID:      binary.LittleEndian.Uint16(d[16:]),
		ProductVersion: binary.LittleEndian.Uint16(d[18:]),
		Vendor:         string(d[vendorHead : vendorHead+vs]),
		Product:        string(d[vendorHead+vs : vendorHead+vs+ps]),
	}
	for i := range info.UUID {
		info.UUID[i] = d[15-i]
	}
	return info, nil
}

// Encode builds an EEPROM image holding info as its only atom, for the simulated
// board, tests and provisioning. Strings longer than 255 bytes are cut to 255.
func Encode(info Info) []byte {
	vendor, product := info.Vendor[:min(len(info.Vendor), 255)], info.Product[:min(len(info.Product), 255)]
	data := make([]byte, vendorHead, vendorHead+len(vendor)+len(product))
	for i, c := range info.UUID {
		data[15-i] = c
	}
	binary.LittleEndian.PutUint16(data[16:], info.ProductID)
	binary.LittleEndian.PutUint16(data[18:], info.ProductVersion)
	data[20], data[21] = byte(len(vendor)), byte(len(product))
	data = append(append(data, vendor...), product...)

	atom := binary.LittleEndian.AppendUint16(nil, vendorInfo)
	atom = binary.LittleEndian.AppendUint16(atom, 0) // atom count: first atom
	atom = binary.LittleEndian.AppendUint32(atom, uint32(len(data)+crcSize))
	atom = append(atom, data...)
	atom = binary.LittleEndian.AppendUint16(atom, crc16(atom))

	b := binary.LittleEndian.AppendUint32(nil, signature)
	b = append(b, version, 0)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(headerSize+len(atom)))
	return append(b, atom...)
}

// crc16 is CRC-16/ARC (reflected polynomial 0xA001, initial value 0), the atom CRC.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}
