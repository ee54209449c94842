//go:build cgo

package window

import (
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"log"
	"os"
	"runtime"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"
)

// xDrawer is the shm presenter. Its kept frame is already in the X
// visual's pixel format, converted from each presented rectangle, and lives
// in a shared memory segment the X server reads with XShmPutImage; where
// the server refuses the segment (a remote display, another IPC namespace)
// it is sent in core PutImage requests. Frames go on a connection of its
// own to GLFW's X window.
type xDrawer struct {
	c      *xgb.Conn
	win    xproto.Window
	gc     xproto.Gcontext // foreground black, for the bars
	depth  byte
	pixel  pixelLayout
	maxReq int // bytes in one request at most

	// sending is held while the server may read frame or scaled, and to
	// change either or noSHM.
	sending sync.Mutex
	noSHM   string // why frames go by core PutImage; "" while MIT-SHM is used
	frame   pixels // the kept frame
	scaled  pixels // the frame scaled to the view, when their sizes differ

	// Owned by the main loop.
	fb      image.Point
	view    image.Rectangle
	pending []image.Rectangle // rectangles of frame, or of scaled, to show
	cols    []int             // frame column of each view column, when scaled
	scratch []byte            // rows of one core PutImage request
}

// pixels is an image in the X visual's format, 4 bytes a pixel, rows
// unpadded: in a shared segment, or on the heap when seg is nil.
type pixels struct {
	size image.Point
	pix  []byte
	seg  *segment
}

// segment is a SysV shared memory segment attached by both sides.
type segment struct {
	id  shm.Seg
	mem []byte
}

// quietXGB silences xgb's own logging, once: it would print lines to
// stderr (a missing ~/.Xauthority, a lost connection), and its errors
// reach us as return values anyway.
var quietXGB sync.Once

// putImageHeader is the size of a core PutImage request before its pixels.
const putImageHeader = 24

// newXDrawer connects to the display in DISPLAY (the one GLFW opened) and
// prepares to draw a frame of the given size, black until presented, into
// win. The kept frame's segment is attached now, so name says at once how
// frames will go. useSHM false starts with core PutImage.
func newXDrawer(win xproto.Window, size image.Point, useSHM bool) (*xDrawer, error) {
	quietXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	display := os.Getenv("DISPLAY")
	c, err := xgb.NewConn()
	if err != nil {
		return nil, fmt.Errorf("shm presenter: connect to X display %q: %w", display, err)
	}
	d := &xDrawer{c: c, win: win}
	if err := d.setup(useSHM); err != nil {
		c.Close()
		return nil, fmt.Errorf("shm presenter on X display %q: %w", display, err)
	}
	d.frame = d.alloc(size)
	// Every request is checked, so nothing should arrive here; reading
	// keeps xgb's queue from filling if something does.
	go func() {
		for {
			if ev, err := c.WaitForEvent(); ev == nil && err == nil {
				return
			}
		}
	}()
	return d, nil
}

// setup learns the window's pixel format and creates its graphics context.
func (d *xDrawer) setup(useSHM bool) error {
	info := xproto.Setup(d.c)
	geo, err := xproto.GetGeometry(d.c, xproto.Drawable(d.win)).Reply()
	if err != nil {
		return fmt.Errorf("window 0x%x geometry: %w", d.win, err)
	}
	attrs, err := xproto.GetWindowAttributes(d.c, d.win).Reply()
	if err != nil {
		return fmt.Errorf("window 0x%x attributes: %w", d.win, err)
	}
	d.depth = geo.Depth
	bpp := 0
	for _, f := range info.PixmapFormats {
		if f.Depth == d.depth {
			bpp = int(f.BitsPerPixel)
		}
	}
	if bpp != 32 {
		return fmt.Errorf("depth %d has %d bits per pixel; the shm presenter draws 32 (use --presenter gl)", d.depth, bpp)
	}
	vis := findVisual(info, attrs.Visual)
	if vis == nil {
		return fmt.Errorf("window 0x%x has visual 0x%x, which the server does not list", d.win, attrs.Visual)
	}
	if d.pixel, err = layoutOf(vis.RedMask, vis.GreenMask, vis.BlueMask, info.ImageByteOrder == xproto.ImageOrderMSBFirst); err != nil {
		return fmt.Errorf("visual 0x%x: %w (use --presenter gl)", attrs.Visual, err)
	}
	if d.gc, err = xproto.NewGcontextId(d.c); err != nil {
		return err
	}
	// Pixel 0 is black in these true-colour visuals.
	err = xproto.CreateGCChecked(d.c, d.gc, xproto.Drawable(d.win),
		xproto.GcForeground|xproto.GcGraphicsExposures, []uint32{0, 0}).Check()
	if err != nil {
		return fmt.Errorf("graphics context: %w", err)
	}
	d.maxReq = int(info.MaximumRequestLength) * 4
	switch {
	case !useSHM:
		d.noSHM = "MIT-SHM not asked for"
	case shm.Init(d.c) != nil:
		d.noSHM = "the X server has no MIT-SHM"
	}
	return nil
}

