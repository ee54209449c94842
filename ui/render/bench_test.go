package render

import (
	"image"
	"testing"
)

func BenchmarkDrawTextCJK(b *testing.B) {
	fc := DefaultFont().Face(36)
	img := canvas(900, 60, white)
	const line = "请问您带身份证了吗请将身份证放在读卡区谢谢" // 20 characters
	b.ReportAllocs()
	for b.Loop() {
		DrawText(img, fc, 10, 45, line, black)
	}
}

func BenchmarkScreenLike(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 800))
	b.ReportAllocs()
	for b.Loop() {
		drawScreen(img)
	}
}

func BenchmarkDrawQR(b *testing.B) {
	img := canvas(400, 400, white)
	const payload = "https://zwfw.example.gov.cn/m/queue?hall=330100&ticket=A012"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DrawQR(img, img.Bounds(), payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrap(b *testing.B) {
	fc := DefaultFont().Face(32)
	s := wrapSamples[1]
	b.ReportAllocs()
	for b.Loop() {
		fc.Wrap(s, 400)
	}
}
