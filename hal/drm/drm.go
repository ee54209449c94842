// Package drm takes a display directly through the kernel's DRM/KMS
// interface, with no desktop: it becomes the card's master, picks the
// connected connector's preferred mode, allocates two dumb buffers and
// flips between them on vblank. It is written on golang.org/x/sys/unix and
// covers only what a kiosk needs. drmtest holds its twin.
package drm

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Screen is a display with two buffers to draw into and flip between.
// Buffers hold XRGB8888 pixels (little-endian B, G, R, X bytes), Stride
// bytes per row.
type Screen interface {
	// Size is the mode's size in pixels.
	Size() image.Point
	// Buffer returns buffer i (0 or 1) and its stride in bytes.
	Buffer(i int) (pix []byte, stride int)
	// Flip asks for buffer i to be scanned out from the next vblank; it
	// returns once the request is queued.
	Flip(i int) error
	// WaitFlip waits until the last flip asked for has happened; only then
	// may the buffer shown before it be drawn into again.
	WaitFlip() error
	Close() error
}

// Mode is a display mode as the kernel describes it (drm_mode_modeinfo).
type Mode struct {
	Clock                                         uint32
	HDisplay, HSyncStart, HSyncEnd, HTotal, HSkew uint16
	VDisplay, VSyncStart, VSyncEnd, VTotal, VScan uint16
	VRefresh, Flags, Type                         uint32
	Name                                          [32]byte
}

// Preferred reports whether the connector prefers this mode (DRM_MODE_TYPE_PREFERRED).
func (m Mode) Preferred() bool { return m.Type&(1<<3) != 0 }

func (m Mode) String() string {
	return fmt.Sprintf("%dx%d@%d", m.HDisplay, m.VDisplay, m.VRefresh)
}

// Connector is one output of the card (HDMI, DSI, the VM's virtual one).
type Connector struct {
	ID        uint32
	Encoder   uint32 // the encoder now driving it, 0 if none
	Encoders  []uint32
	Connected bool
	Modes     []Mode
}

// Pick chooses the first connected connector with modes, and its preferred
// mode (else its first, which the kernel lists as the best).
func Pick(conns []Connector) (Connector, Mode, error) {
	for _, c := range conns {
		if !c.Connected || len(c.Modes) == 0 {
			continue
		}
		for _, m := range c.Modes {
			if m.Preferred() {
				return c, m, nil
			}
		}
		return c, c.Modes[0], nil
	}
	return Connector{}, Mode{}, fmt.Errorf("no connected display among %d connectors (is the panel's cable in?)", len(conns))
}

// ioctl numbers (include/uapi/drm/drm.h): _IO/_IOWR('d', nr).
const (
	ioctlSetMaster      = 0x641e
	ioctlDropMaster     = 0x641f
	nrGetResources      = 0xa0
	nrGetCRTC           = 0xa1
	nrSetCRTC           = 0xa2
	nrGetEncoder        = 0xa6
	nrGetConnector      = 0xa7
	nrAddFB             = 0xae
	nrRmFB              = 0xaf
	nrPageFlip          = 0xb0
	nrCreateDumb        = 0xb2
	nrMapDumb           = 0xb3
	nrDestroyDumb       = 0xb4
	nrAddFB2            = 0xb8
	pageFlipEvent       = 1
	eventFlipComplete   = 2
	connectionConnected = 1
	formatXRGB8888      = 'X' | 'R'<<8 | '2'<<16 | '4'<<24
)

func iowr(nr, size uintptr) uintptr { return 3<<30 | size<<16 | 'd'<<8 | nr }

type cardRes struct {
	FBs, CRTCs, Connectors, Encoders                     uint64
	CountFBs, CountCRTCs, CountConnectors, CountEncoders uint32
	MinWidth, MaxWidth, MinHeight, MaxHeight             uint32
}

type getConnector struct {
	EncodersPtr, ModesPtr, PropsPtr, PropValuesPtr         uint64
	CountModes, CountProps, CountEncoders                  uint32
	EncoderID, ConnectorID, ConnectorType, ConnectorTypeID uint32
	Connection, MMWidth, MMHeight, Subpixel, Pad           uint32
}

type getEncoder struct {
	EncoderID, EncoderType, CRTCID, PossibleCRTCs, PossibleClones uint32
}