func findVisual(info *xproto.SetupInfo, id xproto.Visualid) *xproto.VisualInfo {
	for _, root := range info.Roots {
		for _, depth := range root.AllowedDepths {
			for i, v := range depth.Visuals {
				if v.VisualId == id {
					return &depth.Visuals[i]
				}
			}
		}
	}
	return nil
}

func (d *xDrawer) name() string {
	d.sending.Lock()
	defer d.sending.Unlock()
	if d.noSHM != "" {
		return "shm (core PutImage: " + d.noSHM + ")"
	}
	return "shm (MIT-SHM)"
}

// alloc makes black pixels of the given size: in a new shared segment
// unless MIT-SHM is not used or is refused now. d.sending must be held, or
// the drawer not yet in use.
func (d *xDrawer) alloc(size image.Point) pixels {
	p := pixels{size: size}
	n := size.X * size.Y * 4
	if n == 0 {
		return p
	}
	if d.noSHM == "" {
		seg, err := d.attach(n)
		if err == nil {
			p.pix, p.seg = seg.mem, seg
			return p
		}
		d.noSHM = "MIT-SHM refused: " + err.Error()
	}
	p.pix = make([]byte, n)
	return p
}

// attach creates a segment of size bytes and has the X server attach it.
// The segment is marked for removal at once, so it goes with the last
// process that has it attached, even when this one is killed.
func (d *xDrawer) attach(size int) (*segment, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("shmget %d bytes: %w", size, err)
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("shmat: %w", err)
	}
	seg, err := shm.NewSegId(d.c)
	if err == nil {
		err = shm.AttachChecked(d.c, seg, uint32(id), true).Check()
	}
	if err != nil {
		unix.SysvShmDetach(mem)
		return nil, fmt.Errorf("X server attach: %w", err)
	}
	return &segment{id: seg, mem: mem}, nil
}

// free releases p's segment, if it has one.
func (d *xDrawer) free(p pixels) {
	if p.seg != nil {
		shm.DetachChecked(d.c, p.seg.id).Check()
		unix.SysvShmDetach(p.seg.mem)
	}
}

