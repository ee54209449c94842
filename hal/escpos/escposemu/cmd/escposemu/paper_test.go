package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"onetrip/hal/escpos"
)

// TestPaperPNGShowsChinese prints a ticket line through the -out job sink and
// checks the PNG: each Chinese character is drawn, none is blank or the
// missing-glyph box that ⅰ (a GBK character the font lacks) prints.
func TestPaperPNGShowsChinese(t *testing.T) {
	p, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sink, err := jobSink(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	const text = "硚口区政务服务中心 张一喆ⅰ"
	e := escpos.NewEncoder(p)
	e.Init()
	e.Line(text)
	e.Cut()
	sink(e.Bytes())

	f, err := os.Open(filepath.Join(dir, "000001.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g := img.(*image.Gray)
	// Walk the first line cell by cell: 24 dots for a Chinese character, 12
	// for the space.
	var box []byte
	type drawn struct {
		r   rune
		pix []byte
	}
	var chinese []drawn
	x := 0
	for _, r := range text {
		w := 12 * escpos.RuneWidth(r)
		var pix []byte
		for y := range 24 {
			pix = append(pix, g.Pix[y*g.Stride+x:][:w]...)
		}
		x += w
		switch {
		case r == 'ⅰ':
			box = pix
		case w == 24:
			chinese = append(chinese, drawn{r, pix})
		}
	}
	if bytes.Count(box, []byte{0}) == 0 {
		t.Fatal("ⅰ printed nothing; want the missing-glyph box")
	}
	for _, c := range chinese {
		if n := bytes.Count(c.pix, []byte{0}); n < 30 {
			t.Errorf("%c printed %d black dots; want the character", c.r, n)
		}
		if bytes.Equal(c.pix, box) {
			t.Errorf("%c printed the missing-glyph box", c.r)
		}
	}
}
