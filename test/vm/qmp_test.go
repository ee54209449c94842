package vm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"net"
	"os"
	"strconv"
	"time"
)

// qmp is a connection to qemu's machine protocol.
type qmp struct {
	c net.Conn
	r *bufio.Reader
}

// dialQMP connects to the monitor socket (retrying while qemu starts) and
// leaves capabilities negotiation mode.
func dialQMP(path string) (*qmp, error) {
	var c net.Conn
	var err error
	for range 100 {
		if c, err = net.Dial("unix", path); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("qmp %s: %w", path, err)
	}
	q := &qmp{c: c, r: bufio.NewReader(c)}
	if _, err := q.r.ReadBytes('\n'); err != nil { // the greeting
		return nil, fmt.Errorf("qmp greeting: %w", err)
	}
	return q, q.do("qmp_capabilities", nil)
}

// do runs one command and waits for its answer, skipping events.
func (q *qmp) do(cmd string, args any) error {
	msg := map[string]any{"execute": cmd}
	if args != nil {
		msg["arguments"] = args
	}
	b, _ := json.Marshal(msg)
	q.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := q.c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("qmp %s: %w", cmd, err)
	}
	for {
		line, err := q.r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("qmp %s: %w", cmd, err)
		}
		var reply struct {
			Event  string          `json:"event"`
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Desc string `json:"desc"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line, &reply); err != nil {
			return fmt.Errorf("qmp %s: %w in %q", cmd, err, line)
		}
		switch {
		case reply.Event != "":
			continue
		case reply.Error != nil:
			return fmt.Errorf("qmp %s: %s", cmd, reply.Error.Desc)
		}
		return nil
	}
}

// tabletMax is the largest absolute value qemu's input events carry.
const tabletMax = 0x7fff

// tap touches the virtual tablet at pixel p of a screen of the given size:
// move there, press, lift.
func (q *qmp) tap(p, screen image.Point) error {
	abs := func(axis string, v, n int) map[string]any {
		return map[string]any{"type": "abs", "data": map[string]any{"axis": axis, "value": (v*tabletMax + (n-1)/2) / (n - 1)}}
	}
	btn := func(down bool) map[string]any {
		return map[string]any{"type": "btn", "data": map[string]any{"down": down, "button": "left"}}
	}
	if err := q.do("input-send-event", map[string]any{"events": []any{abs("x", p.X, screen.X), abs("y", p.Y, screen.Y), btn(true)}}); err != nil {
		return err
	}
	time.Sleep(30 * time.Millisecond) // a finger rests a moment
	return q.do("input-send-event", map[string]any{"events": []any{btn(false)}})
}

// screendump has qemu write what its display shows to file, and reads it.
func (q *qmp) screendump(file string) (*image.RGBA, error) {
	if err := q.do("screendump", map[string]any{"filename": file}); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return decodePPM(b)
}

// decodePPM reads a binary (P6) PPM with 8-bit samples.
func decodePPM(b []byte) (*image.RGBA, error) {
	var fields []int
	rest := b
	if !bytes.HasPrefix(rest, []byte("P6")) {
		return nil, fmt.Errorf("ppm: not a P6 file")
	}
	rest = rest[2:]
	for len(fields) < 3 {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) > 0 && rest[0] == '#' {
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[i+1:]
				continue
			}
		}
		end := bytes.IndexAny(rest, " \t\r\n")
		if end < 0 {
			return nil, fmt.Errorf("ppm: short header")
		}
		n, err := strconv.Atoi(string(rest[:end]))
		if err != nil {
			return nil, fmt.Errorf("ppm header: %w", err)
		}
		fields, rest = append(fields, n), rest[end:]
	}
	w, h, maxv := fields[0], fields[1], fields[2]
	rest = rest[1:] // one whitespace byte before the samples
	if maxv != 255 || len(rest) < 3*w*h {
		return nil, fmt.Errorf("ppm: %dx%d max %d with %d bytes of samples", w, h, maxv, len(rest))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(img.Pix[4*i:], rest[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img, nil
}