type modeCRTC struct {
	SetConnectorsPtr              uint64
	CountConnectors, CRTCID, FBID uint32
	X, Y, GammaSize, ModeValid    uint32
	Mode                          Mode
}

type createDumb struct {
	Height, Width, BPP, Flags, Handle, Pitch uint32
	Size                                     uint64
}

type mapDumb struct {
	Handle, Pad uint32
	Offset      uint64
}

type fbCmd2 struct {
	FBID, Width, Height, PixelFormat, Flags uint32
	Handles, Pitches, Offsets               [4]uint32
	Modifier                                [4]uint64
}

type fbCmd struct {
	FBID, Width, Height, Pitch, BPP, Depth, Handle uint32
}

type pageFlip struct {
	CRTCID, FBID, Flags, Reserved uint32
	UserData                      uint64
}

// Card is an open DRM card showing one mode on one CRTC.
type Card struct {
	f       *os.File
	path    string
	mode    Mode
	conn    uint32
	crtc    uint32
	saved   modeCRTC // the CRTC as found, restored on Close
	bufs    [2]buffer
	pending bool
}

type buffer struct {
	handle, fb, pitch uint32
	pix               []byte
}

// Open takes the card at path (e.g. /dev/dri/card0): becomes its master,
// shows buffer 0 (black) in the connected connector's preferred mode.
func Open(path string) (*Card, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("drm %s: %w", path, err)
	}
	c := &Card{f: f, path: path}
	if err := c.open(); err != nil {
		c.release()
		f.Close()
		return nil, fmt.Errorf("drm %s: %w", path, err)
	}
	return c, nil
}

func (c *Card) open() error {
	if err := c.ioctl(ioctlSetMaster, nil); err != nil {
		return fmt.Errorf("become master (does a desktop or another kiosk hold the display?): %w", err)
	}
	var res cardRes
	if err := c.ioctl(iowr(nrGetResources, unsafe.Sizeof(res)), unsafe.Pointer(&res)); err != nil {
		return fmt.Errorf("get resources: %w", err)
	}
	crtcs := make([]uint32, res.CountCRTCs)
	connIDs := make([]uint32, res.CountConnectors)
	res = cardRes{CountCRTCs: uint32(len(crtcs)), CountConnectors: uint32(len(connIDs)), CRTCs: ptr(crtcs), Connectors: ptr(connIDs)}
	if err := c.ioctl(iowr(nrGetResources, unsafe.Sizeof(res)), unsafe.Pointer(&res)); err != nil {
		return fmt.Errorf("get resources: %w", err)
	}
	var conns []Connector
	for _, id := range connIDs[:min(len(connIDs), int(res.CountConnectors))] {
		conn, err := c.connector(id)
		if err != nil {
			return err
		}
		conns = append(conns, conn)
	}
	conn, mode, err := Pick(conns)
	if err != nil {
		return err
	}
	c.mode, c.conn = mode, conn.ID
	if c.crtc, err = c.crtcFor(conn, crtcs); err != nil {
		return err
	}
	c.saved.CRTCID = c.crtc
	if err := c.ioctl(iowr(nrGetCRTC, unsafe.Sizeof(c.saved)), unsafe.Pointer(&c.saved)); err != nil {
		return fmt.Errorf("get crtc %d: %w", c.crtc, err)
	}
	for i := range c.bufs {
		if err := c.newBuffer(&c.bufs[i]); err != nil {
			return err
		}
	}
	ids := []uint32{c.conn}
	set := modeCRTC{SetConnectorsPtr: ptr(ids), CountConnectors: 1, CRTCID: c.crtc, FBID: c.bufs[0].fb, ModeValid: 1, Mode: mode}
	if err := c.ioctl(iowr(nrSetCRTC, unsafe.Sizeof(set)), unsafe.Pointer(&set)); err != nil {
		return fmt.Errorf("set mode %v on crtc %d: %w", mode, c.crtc, err)
	}
	runtime.KeepAlive(ids)
	return nil
}

