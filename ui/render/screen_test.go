package render

import (
	"fmt"
	"image"
	"image/color"
)

// drawScreen draws a kiosk-like frame: a background, a title, 20 rounded
// buttons with labels and 19 lines of mixed Chinese and Latin text (for the
// benchmarks in bench_test.go).
func drawScreen(dst *image.RGBA) {
	title, label, body := DefaultFont().Face(48), DefaultFont().Face(28), DefaultFont().Face(24)
	bg := color.RGBA{0xf4, 0xf6, 0xfa, 0xff}
	blue := color.RGBA{0x1f, 0x5f, 0xbf, 0xff}
	ink := color.RGBA{0x22, 0x22, 0x22, 0xff}
	FillRect(dst, dst.Bounds(), bg)
	DrawText(dst, title, 40, 70, "您好，欢迎来到政务服务中心", ink)
	for i := range 20 {
		r := image.Rect(0, 0, 224, 84).Add(image.Pt(40+(i%5)*244, 100+(i/5)*100))
		FillRoundRect(dst, r, 18, blue)
		StrokeRoundRect(dst, r, 18, 2, color.RGBA{0x0f, 0x3f, 0x8f, 0xff})
		DrawTextCentered(dst, label, r, fmt.Sprintf("%d. 不动产登记", i+1), color.RGBA{0xff, 0xff, 0xff, 0xff})
	}
	for i := range 19 {
		DrawText(dst, body, 40+(i%2)*620, 535+(i/2)*28, "请到3楼A区12号窗口 · Window A12，前面还有5人", ink)
	}
}
