package flash

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The xz container (tukaani.org/xz/xz-file-format.txt): every stream ends
// with an index of its blocks' sizes and a 12-byte footer giving the index's
// size, so the uncompressed size of a file is known from its tail alone,
// without decompressing anything.
var (
	xzHeaderMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	xzFooterMagic = []byte{'Y', 'Z'}
)

const xzHeaderSize, xzFooterSize = 12, 12

// xzUncompressedSize reads the indexes of every stream in the xz file r of
// the given size (streams may be concatenated, with padding between them)
// and returns the total uncompressed size.
func xzUncompressedSize(r io.ReaderAt, size int64) (int64, error) {
	var total int64
	end := size
	for end > 0 {
		// Stream padding: zero bytes in fours after a stream.
		var word [4]byte
		for end >= 4 {
			if _, err := r.ReadAt(word[:], end-4); err != nil {
				return 0, err
			}
			if word != [4]byte{} {
				break
			}
			end -= 4
		}
		if end < xzHeaderSize+xzFooterSize {
			return 0, errors.New("not an xz file (too short)")
		}
		footer := make([]byte, xzFooterSize)
		if _, err := r.ReadAt(footer, end-xzFooterSize); err != nil {
			return 0, err
		}
		if !bytes.Equal(footer[10:], xzFooterMagic) || crc32.ChecksumIEEE(footer[4:10]) != binary.LittleEndian.Uint32(footer[:4]) {
			return 0, errors.New("not an xz file, or cut short (no stream footer at its end)")
		}
		indexSize := (int64(binary.LittleEndian.Uint32(footer[4:8])) + 1) * 4
		indexStart := end - xzFooterSize - indexSize
		if indexStart < xzHeaderSize {
			return 0, errors.New("xz stream footer names an index larger than the file")
		}
		index := make([]byte, indexSize)
		if _, err := r.ReadAt(index, indexStart); err != nil {
			return 0, err
		}
		uncompressed, blocks, err := parseXZIndex(index)
		if err != nil {
			return 0, err
		}
		start := indexStart - blocks - xzHeaderSize
		if start < 0 {
			return 0, errors.New("xz index names blocks larger than the file")
		}
		header := make([]byte, len(xzHeaderMagic))
		if _, err := r.ReadAt(header, start); err != nil {
			return 0, err
		}
		if !bytes.Equal(header, xzHeaderMagic) {
			return 0, fmt.Errorf("xz index does not lead to a stream header (at byte %d)", start)
		}
		total += uncompressed
		if total < 0 {
			return 0, errors.New("xz index: sizes overflow")
		}
		end = start
	}
	return total, nil
}

// parseXZIndex returns the uncompressed size of an index's blocks and the
// space they take in the stream (each padded to four bytes).
func parseXZIndex(index []byte) (uncompressed, stored int64, err error) {
	body := index[:len(index)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(index[len(index)-4:]) {
		return 0, 0, errors.New("xz index: bad checksum")
	}
	if len(body) == 0 || body[0] != 0 {
		return 0, 0, errors.New("xz index: no index indicator")
	}
	r := bytes.NewReader(body[1:])
	records, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, 0, fmt.Errorf("xz index: %w", err)
	}
	for i := uint64(0); i < records; i++ {
		unpadded, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, 0, fmt.Errorf("xz index record %d: %w", i, err)
		}
		size, err := binary.ReadUvarint(r)
		if err != nil {
			return 0, 0, fmt.Errorf("xz index record %d: %w", i, err)
		}
		if unpadded > 1<<62 || size > 1<<62 {
			return 0, 0, fmt.Errorf("xz index record %d: size out of range", i)
		}
		stored += int64(unpadded+3) &^ 3
		uncompressed += int64(size)
		if uncompressed < 0 || stored < 0 {
			return 0, 0, errors.New("xz index: sizes overflow")
		}
	}
	if rest, _ := io.ReadAll(r); len(rest) > 3 || bytes.ContainsFunc(rest, func(c rune) bool { return c != 0 }) {
		return 0, 0, errors.New("xz index: bytes after its records")
	}
	return uncompressed, stored, nil
}
