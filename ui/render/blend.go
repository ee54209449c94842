package render

import "image/color"

// These helpers blend straight into image.RGBA's Pix slice: the hot paths
// never go through image.At/Set or draw.Draw.

// blendPixel blends c, scaled by coverage m (0–255), over the four bytes of
// p. c is alpha-premultiplied, as color.RGBA always is.
func blendPixel(p []uint8, c color.RGBA, m uint32) {
	const max16 = 0xff * 0xff
	inv := max16 - uint32(c.A)*m
	p[0] = uint8(min((uint32(c.R)*m*0xff+uint32(p[0])*inv+max16/2)/max16, 0xff))
	p[1] = uint8(min((uint32(c.G)*m*0xff+uint32(p[1])*inv+max16/2)/max16, 0xff))
	p[2] = uint8(min((uint32(c.B)*m*0xff+uint32(p[2])*inv+max16/2)/max16, 0xff))
	p[3] = uint8(min((uint32(c.A)*m*0xff+uint32(p[3])*inv+max16/2)/max16, 0xff))
}

// blendSpan blends c at full coverage over the pixels of row (a slice of
// Pix starting at the span's first pixel) for n pixels.
func blendSpan(row []uint8, n int, c color.RGBA) {
	if n <= 0 {
		return
	}
	if c.A == 0xff {
		row = row[:n*4]
		row[0], row[1], row[2], row[3] = c.R, c.G, c.B, c.A
		for done := 4; done < len(row); done *= 2 {
			copy(row[done:], row[:done])
		}
		return
	}
	for i := 0; i < n*4; i += 4 {
		blendPixel(row[i:i+4], c, 0xff)
	}
}

// blendMask blends c over row through mask, one coverage byte a pixel.
func blendMask(row []uint8, mask []uint8, c color.RGBA) {
	opaque := c.A == 0xff
	for i, m := range mask {
		p := row[i*4 : i*4+4 : i*4+4]
		switch {
		case m == 0:
		case m == 0xff && opaque:
			p[0], p[1], p[2], p[3] = c.R, c.G, c.B, c.A
		default:
			blendPixel(p, c, uint32(m))
		}
	}
}
