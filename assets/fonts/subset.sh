#!/bin/sh
# subset.sh regenerates onetrip-sans.ttf, the kiosk's one font.
#
# Usage: assets/fonts/subset.sh SOURCE_FONT
#
# SOURCE_FONT is WenQuanYi Micro Hei (wqy-microhei.ttc, Apache-2.0; Debian
# package fonts-wqy-microhei): Droid Sans Fallback's CJK glyphs together with
# Droid Sans's Latin, Greek and Cyrillic, which Droid Sans Fallback alone lacks.
# The first face of a collection is used.
#
# The character list comes from gencharset: ASCII, Latin-1, punctuation, CJK
# symbols, fullwidth forms, all of GB 2312 and a few extra symbols. Hinting
# and shaping tables are dropped: the renderer anti-aliases large text and
# does no shaping, and they would double the size.
# Needs Go and fontTools (Debian: python3-fonttools); set PYTHON to pick the
# interpreter that has fontTools.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 SOURCE_FONT" >&2
	exit 2
fi
src=$1
here=$(cd "$(dirname "$0")" && pwd)
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT

(cd "$here" && go run ./gencharset) >"$chars"

"${PYTHON:-python3}" -m fontTools.subset "$src" \
	--font-number=0 \
	--unicodes-file="$chars" \
	--output-file="$here/onetrip-sans.ttf" \
	--no-hinting \
	--layout-features='kern' \
	--drop-tables+=GSUB,vhea,vmtx,FFTM,DSIG \
	--name-IDs='0,1,2,3,4,5,6,7,13,14' \
	--notdef-outline

echo "wrote $here/onetrip-sans.ttf ($(wc -l <"$chars") code points requested)"
