package render

import (
	"image"

	xdraw "golang.org/x/image/draw"
)

// DrawImage draws src scaled to fit r with its aspect ratio kept, centred in
// r, blended over dst. Scaling is approximate bilinear: fine for photos and
// icons, not for QR codes (use DrawQR).
func DrawImage(dst *image.RGBA, r image.Rectangle, src image.Image) {
	sb := src.Bounds()
	if sb.Empty() || r.Empty() {
		return
	}
	// Fit by the tighter side, in integers: w/h == sb.Dx()/sb.Dy().
	w, h := r.Dx(), r.Dx()*sb.Dy()/sb.Dx()
	if h > r.Dy() {
		w, h = r.Dy()*sb.Dx()/sb.Dy(), r.Dy()
	}
	at := r.Min.Add(image.Pt((r.Dx()-w)/2, (r.Dy()-h)/2))
	target := image.Rectangle{at, at.Add(image.Pt(w, h))}
	if target.Empty() {
		return
	}
	clipped := dst.SubImage(r.Intersect(dst.Bounds())).(*image.RGBA)
	xdraw.ApproxBiLinear.Scale(clipped, target, src, sb, xdraw.Over, nil)
}
