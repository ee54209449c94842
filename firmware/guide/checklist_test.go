package guide

import (
	"strings"
	"testing"

	"onetrip/hal/escpos"
)

// decode reads a checklist job the way the printer with profile p would.
func decode(t *testing.T, p escpos.Profile, job []byte) *escpos.Document {
	t.Helper()
	doc, err := escpos.DecodeFor(p, job)
	if err != nil {
		t.Fatalf("the printer cannot read the checklist: %v", err)
	}
	return doc
}

func profile(t *testing.T, name string) escpos.Profile {
	t.Helper()
	p, err := escpos.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestChecklistSlip(t *testing.T) {
	d := newDesk(t, "zh-CN")
	p := profile(t, "80mm")
	job, err := Checklist(d.h, d.cats, "residence-permit", "zh-CN", p)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"上城区政务服务中心",
		"办理材料清单",
		"居住证办理",
		"办理地点：1楼 B区 8-10号窗口",
		"[ ] 居民身份证",
		"[ ] 租房合同或房产证明",
		"[ ] 社保缴纳证明（可容缺）",
		"标“可容缺”的材料可以先办理、后补交",
		"带齐材料，最多跑一次",
	}, "\n")
	doc := decode(t, p, job)
	if got := doc.Text(); got != want {
		t.Errorf("slip reads\n%s\nwant\n%s", got, want)
	}
	if _, ok := doc.Items[len(doc.Items)-1].(escpos.Cut); !ok {
		t.Error("the slip is not cut off")
	}
}

func TestChecklistWithoutWaivableHasNoNote(t *testing.T) {
	d := newDesk(t, "zh-CN")
	p := profile(t, "80mm")
	job, err := Checklist(d.h, d.cats, "household-move", "zh-CN", p)
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, p, job).Text(); strings.Contains(got, "容缺") {
		t.Errorf("a matter with nothing waivable mentions 容缺:\n%s", got)
	}
}

// On 58 mm paper long English names wrap under the name, clear of the box.
func TestChecklistWrapsOnNarrowPaper(t *testing.T) {
	d := newDesk(t, "en")
	p := profile(t, "58mm")
	job, err := Checklist(d.h, d.cats, "company-setup", "en", p)
	if err != nil {
		t.Fatal(err)
	}
	got := decode(t, p, job).Text()
	for _, want := range []string{
		"Company\nregistration",
		"[ ] Legal representative's ID\n    card",
		"[ ] Articles of association",
		"[ ] Proof of address (may follow\n    later)",
		"Bring everything: one trip is\nenough",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("slip lacks %q:\n%s", want, got)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		if w := escpos.TextWidth(line); w > p.Columns {
			t.Errorf("line %q is %d columns on %d-column paper", line, w, p.Columns)
		}
	}
}

// A matter handled elsewhere still gets its list, with where to go.
func TestChecklistOfAMatterElsewhere(t *testing.T) {
	d := newDesk(t, "zh-CN")
	p := profile(t, "80mm")
	job, err := Checklist(d.h, d.cats, "passport", "zh-CN", p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(decode(t, p, job).Text(), "\n", ""); !strings.Contains(got, "本大厅不办理，请到：市出入境接待大厅（解放东路18号）") {
		t.Errorf("slip does not say where to go:\n%s", got)
	}
}

func TestChecklistOnRasterPrinter(t *testing.T) {
	d := newDesk(t, "zh-CN")
	p := profile(t, "58mm-raster")
	job, err := Checklist(d.h, d.cats, "social-card", "zh-CN", p)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, p, job)
	imgs := doc.Images()
	if len(imgs) != 1 || imgs[0].Bounds().Dx() != p.Dots || imgs[0].Bounds().Dy() < 200 {
		t.Fatalf("raster slip: %d images", len(imgs))
	}
	if txt := doc.Text(); txt != "" {
		t.Errorf("a raster printer got device text %q", txt)
	}
}

func TestChecklistOfUnknownMatter(t *testing.T) {
	d := newDesk(t, "zh-CN")
	if _, err := Checklist(d.h, d.cats, "no-such-matter", "zh-CN", profile(t, "80mm")); err == nil || !strings.Contains(err.Error(), "no-such-matter") {
		t.Fatalf("err = %v", err)
	}
}