// keep converts rectangle r of frame into the kept frame. It waits while
// the server may be reading the kept frame.
func (d *xDrawer) keep(frame *image.RGBA, r image.Rectangle) {
	d.sending.Lock()
	defer d.sending.Unlock()
	if size := frame.Rect.Size(); size != d.frame.size {
		d.free(d.frame)
		d.frame = d.alloc(size)
	}
	dst := r.Sub(frame.Rect.Min)
	stride := d.frame.size.X * 4
	rows := func(from, to int) {
		for y := from; y < to; y++ {
			o := (dst.Min.Y+y)*stride + dst.Min.X*4
			d.pixel.convert(d.frame.pix[o:o+4*r.Dx()], frame.Pix[frame.PixOffset(r.Min.X, r.Min.Y+y):])
		}
	}
	// A new screen is a million pixels: convert it on every core.
	n, parts := r.Dy(), min(runtime.GOMAXPROCS(0), 4)
	if parts < 2 || r.Dx()*n < parallelPixels {
		rows(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < parts; i++ {
		wg.Go(func() { rows(n*i/parts, n*(i+1)/parts) })
	}
	rows(0, n/parts)
	wg.Wait()
}

// parallelPixels is the smallest rectangle converted on several cores; a
// pressed button is converted faster than goroutines start.
const parallelPixels = 256 << 10

// load notes the dirty rectangles to show; a frame shown at another size is
// scaled into the view first, sampling the nearest pixel.
func (d *xDrawer) load(dirty []image.Rectangle, fb image.Point, view image.Rectangle, resized bool) {
	d.fb, d.view = fb, view
	fs, vs := d.frame.size, view.Size()
	if resized {
		d.sending.Lock()
		if vs != d.scaled.size {
			d.free(d.scaled)
			d.scaled = pixels{}
			if vs != fs && !view.Empty() {
				d.scaled = d.alloc(vs)
			}
		}
		d.sending.Unlock()
		d.cols = d.cols[:0]
		for x := range d.scaled.size.X {
			d.cols = append(d.cols, (2*x+1)*fs.X/(2*vs.X))
		}
		d.pending = d.pending[:0]
	}
	for _, r := range dirty {
		if d.scaled.pix != nil {
			r = d.scale(r)
		}
		if !r.Empty() {
			d.pending = append(d.pending, r)
		}
	}
}

// scale writes the view pixels showing frame rectangle r and returns where
// they are in the view.
func (d *xDrawer) scale(r image.Rectangle) image.Rectangle {
	fs, vs := d.frame.size, d.scaled.size
	dst := image.Rect(r.Min.X*vs.X/fs.X, r.Min.Y*vs.Y/fs.Y,
		ceilDiv(r.Max.X*vs.X, fs.X), ceilDiv(r.Max.Y*vs.Y, fs.Y)).Intersect(image.Rectangle{Max: vs})
	for y := dst.Min.Y; y < dst.Max.Y; y++ {
		src := d.frame.pix[(2*y+1)*fs.Y/(2*vs.Y)*fs.X*4:]
		row := d.scaled.pix[y*vs.X*4:]
		for x := dst.Min.X; x < dst.Max.X; x++ {
			copy(row[4*x:4*x+4], src[4*d.cols[x]:])
		}
	}
	return dst
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// show sends the loaded rectangles (or the whole view, with black bars
// around it) and waits until the server has drawn them: after that round
// trip the server no longer reads the kept frame, and it is on the screen.
func (d *xDrawer) show(all bool) error {
	d.sending.Lock()
	defer d.sending.Unlock()
	src := d.frame
	if d.scaled.pix != nil {
		src = d.scaled
	}
	rects := d.pending
	d.pending = d.pending[:0]
	if d.view.Empty() || len(src.pix) == 0 {
		return nil
	}
	var sent []*xgb.Cookie
	if all {
		rects = []image.Rectangle{{Max: src.size}}
		if bars := barsAround(d.view, d.fb); len(bars) > 0 {
			sent = append(sent, xproto.PolyFillRectangleChecked(d.c, xproto.Drawable(d.win), d.gc, bars).Cookie)
		}
	}
	for _, r := range rects {
		at := r.Min.Add(d.view.Min)
		if src.seg != nil {
			c := shm.PutImageChecked(d.c, xproto.Drawable(d.win), d.gc, uint16(src.size.X), uint16(src.size.Y),
				uint16(r.Min.X), uint16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), int16(at.X), int16(at.Y),
				d.depth, xproto.ImageFormatZPixmap, 0, src.seg.id, 0)
			sent = append(sent, c.Cookie)
			continue
		}
		sent = d.putImage(src, r, at, sent)
	}
	for i, c := range sent {
		if err := c.Check(); err != nil {
			return fmt.Errorf("put image (request %d of %d): %w", i+1, len(sent), err)
		}
	}
	return nil
}

// barsAround returns the parts of a framebuffer of size fb outside view.
func barsAround(view image.Rectangle, fb image.Point) []xproto.Rectangle {
	var bars []xproto.Rectangle
	add := func(r image.Rectangle) {
		if !r.Empty() {
			bars = append(bars, xproto.Rectangle{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())})
		}
	}
	add(image.Rect(0, 0, fb.X, view.Min.Y))
	add(image.Rect(0, view.Max.Y, fb.X, fb.Y))
	add(image.Rect(0, view.Min.Y, view.Min.X, view.Max.Y))
	add(image.Rect(view.Max.X, view.Min.Y, fb.X, view.Max.Y))
	return bars
}

// putImage sends rectangle r of src to at in core PutImage requests of
// whole rows, each under the server's maximum request length.
func (d *xDrawer) putImage(src pixels, r image.Rectangle, at image.Point, sent []*xgb.Cookie) []*xgb.Cookie {
	row := r.Dx() * 4
	rows := max(1, (d.maxReq-putImageHeader)/row)
	stride := src.size.X * 4
	for y := r.Min.Y; y < r.Max.Y; y += rows {
		h := min(rows, r.Max.Y-y)
		d.scratch = d.scratch[:0]
		for i := range h {
			o := (y+i)*stride + r.Min.X*4
			d.scratch = append(d.scratch, src.pix[o:o+row]...)
		}
		c := xproto.PutImageChecked(d.c, xproto.ImageFormatZPixmap, xproto.Drawable(d.win), d.gc,
			uint16(r.Dx()), uint16(h), int16(at.X), int16(at.Y+y-r.Min.Y), 0, d.depth, d.scratch)
		sent = append(sent, c.Cookie)
	}
	return sent
}

// snapshot reads the window back from the X server.
func (d *xDrawer) snapshot() (*image.RGBA, error) {
	img := image.NewRGBA(image.Rectangle{Max: d.fb})
	if img.Rect.Empty() {
		return img, nil
	}
	reply, err := xproto.GetImage(d.c, xproto.ImageFormatZPixmap, xproto.Drawable(d.win),
		0, 0, uint16(d.fb.X), uint16(d.fb.Y), ^uint32(0)).Reply()
	if err != nil {
		return nil, fmt.Errorf("get image of window 0x%x: %w", d.win, err)
	}
	if len(reply.Data) < len(img.Pix) {
		return nil, fmt.Errorf("get image of window 0x%x: %d bytes for %v", d.win, len(reply.Data), d.fb)
	}
	d.pixel.toRGBA(img.Pix, reply.Data)
	return img, nil
}

func (d *xDrawer) close() {
	d.sending.Lock()
	defer d.sending.Unlock()
	d.free(d.frame)
	d.free(d.scaled)
	xproto.FreeGC(d.c, d.gc)
	d.c.Close()
}

// pixelLayout says where red, green, blue and the unused byte sit in one
// 32-bit pixel of the X visual, as bytes in memory.
type pixelLayout struct{ r, g, b, x int }

// bgrx is the layout of a little-endian server's 24-bit TrueColor visual.
var bgrx = pixelLayout{r: 2, g: 1, b: 0, x: 3}

// layoutOf derives the byte positions from the visual's masks and the
// server's image byte order; each mask must cover one whole byte.
func layoutOf(red, green, blue uint32, msbFirst bool) (pixelLayout, error) {
	pos := func(mask uint32) int {
		for k := range 4 {
			if mask == 0xff<<(8*k) {
				if msbFirst {
					return 3 - k
				}
				return k
			}
		}
		return -1
	}
	l := pixelLayout{r: pos(red), g: pos(green), b: pos(blue)}
	if l.r < 0 || l.g < 0 || l.b < 0 || l.r == l.g || l.g == l.b || l.r == l.b {
		return l, fmt.Errorf("colour masks %06x/%06x/%06x are not one byte each", red, green, blue)
	}
	l.x = 6 - l.r - l.g - l.b
	return l, nil
}

// convert writes len(dst)/4 RGBA pixels from src in this layout, a
// 32-bit word at a time (a whole frame is a million pixels).
func (l pixelLayout) convert(dst, src []byte) {
	n := len(dst) &^ 3
	dst, src = dst[:n], src[:n]
	if l == bgrx { // nearly every X server: swap red and blue, two pixels at a time
		i := 0
		for ; i+8 <= n; i += 8 {
			v := binary.LittleEndian.Uint64(src[i : i+8])
			binary.LittleEndian.PutUint64(dst[i:i+8], v&0x0000ff000000ff00|(v&0x000000ff000000ff)<<16|(v>>16)&0x000000ff000000ff)
		}
		if i < n {
			v := binary.LittleEndian.Uint32(src[i : i+4])
			binary.LittleEndian.PutUint32(dst[i:i+4], v&0xff00|(v&0xff)<<16|(v>>16)&0xff)
		}
		return
	}
	rs, gs, bs := uint(8*l.r)&31, uint(8*l.g)&31, uint(8*l.b)&31
	for i := 0; i < n; i += 4 {
		v := binary.LittleEndian.Uint32(src[i : i+4])
		binary.LittleEndian.PutUint32(dst[i:i+4], (v&0xff)<<rs|(v>>8&0xff)<<gs|(v>>16&0xff)<<bs)
	}
}

// toRGBA writes len(dst)/4 opaque RGBA pixels from src in this layout.
func (l pixelLayout) toRGBA(dst, src []byte) {
	for i := 0; i+4 <= len(dst); i += 4 {
		p, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		p[0], p[1], p[2], p[3] = s[l.r], s[l.g], s[l.b], 0xff
	}
}
