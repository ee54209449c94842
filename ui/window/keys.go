//go:build cgo

package window

import (
	"strconv"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// keyName names a key by its position on a US keyboard, or returns "" for
// keys the kiosk does not use.
func keyName(k glfw.Key) string {
	switch {
	case k >= glfw.KeyA && k <= glfw.KeyZ, k >= glfw.Key0 && k <= glfw.Key9:
		return string(rune(k))
	case k >= glfw.KeyF1 && k <= glfw.KeyF25:
		return "F" + strconv.Itoa(int(k-glfw.KeyF1)+1)
	}
	return namedKeys[k]
}

var namedKeys = map[glfw.Key]string{
	glfw.KeyEscape:    "Escape",
	glfw.KeyEnter:     "Enter",
	glfw.KeyKPEnter:   "Enter",
	glfw.KeySpace:     "Space",
	glfw.KeyBackspace: "Backspace",
	glfw.KeyTab:       "Tab",
	glfw.KeyDelete:    "Delete",
	glfw.KeyUp:        "Up",
	glfw.KeyDown:      "Down",
	glfw.KeyLeft:      "Left",
	glfw.KeyRight:     "Right",
	glfw.KeyHome:      "Home",
	glfw.KeyEnd:       "End",
	glfw.KeyPageUp:    "PageUp",
	glfw.KeyPageDown:  "PageDown",
}
