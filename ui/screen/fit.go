package screen

import (
	"fmt"
	"image"

	"onetrip/firmware/flow"
	"onetrip/ui/locale"
	"onetrip/ui/render"
)

// Fits reports whether s fits a widget of size box at the smallest type,
// wrapped: what does not is drawn cut short with an ellipsis.
func Fits(font *render.Font, s string, box image.Point) bool {
	face := font.Face(minPx)
	inner := image.Rectangle{Max: box}.Inset(8)
	return len(face.Wrap(s, inner.Dx()))*face.Height() <= inner.Dy()
}

// CheckHall lists the hall's names that do not fit their buttons in some
// language, for the start-up log and the hall's technician: they would show
// cut short.
func CheckHall(cfg *flow.Config, cats locale.Catalogs) []string {
	font := render.DefaultFont()
	var out []string
	tab := image.Pt((1280-2*margin-(len(cfg.Hall.Categories)-1)*16)/len(cfg.Hall.Categories), 96)
	for _, lang := range cfg.Languages {
		for _, c := range cfg.Hall.Categories {
			if n := c.Name.In(lang); !Fits(font, n, tab) {
				out = append(out, fmt.Sprintf("category %q (%s): %q does not fit its tab", c.ID, lang, n))
			}
		}
		for _, m := range cfg.Hall.Matters {
			if n := m.Name.In(lang); !Fits(font, n, matterButton) {
				out = append(out, fmt.Sprintf("matter %q (%s): %q does not fit its button", m.ID, lang, n))
			}
		}
	}
	return out
}