// connector reads one connector with its modes and encoders; the kernel
// is asked twice, for the counts and then for the lists.
func (c *Card) connector(id uint32) (Connector, error) {
	for {
		g := getConnector{ConnectorID: id}
		if err := c.ioctl(iowr(nrGetConnector, unsafe.Sizeof(g)), unsafe.Pointer(&g)); err != nil {
			return Connector{}, fmt.Errorf("get connector %d: %w", id, err)
		}
		modes := make([]Mode, g.CountModes)
		encs := make([]uint32, g.CountEncoders)
		h := getConnector{ConnectorID: id, CountModes: g.CountModes, CountEncoders: g.CountEncoders}
		if len(modes) > 0 {
			h.ModesPtr = uint64(uintptr(unsafe.Pointer(&modes[0])))
		}
		h.EncodersPtr = ptr(encs)
		if err := c.ioctl(iowr(nrGetConnector, unsafe.Sizeof(h)), unsafe.Pointer(&h)); err != nil {
			return Connector{}, fmt.Errorf("get connector %d: %w", id, err)
		}
		if h.CountModes != g.CountModes || h.CountEncoders != g.CountEncoders {
			continue // a display was plugged in between: ask again
		}
		return Connector{ID: id, Encoder: h.EncoderID, Encoders: encs, Connected: h.Connection == connectionConnected, Modes: modes}, nil
	}
}

// crtcFor finds the CRTC to drive conn: the one its encoder drives now,
// else the first its encoders can drive.
func (c *Card) crtcFor(conn Connector, crtcs []uint32) (uint32, error) {
	encs := conn.Encoders
	if conn.Encoder != 0 {
		encs = append([]uint32{conn.Encoder}, encs...)
	}
	for _, id := range encs {
		e := getEncoder{EncoderID: id}
		if err := c.ioctl(iowr(nrGetEncoder, unsafe.Sizeof(e)), unsafe.Pointer(&e)); err != nil {
			return 0, fmt.Errorf("get encoder %d: %w", id, err)
		}
		if e.CRTCID != 0 {
			return e.CRTCID, nil
		}
		for i, crtc := range crtcs {
			if e.PossibleCRTCs&(1<<i) != 0 {
				return crtc, nil
			}
		}
	}
	return 0, fmt.Errorf("connector %d: no CRTC can drive it", conn.ID)
}

// newBuffer allocates a dumb buffer of the mode's size, maps it and makes
// it a framebuffer (ADDFB2 XRGB8888; ADDFB depth 24 on older drivers).
func (c *Card) newBuffer(b *buffer) error {
	w, h := uint32(c.mode.HDisplay), uint32(c.mode.VDisplay)
	d := createDumb{Width: w, Height: h, BPP: 32}
	if err := c.ioctl(iowr(nrCreateDumb, unsafe.Sizeof(d)), unsafe.Pointer(&d)); err != nil {
		return fmt.Errorf("create %dx%d buffer: %w", w, h, err)
	}
	b.handle, b.pitch = d.Handle, d.Pitch
	fb := fbCmd2{Width: w, Height: h, PixelFormat: formatXRGB8888}
	fb.Handles[0], fb.Pitches[0] = d.Handle, d.Pitch
	if err := c.ioctl(iowr(nrAddFB2, unsafe.Sizeof(fb)), unsafe.Pointer(&fb)); err == nil {
		b.fb = fb.FBID
	} else {
		old := fbCmd{Width: w, Height: h, Pitch: d.Pitch, BPP: 32, Depth: 24, Handle: d.Handle}
		if err := c.ioctl(iowr(nrAddFB, unsafe.Sizeof(old)), unsafe.Pointer(&old)); err != nil {
			return fmt.Errorf("add framebuffer: %w", err)
		}
		b.fb = old.FBID
	}
	m := mapDumb{Handle: d.Handle}
	if err := c.ioctl(iowr(nrMapDumb, unsafe.Sizeof(m)), unsafe.Pointer(&m)); err != nil {
		return fmt.Errorf("map buffer: %w", err)
	}
	var err error
	if b.pix, err = c.mmap(int64(m.Offset), int(d.Size)); err != nil {
		return fmt.Errorf("mmap buffer: %w", err)
	}
	clear(b.pix)
	return nil
}

// Size is the mode's size.
func (c *Card) Size() image.Point { return image.Pt(int(c.mode.HDisplay), int(c.mode.VDisplay)) }

// Mode is the mode shown.
func (c *Card) Mode() Mode { return c.mode }

