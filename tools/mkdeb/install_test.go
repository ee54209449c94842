package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// repo is the repository's root, two levels up from this package.
var repo, _ = filepath.Abs("../..")

// buildOnetrip builds the real onetrip without cgo (so that it runs inside
// the scratch root) with version v built in, as make does.
func buildOnetrip(t *testing.T, v string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "onetrip")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+v, "-o", bin, "./firmware/cmd/onetrip")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build onetrip: %v\n%s", err, out)
	}
	return bin
}

// scratchRoot is a root file system with what dpkg needs to run maintainer
// scripts chrooted into it: a shell and core tools (BusyBox), the user
// tools Pi OS has (useradd, groupadd, usermod, copied with their
// libraries), /dev/null, an empty dpkg database, and the /etc/passwd and
// /etc/group of a Debian system, which has some device groups and not
// gpio or i2c. No systemd runs there.
func scratchRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"bin", "usr/sbin", "etc", "dev", "tmp", "var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("var/lib/dpkg/status", "")
	write("var/lib/dpkg/available", "")
	write("etc/passwd", "root:x:0:0:root:/:/bin/sh\n")
	write("etc/group", "root:x:0:\nlp:x:7:\ndialout:x:20:\nvideo:x:44:\ninput:x:105:\nrender:x:106:\n")
	if err := syscall.Mknod(filepath.Join(root, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatalf("/dev/null in the scratch root: %v", err)
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("the install test needs busybox-static: apt-get install busybox-static")
	}
	copyFile(t, busybox, filepath.Join(root, "bin/busybox"))
	if out, err := exec.Command("chroot", root, "/bin/busybox", "--install", "-s", "/bin").CombinedOutput(); err != nil {
		t.Fatalf("busybox --install: %v\n%s", err, out)
	}
	for _, tool := range []string{"useradd", "groupadd", "usermod"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("the install test copies %s from this machine (Debian's passwd package): %v", tool, err)
		}
		copyFile(t, path, filepath.Join(root, "usr/sbin", tool))
		copyLibraries(t, path, root)
	}
	return root
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// copyLibraries copies the shared libraries bin loads (as ldd lists them)
// to the same paths under root.
func copyLibraries(t *testing.T, bin, root string) {
	t.Helper()
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				copyFile(t, f, filepath.Join(root, f))
			}
		}
	}
}

// group is one line of an /etc/group: its members.
func groupMembers(t *testing.T, root, name string) ([]string, bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "etc/group"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) == 4 && f[0] == name {
			if f[3] == "" {
				return nil, true
			}
			return strings.Split(f[3], ","), true
		}
	}
	return nil, false
}

