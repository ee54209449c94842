// Command mkdeb packages an onetrip binary as a .deb for boards that already
// run Pi OS (or Debian): the binary, the systemd unit, the udev rules, the
// service's defaults file and the maintainer scripts from packaging/.
//
//	go run ./tools/mkdeb --bin bin/onetrip [--version 1.2.3] [--out dist]
//
// The architecture is the binary's own (GOARCH, and GOARM for 32-bit ARM);
// the version is the one built into it (make's -X main.version) unless
// --version says otherwise; the shared libraries it links become Depends.
package main

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

func main() {
	bin := flag.String("bin", "bin/onetrip", "the onetrip binary to package")
	version := flag.String("version", "", "package version (default: the version built into the binary)")
	dir := flag.String("packaging", "packaging", "the packaging/ directory: systemd/, udev/, scripts/, default/, xdg/")
	out := flag.String("out", "dist", "where to write onetrip_VERSION_ARCH.deb")
	flag.Parse()
	path, err := build(*bin, *version, *dir, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkdeb: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// build writes the package and returns its path.
func build(bin, version, dir, out string) (string, error) {
	b, err := inspect(bin)
	if err != nil {
		return "", err
	}
	if version == "" {
		version = b.version
	}
	if version == "" {
		return "", fmt.Errorf("%s: no version built in (built without make's -X main.version?): give --version", bin)
	}
	v, err := debianVersion(version)
	if err != nil {
		return "", err
	}
	for _, f := range packagingFiles {
		if _, err := os.Stat(filepath.Join(dir, f.src)); err != nil {
			return "", fmt.Errorf("packaging file: %w", err)
		}
	}
	info := packageInfo(bin, dir, v, b)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("output directory: %w", err)
	}
	path := filepath.Join(out, fmt.Sprintf("onetrip_%s_%s.deb", v, b.arch))
	f, err := os.Create(path + ".part")
	if err != nil {
		return "", err
	}
	defer os.Remove(path + ".part")
	if err := deb.Default.Package(nfpm.WithDefaults(info), f); err != nil {
		f.Close()
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(path+".part", path)
}

// packagingFiles are what packaging/ puts where on the board.
var packagingFiles = []struct {
	src, dst, kind string
	mode           os.FileMode
}{
	{"systemd/onetrip.service", "/usr/lib/systemd/system/onetrip.service", files.TypeFile, 0o644},
	{"udev/99-onetrip.rules", "/usr/lib/udev/rules.d/99-onetrip.rules", files.TypeFile, 0o644},
	{"default/onetrip", "/etc/default/onetrip", files.TypeConfigNoReplace, 0o644},
	{"xdg/onetrip-display.desktop", "/etc/xdg/autostart/onetrip-display.desktop", files.TypeConfig, 0o644},
	{"scripts/postinstall.sh", "/usr/share/onetrip/postinstall.sh", files.TypeFile, 0o755},
	{"scripts/preremove.sh", "/usr/share/onetrip/preremove.sh", files.TypeFile, 0o755},
}

func packageInfo(bin, dir, version string, b binary) *nfpm.Info {
	contents := files.Contents{{Source: bin, Destination: "/usr/bin/onetrip", FileInfo: &files.ContentFileInfo{Mode: 0o755}}}
	for _, f := range packagingFiles {
		contents = append(contents, &files.Content{Source: filepath.Join(dir, f.src), Destination: f.dst, Type: f.kind,
			FileInfo: &files.ContentFileInfo{Mode: f.mode}})
	}
	return &nfpm.Info{
		Name:          "onetrip",
		Arch:          b.arch,
		Platform:      "linux",
		Version:       version,
		VersionSchema: "none",
		Section:       "misc",
		Priority:      "optional",
		Maintainer:    "onetrip <onetrip@localhost>",
		Description: "Firmware of the terminals of a government service hall\n" +
			"The self-service ticket kiosk, guide desk, counter and call display,\n" +
			"run as the systemd service onetrip.service under the user onetrip.",
		Overridables: nfpm.Overridables{
			Depends:    b.depends,
			Recommends: []string{"x11-xserver-utils"}, // xhost, for the desktop autostart entry
			Contents:   contents,
			Scripts: nfpm.Scripts{
				PostInstall: filepath.Join(dir, "scripts/postinstall.sh"),
				PreRemove:   filepath.Join(dir, "scripts/preremove.sh"),
			},
		},
	}
}

// binary is what a Go binary says about itself.
type binary struct {
	arch    string   // Debian architecture
	version string   // from -X main.version, if any
	depends []string // Debian packages of the shared libraries it links
}

// debArch maps GOARCH (and GOARM) to Debian's architecture names.
var debArch = map[string]string{
	"amd64": "amd64", "arm64": "arm64", "386": "i386", "riscv64": "riscv64",
	"arm/5": "armel", "arm/6": "armhf", "arm/7": "armhf",
}

// libPackages maps the shared libraries a cgo build of onetrip links (the
// GLFW window) to the Debian packages it then needs. GLFW links libX11 and
// opens the other X libraries itself at run time (x11_init.c), so those
// come with libX11.
var libPackages = map[string][]string{
	"libc.so.6": {"libc6"}, "libm.so.6": {"libc6"}, "libpthread.so.0": {"libc6"}, "libdl.so.2": {"libc6"},
	"libresolv.so.2": {"libc6"}, "librt.so.1": {"libc6"},
	"libX11.so.6": {"libx11-6", "libx11-xcb1", "libxcursor1", "libxi6", "libxinerama1", "libxrandr2", "libxrender1", "libxxf86vm1"},
	"libGL.so.1":  {"libgl1"}, "libEGL.so.1": {"libegl1"},
}

func inspect(bin string) (binary, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return binary{}, fmt.Errorf("%s: not a Go binary: %w", bin, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	goarch := settings["GOARCH"]
	if goarch == "arm" {
		goarch += "/" + strings.TrimSuffix(strings.TrimSuffix(settings["GOARM"], ",softfloat"), ",hardfloat")
	}
	b := binary{arch: debArch[goarch], version: ldflagsVersion(settings["-ldflags"])}
	if b.arch == "" {
		return binary{}, fmt.Errorf("%s: built for %s, which has no Debian architecture here", bin, goarch)
	}
	if goos := settings["GOOS"]; goos != "linux" {
		return binary{}, fmt.Errorf("%s: built for %s, not linux", bin, goos)
	}
	if b.depends, err = depends(bin); err != nil {
		return binary{}, err
	}
	return b, nil
}

// ldflagsVersion finds -X main.version=V among a build's -ldflags.
var ldflagsVersionRE = regexp.MustCompile(`-X[ =]'?main\.version=([^' ]+)`)

func ldflagsVersion(ldflags string) string {
	if m := ldflagsVersionRE.FindStringSubmatch(ldflags); m != nil {
		return m[1]
	}
	return ""
}

// depends lists the packages of the shared libraries bin links; a static
// binary (CGO_ENABLED=0) needs none.
func depends(bin string) ([]string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: shared libraries: %w", bin, err)
	}
	var pkgs []string
	for _, l := range libs {
		ps, ok := libPackages[l]
		if !ok {
			return nil, fmt.Errorf("%s links %s, which mkdeb does not know the Debian package of: add it to libPackages", bin, l)
		}
		for _, p := range ps {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	slices.Sort(pkgs)
	return pkgs, nil
}

// debianVersion turns a git-describe version (v1.2.3, v1.2.3-4-gabcdef,
// c93f9af-dirty) into one dpkg accepts and orders: 1.2.3, 1.2.3+4+gabcdef,
// 0~gitc93f9af+dirty.
func debianVersion(v string) (string, error) {
	s := strings.ReplaceAll(strings.TrimPrefix(v, "v"), "-", "+")
	if s == "" || s == "unknown" {
		return "", fmt.Errorf("version %q: give --version", v)
	}
	if s[0] < '0' || s[0] > '9' {
		s = "0~git" + s
	}
	if !debianVersionRE.MatchString(s) {
		return "", fmt.Errorf("version %q: want letters, digits and . + ~ only", v)
	}
	return s, nil
}

var debianVersionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