// Buffer returns buffer i's mapped pixels and stride.
func (c *Card) Buffer(i int) ([]byte, int) { return c.bufs[i].pix, int(c.bufs[i].pitch) }

// Flip queues a page flip to buffer i with an event; WaitFlip reads it.
func (c *Card) Flip(i int) error {
	if c.pending {
		if err := c.WaitFlip(); err != nil {
			return err
		}
	}
	p := pageFlip{CRTCID: c.crtc, FBID: c.bufs[i].fb, Flags: pageFlipEvent, UserData: uint64(i)}
	if err := c.ioctl(iowr(nrPageFlip, unsafe.Sizeof(p)), unsafe.Pointer(&p)); err != nil {
		return fmt.Errorf("drm %s: page flip to buffer %d: %w", c.path, i, err)
	}
	c.pending = true
	return nil
}

// WaitFlip reads the card's events until the flip completes.
func (c *Card) WaitFlip() error {
	var ev [1024]byte
	for c.pending {
		n, err := c.f.Read(ev[:])
		if err != nil {
			return fmt.Errorf("drm %s: wait for flip: %w", c.path, err)
		}
		for off := 0; off+8 <= n; {
			typ := *(*uint32)(unsafe.Pointer(&ev[off]))
			length := int(*(*uint32)(unsafe.Pointer(&ev[off+4])))
			if length < 8 {
				return fmt.Errorf("drm %s: event of length %d", c.path, length)
			}
			if typ == eventFlipComplete {
				c.pending = false
			}
			off += length
		}
	}
	return nil
}

// Close restores the CRTC as it was found, frees the buffers and gives up
// mastership, so a console or desktop can show again.
func (c *Card) Close() error {
	if c.pending {
		c.WaitFlip()
	}
	var err error
	if c.saved.FBID != 0 {
		ids := []uint32{c.conn}
		s := c.saved
		s.SetConnectorsPtr, s.CountConnectors = ptr(ids), 1
		err = c.ioctl(iowr(nrSetCRTC, unsafe.Sizeof(s)), unsafe.Pointer(&s))
		runtime.KeepAlive(ids)
	}
	c.release()
	return errors.Join(err, c.f.Close())
}

// release frees what open took, however far it got.
func (c *Card) release() {
	for i := range c.bufs {
		b := &c.bufs[i]
		if b.pix != nil {
			unix.Munmap(b.pix)
		}
		if b.fb != 0 {
			fb := b.fb
			c.ioctl(iowr(nrRmFB, unsafe.Sizeof(fb)), unsafe.Pointer(&fb))
		}
		if b.handle != 0 {
			h := b.handle
			c.ioctl(iowr(nrDestroyDumb, unsafe.Sizeof(h)), unsafe.Pointer(&h))
		}
		*b = buffer{}
	}
	c.ioctl(ioctlDropMaster, nil)
}

// ioctl runs one ioctl on the card without taking its file out of Go's
// poller (as Fd would), so reads of flip events still park only a goroutine.
func (c *Card) ioctl(req uintptr, arg unsafe.Pointer) error {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	cerr := rc.Control(func(fd uintptr) {
		for {
			_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(arg))
			if errno != unix.EINTR && errno != unix.EAGAIN {
				return
			}
		}
	})
	if cerr != nil {
		return cerr
	}
	if errno != 0 {
		return errno
	}
	return nil
}

func (c *Card) mmap(off int64, size int) ([]byte, error) {
	rc, err := c.f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var pix []byte
	cerr := rc.Control(func(fd uintptr) {
		pix, err = unix.Mmap(int(fd), off, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	})
	if cerr != nil {
		return nil, cerr
	}
	return pix, err
}

// ptr is the address of a slice's first element, as the kernel wants it.
func ptr(s []uint32) uint64 {
	if len(s) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&s[0])))
}

// Find opens the first card in dir (/dev/dri) that drives a connected
// display: on a Pi 5 card0 is the 3D engine, with no connectors, and the
// display is card1.
func Find(dir string) (*Card, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "card*"))
	slices.SortFunc(paths, func(a, b string) int { return cmp.Or(len(a)-len(b), strings.Compare(a, b)) })
	if len(paths) == 0 {
		return nil, fmt.Errorf("drm: no cards in %s (is the display's DRM driver loaded?)", dir)
	}
	var errs []error
	for _, p := range paths {
		c, err := Open(p)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
