//go:build cgo

package window

// The presenter needs about a dozen legacy OpenGL 1.1 calls, so it binds them
// directly instead of compiling a full GL binding.

// #cgo LDFLAGS: -lGL
// #include <GL/gl.h>
import "C"

import (
	"image"
	"image/draw"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// glDrawer is the gl presenter: the frame is a texture drawn as one quad.
type glDrawer struct {
	glw   *glfw.Window
	frame *image.RGBA // the kept frame, uploaded from
	tex   image.Point // size of the texture
	fb    image.Point
	view  image.Rectangle
}

// newGLDrawer makes the window's GL context current and prepares it for a
// frame of the given size, black until presented.
func newGLDrawer(glw *glfw.Window, size image.Point) *glDrawer {
	glw.MakeContextCurrent()
	glfw.SwapInterval(1)
	glSetup()
	return &glDrawer{glw: glw, frame: image.NewRGBA(image.Rectangle{Max: size})}
}

func (d *glDrawer) keep(frame *image.RGBA, r image.Rectangle) {
	if size := frame.Rect.Size(); size != d.frame.Rect.Size() {
		d.frame = image.NewRGBA(image.Rectangle{Max: size})
	}
	draw.Draw(d.frame, r.Sub(frame.Rect.Min), frame, r.Min, draw.Src)
}

// load uploads the dirty rectangles into the texture, reallocating it first
// if the frame size changed.
func (d *glDrawer) load(dirty []image.Rectangle, fb image.Point, view image.Rectangle, _ bool) {
	if size := d.frame.Rect.Size(); size != d.tex {
		glAllocTexture(size)
		d.tex = size
	}
	d.fb, d.view = fb, view
	for _, r := range dirty {
		glUpload(d.frame, r)
	}
}

// show draws the whole framebuffer and swaps; GL has no partial redraw here.
func (d *glDrawer) show(bool) error {
	glRender(d.fb, d.view)
	d.glw.SwapBuffers()
	return nil
}

func (d *glDrawer) snapshot() (*image.RGBA, error) { return glSnapshot(d.fb, d.view), nil }
func (d *glDrawer) name() string                   { return PresenterGL }
func (d *glDrawer) close()                         {}

// glSetup prepares the current context to draw one textured quad and
// returns the texture that holds the frame.
func glSetup() C.GLuint {
	var tex C.GLuint
	C.glGenTextures(1, &tex)
	C.glBindTexture(C.GL_TEXTURE_2D, tex)
	C.glTexParameteri(C.GL_TEXTURE_2D, C.GL_TEXTURE_MIN_FILTER, C.GL_LINEAR)
	C.glTexParameteri(C.GL_TEXTURE_2D, C.GL_TEXTURE_MAG_FILTER, C.GL_LINEAR)
	C.glTexParameteri(C.GL_TEXTURE_2D, C.GL_TEXTURE_WRAP_S, C.GL_CLAMP_TO_EDGE)
	C.glTexParameteri(C.GL_TEXTURE_2D, C.GL_TEXTURE_WRAP_T, C.GL_CLAMP_TO_EDGE)
	C.glEnable(C.GL_TEXTURE_2D)
	return tex
}

// glAllocTexture gives the bound texture room for a frame of the given size.
func glAllocTexture(size image.Point) {
	C.glTexImage2D(C.GL_TEXTURE_2D, 0, C.GL_RGBA8, C.GLsizei(size.X), C.GLsizei(size.Y), 0,
		C.GL_RGBA, C.GL_UNSIGNED_BYTE, nil)
}

// glUpload copies rectangle r of frame (whose bounds start at 0,0) into the
// bound texture, reading rows straight from frame.Pix with its stride.
func glUpload(frame *image.RGBA, r image.Rectangle) {
	C.glPixelStorei(C.GL_UNPACK_ROW_LENGTH, C.GLint(frame.Stride/4))
	C.glTexSubImage2D(C.GL_TEXTURE_2D, 0, C.GLint(r.Min.X), C.GLint(r.Min.Y),
		C.GLsizei(r.Dx()), C.GLsizei(r.Dy()), C.GL_RGBA, C.GL_UNSIGNED_BYTE,
		unsafe.Pointer(&frame.Pix[frame.PixOffset(r.Min.X, r.Min.Y)]))
}

// glRender clears a framebuffer of size fb to black and draws the texture
// into view, given in top-left-origin framebuffer pixels.
func glRender(fb image.Point, view image.Rectangle) {
	C.glViewport(0, 0, C.GLsizei(fb.X), C.GLsizei(fb.Y))
	C.glClearColor(0, 0, 0, 1)
	C.glClear(C.GL_COLOR_BUFFER_BIT)
	C.glViewport(C.GLint(view.Min.X), C.GLint(fb.Y-view.Max.Y), C.GLsizei(view.Dx()), C.GLsizei(view.Dy()))
	C.glBegin(C.GL_QUADS)
	C.glTexCoord2f(0, 0)
	C.glVertex2f(-1, 1)
	C.glTexCoord2f(0, 1)
	C.glVertex2f(-1, -1)
	C.glTexCoord2f(1, 1)
	C.glVertex2f(1, -1)
	C.glTexCoord2f(1, 0)
	C.glVertex2f(1, 1)
	C.glEnd()
}

// glSnapshot draws the texture into view again, as the last frame was
// drawn, and reads the framebuffer of size fb back, top row first. It reads
// the back buffer because software GL (Mesa llvmpipe) cannot read a window's
// front buffer; nothing is swapped, so the screen does not change.
func glSnapshot(fb image.Point, view image.Rectangle) *image.RGBA {
	img := image.NewRGBA(image.Rectangle{Max: fb})
	if fb.X == 0 || fb.Y == 0 {
		return img
	}
	glRender(fb, view)
	C.glReadBuffer(C.GL_BACK)
	C.glReadPixels(0, 0, C.GLsizei(fb.X), C.GLsizei(fb.Y), C.GL_RGBA, C.GL_UNSIGNED_BYTE, unsafe.Pointer(&img.Pix[0]))
	// GL rows run bottom-up; image rows top-down.
	row := make([]byte, img.Stride)
	for top, bottom := 0, fb.Y-1; top < bottom; top, bottom = top+1, bottom-1 {
		a := img.Pix[top*img.Stride : (top+1)*img.Stride]
		b := img.Pix[bottom*img.Stride : (bottom+1)*img.Stride]
		copy(row, a)
		copy(a, b)
		copy(b, row)
	}
	return img
}