func dpkg(t *testing.T, root string, args ...string) string {
	t.Helper()
	cmd := exec.Command("dpkg", append([]string{"--root=" + root}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkBoard checks what an installed board has: the files, the onetrip
// user in every device group with its data directory, the unit with its
// watchdog and the symlink that enables it, the udev names.
func checkBoard(t *testing.T, root, version string) {
	t.Helper()
	for path, mode := range map[string]os.FileMode{
		"usr/bin/onetrip":                           0o755,
		"usr/lib/systemd/system/onetrip.service":    0o644,
		"usr/lib/udev/rules.d/99-onetrip.rules":     0o644,
		"etc/default/onetrip":                       0o644,
		"etc/xdg/autostart/onetrip-display.desktop": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(root, path))
		if err != nil {
			t.Errorf("/%s not installed: %v", path, err)
		} else if fi.Mode().Perm() != mode {
			t.Errorf("/%s has mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
	out, err := exec.Command("chroot", root, "/usr/bin/onetrip", "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "onetrip "+version+"\n") {
		t.Errorf("onetrip version in the board's root: %v %q", err, out)
	}

	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	var user []string
	for _, line := range strings.Split(string(passwd), "\n") {
		if strings.HasPrefix(line, "onetrip:") {
			user = strings.Split(line, ":")
		}
	}
	if len(user) != 7 {
		t.Fatalf("no onetrip user in /etc/passwd:\n%s", passwd)
	}
	if user[5] != "/var/lib/onetrip" || !strings.HasSuffix(user[6], "nologin") {
		t.Errorf("onetrip user's home %q, shell %q; want /var/lib/onetrip and no login", user[5], user[6])
	}
	for _, g := range []string{"gpio", "i2c", "dialout", "lp", "video", "input", "render"} {
		members, ok := groupMembers(t, root, g)
		if !ok {
			t.Errorf("group %s missing", g)
		} else if !slices.Contains(members, "onetrip") {
			t.Errorf("onetrip is not in group %s (members %v)", g, members)
		}
	}
	fi, err := os.Stat(filepath.Join(root, "var/lib/onetrip"))
	if err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("/var/lib/onetrip: %v %v, want a directory with mode 0750", fi, err)
	} else if st := fi.Sys().(*syscall.Stat_t); st.Uid == 0 {
		t.Errorf("/var/lib/onetrip belongs to root, want onetrip")
	}

	unit, _ := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system/onetrip.service"))
	for _, line := range []string{"Type=notify", "WatchdogSec=30", "Restart=always", "User=onetrip", "WantedBy=multi-user.target"} {
		if !slices.Contains(strings.Split(string(unit), "\n"), line) {
			t.Errorf("the unit has no line %q", line)
		}
	}
	link := filepath.Join(root, "etc/systemd/system/multi-user.target.wants/onetrip.service")
	if to, err := os.Readlink(link); err != nil || to != "/usr/lib/systemd/system/onetrip.service" {
		t.Errorf("service not enabled: %s → %q (%v)", link, to, err)
	}
	rules, _ := os.ReadFile(filepath.Join(root, "usr/lib/udev/rules.d/99-onetrip.rules"))
	for _, name := range []string{`SYMLINK+="onetrip-printer"`, `SYMLINK+="onetrip-idcard"`} {
		if !bytes.Contains(rules, []byte(name)) {
			t.Errorf("udev rules do not name %s", name)
		}
	}

}

// TestThePackageInstallsTheServiceUserRulesAndUnit builds the .deb from the
// real binary, installs it with dpkg into a scratch root (the postinst runs
// chrooted there), and checks what a board would then have: the files, the
// onetrip user in every device group, the unit with its watchdog and the
// enablement symlink. It installs again (an upgrade to the same version:
// nothing may be duplicated), then removes the package: the user and the
// data directory stay, the service is no longer enabled.
func TestThePackageInstallsTheServiceUserRulesAndUnit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the install test runs dpkg --root, which chroots: run it as root (CI does)")
	}
	bin := buildOnetrip(t, "v9.8.7-3-gdeadbee")
	deb, err := build(bin, "", filepath.Join(repo, "packaging"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if want := "onetrip_9.8.7+3+gdeadbee_amd64.deb"; filepath.Base(deb) != want {
		t.Fatalf("package %s, want %s (version and arch from the binary)", filepath.Base(deb), want)
	}
	root := scratchRoot(t)
	dpkg(t, root, "-i", deb)
	checkBoard(t, root, "v9.8.7-3-gdeadbee")
	if _, err := os.Stat(filepath.Join(root, "usr/share/onetrip/postinstall.sh")); err != nil {
		t.Errorf("the package does not keep postinstall.sh for running again: %v", err)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	link := filepath.Join(root, "etc/systemd/system/multi-user.target.wants/onetrip.service")

	before, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	dpkg(t, root, "-i", deb)
	after, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	passwdAfter, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !bytes.Equal(before, after) || !bytes.Equal(passwd, passwdAfter) {
		t.Errorf("installing again changed the users or groups:\n%s\nthen\n%s", before, after)
	}

	dpkg(t, root, "-r", "onetrip")
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("removed, but the service is still enabled (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/bin/onetrip")); !os.IsNotExist(err) {
		t.Errorf("removed, but /usr/bin/onetrip is there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/onetrip")); err != nil {
		t.Errorf("removing the package took the data directory with it: %v", err)
	}
}

// TestTheScriptSetsUpABoardFromABundle runs postinstall.sh on its own, as
// the first-boot script does on a fresh Pi OS: from an unpacked bundle
// (packaging/ beside bin/onetrip), twice. The board must end up as the
// .deb leaves it, and the second run must change nothing.
func TestTheScriptSetsUpABoardFromABundle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the install test chroots into a scratch root: run it as root (CI does)")
	}
	root := scratchRoot(t)
	bundle := filepath.Join(root, "boot/onetrip")
	copyFile(t, buildOnetrip(t, "v1.0.0"), filepath.Join(bundle, "bin/onetrip"))
	for _, f := range packagingFiles {
		copyFile(t, filepath.Join(repo, "packaging", f.src), filepath.Join(bundle, "packaging", f.src))
	}
	run := func() {
		t.Helper()
		out, err := exec.Command("chroot", root, "/bin/sh", "/boot/onetrip/packaging/scripts/postinstall.sh").CombinedOutput()
		if err != nil {
			t.Fatalf("postinstall.sh: %v\n%s", err, out)
		}
	}
	run()
	checkBoard(t, root, "v1.0.0")
	os.WriteFile(filepath.Join(root, "etc/default/onetrip"), []byte("ONETRIP_ARGS=\"--role guide\"\n"), 0o644)
	group, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	run()
	group2, _ := os.ReadFile(filepath.Join(root, "etc/group"))
	passwd2, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !bytes.Equal(group, group2) || !bytes.Equal(passwd, passwd2) {
		t.Errorf("running the script again changed the users or groups:\n%s\nthen\n%s", group, group2)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/default/onetrip")); !strings.Contains(string(b), "--role guide") {
		t.Errorf("running the script again replaced the technician's /etc/default/onetrip: %q", b)
	}
}
