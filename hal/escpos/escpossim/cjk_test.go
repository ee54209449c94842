package escpossim

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"testing"

	"onetrip/hal/escpos"
	"onetrip/ui/render"
)

// printed prints one line of text on a simulated 80 mm printer drawing with
// the kiosk's font, as firmware/cmd/onetrip and escposemu make it, and returns
// the job's PNG.
func printed(t *testing.T, line string) *image.Gray {
	t.Helper()
	p, err := escpos.LoadProfile("80mm")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(t.TempDir(), p, render.DefaultFont().XFace)
	if err != nil {
		t.Fatal(err)
	}
	e := escpos.NewEncoder(p)
	e.Init()
	e.Line(line)
	e.Cut()
	if err := sim.Print(context.Background(), e.Bytes()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(sim.Jobs()[0].PNGPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("paper PNG is %T, want *image.Gray", img)
	}
	return g
}

// cells cuts the first printed line into its double-width cells (24×24 dots)
// and returns each cell's dots and how many of them are black.
func cells(img *image.Gray, n int) (pix [][]byte, black []int) {
	for i := range n {
		var c []byte
		k := 0
		for y := range 24 {
			row := img.Pix[y*img.Stride+24*i:][:24]
			c = append(c, row...)
			k += bytes.Count(row, []byte{0})
		}
		pix, black = append(pix, c), append(black, k)
	}
	return pix, black
}

func TestTicketPNGShowsChineseInTheKioskFont(t *testing.T) {
	// ⅰ (GBK A2A1) is a character the font lacks: it prints the box.
	const names = "张一喆龑小明昇硚口区"
	line := []rune(names + "ⅰ")
	pix, black := cells(printed(t, string(line)), len(line))
	box := pix[len(line)-1]
	if black[len(line)-1] == 0 {
		t.Fatal("a character the font lacks printed nothing; want the missing-glyph box")
	}
	for i, r := range []rune(names) {
		if black[i] < 30 {
			t.Errorf("%c printed %d black dots; want the character", r, black[i])
		}
		if bytes.Equal(pix[i], box) {
			t.Errorf("%c printed the missing-glyph box", r)
		}
	}
}
