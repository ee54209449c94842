// Package assets holds the files compiled into the onetrip binary: locale
// catalogs and the sample hall. Fonts live in the fonts subpackage.
package assets

import "embed"

// FS holds locale/*.toml (one catalog per language) and halls/*.toml.
//
//go:embed locale/*.toml halls/*.toml
var FS embed.FS

// SampleHall is the path inside FS of the hall used when none is given.
const SampleHall = "halls/sample.toml"
