#!/bin/sh
# subset.sh regenerates onetrip-sans.ttf, the kiosk's one font.
#
# Usage: assets/fonts/subset.sh [MAIN_FONT [FILL_FONT]]
#
# MAIN_FONT is WenQuanYi Micro Hei (wqy-microhei.ttc, Apache-2.0; Debian
# package fonts-wqy-microhei): Droid Sans Fallback's CJK glyphs together with
# Droid Sans's Latin, Greek and Cyrillic, which Droid Sans Fallback alone lacks.
# The first face of a collection is used. Micro Hei has all of CJK Unified
# Ideographs U+4E00–U+9FA5 but only 2 of the 6582 characters of Extension A.
#
# FILL_FONT is Droid Sans Fallback Full (DroidSansFallbackFull.ttf,
# Apache-2.0; Debian package fonts-droid-fallback), the later Droid Sans
# Fallback that Micro Hei's hanzi come from, which has all of Extension A
# U+3400–U+4DB5 in the same design. It gives the characters MAIN_FONT lacks
# and nothing else; it has no Latin, so it cannot be the only source.
#
# Defaults are the Debian packages' paths.
#
# The character list comes from gencharset: ASCII, Latin-1, punctuation, CJK
# symbols, fullwidth forms, all of GB 2312, CJK Unified Ideographs with
# Extension A, and a few extra symbols. Hinting and shaping tables are
# dropped: the renderer anti-aliases large text and does no shaping, and they
# would double the size. The fill font's outlines are scaled from its 256
# units per em to Micro Hei's 2048 (exactly, by 8) and the two are merged with
# fontTools; the merged font keeps Micro Hei's vertical metrics, so line
# heights do not change.
# Needs Go and fontTools (Debian: python3-fonttools); set PYTHON to pick the
# interpreter that has fontTools.
set -eu

if [ $# -gt 2 ]; then
	echo "usage: $0 [MAIN_FONT [FILL_FONT]]" >&2
	exit 2
fi
main=${1:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}
fill=${2:-/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf}
py=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$here" && go run ./gencharset) >"$tmp/chars"

subset() { # SOURCE CHARS OUTPUT EXTRA_OPTIONS...
	src=$1 list=$2 dst=$3
	shift 3
	"$py" -m fontTools.subset "$src" \
		--font-number=0 \
		--unicodes-file="$list" \
		--output-file="$dst" \
		--no-hinting \
		--drop-tables+=GSUB,vhea,vmtx,FFTM,DSIG \
		--name-IDs='0,1,2,3,4,5,6,7,13,14' \
		--notdef-outline \
		"$@"
}

subset "$main" "$tmp/chars" "$tmp/main.ttf" --layout-features='kern'

# What the main font lacks, for the fill font to give.
"$py" - "$tmp/main.ttf" "$tmp/chars" >"$tmp/lacking" <<'EOF'
import sys
from fontTools.ttLib import TTFont
have = TTFont(sys.argv[1]).getBestCmap()
for line in open(sys.argv[2]):
    if int(line.strip()[2:], 16) not in have:
        print(line.strip())
EOF
subset "$fill" "$tmp/lacking" "$tmp/fill.ttf" --layout-features='' --drop-tables+=GPOS,GDEF

"$py" - "$tmp/main.ttf" "$tmp/fill.ttf" "$here/onetrip-sans.ttf" <<'EOF'
import sys
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from fontTools.merge import Merger

main_path, fill_path, out_path = sys.argv[1:]
main = TTFont(main_path)
fill = TTFont(fill_path)
upem = main["head"].unitsPerEm
if fill["head"].unitsPerEm != upem:
    scale_upem(fill, upem)
    fill_path += ".scaled.ttf"
    fill.save(fill_path)

font = Merger().merge([main_path, fill_path])
# Keep the main font's vertical metrics and identity: the fill font's taller
# ascent would otherwise win and move every line of text.
for attr in ("ascent", "descent", "lineGap"):
    setattr(font["hhea"], attr, getattr(main["hhea"], attr))
for attr in ("sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent"):
    setattr(font["OS/2"], attr, getattr(main["OS/2"], attr))
for attr in ("created", "modified", "fontRevision"):
    setattr(font["head"], attr, getattr(main["head"], attr))
font["name"] = main["name"]
font.recalcTimestamp = False  # the same sources give the same file
font.save(out_path)
EOF

echo "wrote $here/onetrip-sans.ttf ($(wc -l <"$tmp/chars") code points requested, $(wc -l <"$tmp/lacking") of them not in the main font)"
