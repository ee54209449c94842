package render

import (
	"fmt"
	"image"
	"image/color"

	"github.com/skip2/go-qrcode"
)

// quietZone is the white margin around a QR code, in modules: the minimum the
// QR standard asks for, so phone cameras find the code against any background.
const quietZone = 4

// DrawQR draws payload as a QR code (error correction level M) centred in r,
// with a white quiet zone of 4 modules. Modules are whole pixels, as large as
// r allows, so the code stays crisp. It returns the rectangle of the symbol
// including its quiet zone, and an error if the payload is too long for a QR
// code or r is too small for modules of one pixel.
func DrawQR(dst *image.RGBA, r image.Rectangle, payload string) (image.Rectangle, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return image.Rectangle{}, fmt.Errorf("render: QR code for %d-byte payload: %w", len(payload), err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	modules := len(bits) + 2*quietZone
	size := min(r.Dx(), r.Dy()) / modules // pixels per module
	if size < 1 {
		return image.Rectangle{}, fmt.Errorf("render: QR code of %d modules does not fit in %v", modules, r)
	}
	side := modules * size
	corner := r.Min.Add(image.Pt((r.Dx()-side)/2, (r.Dy()-side)/2))
	sym := image.Rectangle{corner, corner.Add(image.Pt(side, side))}

	FillRect(dst, sym, color.RGBA{0xff, 0xff, 0xff, 0xff})
	black := color.RGBA{0, 0, 0, 0xff}
	origin := corner.Add(image.Pt(quietZone*size, quietZone*size))
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := x // draw each horizontal run of dark modules as one rectangle
			for x < len(row) && row[x] {
				x++
			}
			FillRect(dst, image.Rect(run*size, y*size, x*size, (y+1)*size).Add(origin), black)
		}
	}
	return sym, nil
}
