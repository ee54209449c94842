package guide

import (
	"flag"
	"image"
	"testing"

	"onetrip/ui/screen"
	"onetrip/ui/screen/screentest"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

// TestGoldenScreens compares every tab on a busy morning, in both languages,
// with the reviewed PNGs in testdata/golden; run with -update after a
// deliberate change and look at the new pictures before committing them.
func TestGoldenScreens(t *testing.T) {
	p := screen.NewPainter()
	for _, lang := range []string{"zh-CN", "en"} {
		d := newDesk(t, lang)
		d.busyMorning()
		d.tap("help:h2")
		for _, tab := range tabs {
			d.tap("tab:" + tab)
			if tab == tabMaterials {
				d.tap("matter:residence-permit")
			}
			img := image.NewRGBA(screen.Size)
			p.Draw(img, d.build(), "")
			screentest.Golden(t, tab+"-"+lang, img, *update)
		}
	}
}
