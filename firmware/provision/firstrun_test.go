package provision

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"onetrip/firmware/bundle"
)

// board is a Raspberry Pi OS root in miniature, made of this machine's own
// programs, that firstrun.sh runs in under chroot: a boot partition as
// onetrip flash writes it, and the directories the script installs into.
type board struct {
	t    *testing.T
	root string
	prov string // the provisioning file, with the release's update key
}

// tools are the programs firstrun.sh calls that a Pi OS root has; rfkill
// and raspi-config are left out, as a minimal image may lack them.
var tools = []string{"bash", "sh", "tar", "install", "ln", "rm", "sed", "date", "sync", "cat", "mkdir",
	"cp", "chmod", "chown", "mv", "dirname", "grep", "groupadd", "useradd", "usermod", "mktemp"}

// program is onetrip itself, built static so it runs in the board's root:
// the first boot installs the release with the release's own program.
var program = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "onetrip-firstrun")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "onetrip")
	cmd := exec.Command("go", "build", "-tags", "kiosk", "-ldflags", "-X main.version=1.2.0", "-o", bin, "onetrip/firmware/cmd/onetrip")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := program(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// newBoard makes the root; postinstall is the bundle's package step, ""
// for the repository's own packaging/ files.
func newBoard(t *testing.T, postinstall string) *board {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("firstrun.sh runs as root in a chroot; this test needs root")
	}
	b := &board{t: t, root: t.TempDir()}
	// Pi OS has merged /usr, as this machine has.
	for _, dir := range []string{"bin", "sbin", "lib", "lib64"} {
		b.mkdir("usr/" + dir)
		if err := os.Symlink("usr/"+dir, b.path(dir)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range tools {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		b.copyProgram(path)
	}
	b.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644)
	b.write("etc/group", "root:x:0:\n", 0o644)
	b.write("etc/shadow", "root:*:20000:0:99999:7:::\n", 0o640)
	b.write("etc/gshadow", "root:*::\n", 0o640)
	zone, err := os.ReadFile("/usr/share/zoneinfo/Asia/Urumqi")
	if err != nil {
		t.Fatal(err)
	}
	b.write("usr/share/zoneinfo/Asia/Urumqi", string(zone), 0o644)
	for _, d := range []string{"etc/NetworkManager/system-connections", "etc/systemd/system", "etc/udev/rules.d", "opt", "tmp"} {
		b.mkdir(d)
	}
	b.mkdir("dev")
	if err := unix.Mknod(b.path("dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	b.write("var/lib/systemd/rfkill/platform-fe300000.mmcnr:wlan", "1\n", 0o644)

	// The release bundle, with the package's install step.
	pub, priv, err := bundle.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b.prov = strings.Replace(base, "onetrip-ed25519-public qUTlgYY/TXx555x/v10pcJDJRmzeaiQuH8Bujhqz248=", strings.TrimSpace(bundle.FormatPublicKey(pub)), 1)
	bin, err := program()
	if err != nil {
		t.Fatal(err)
	}
	sources := []bundle.Source{{Path: "bin/onetrip", From: bin, Mode: 0o755}}
	if postinstall != "" {
		sources = append(sources, bundle.Source{Path: "packaging/scripts/postinstall.sh", Data: []byte(postinstall), Mode: 0o755})
	} else {
		sources = append(sources, packagingFiles(t)...)
	}
	var tarball bytes.Buffer
	err = bundle.Create(&tarball, bundle.Manifest{Version: "1.2.0", Board: "rpi4-kiosk", Arch: runtime.GOARCH}, sources, priv)
	if err != nil {
		t.Fatal(err)
	}

	p, err := Parse("kiosk.toml", []byte(b.prov))
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.BootFiles([]byte(b.prov), "onetrip-1.2.0-rpi4-kiosk.tar", "rpi4-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, File{Dir + "/onetrip-1.2.0-rpi4-kiosk.tar", tarball.Bytes()})
	for _, f := range files {
		b.write("boot/firmware/"+f.Name, string(f.Data), 0o755) // FAT has no modes
	}
	cmdline, err := p.EditCmdline(piCmdline)
	if err != nil {
		t.Fatal(err)
	}
	b.write("boot/firmware/cmdline.txt", cmdline, 0o755)
	return b
}

// packagingFiles are the repository's packaging/ files, as make release
// puts them into a bundle.
func packagingFiles(t *testing.T) []bundle.Source {
	var files []bundle.Source
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(filepath.Join(root, "packaging"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, bundle.Source{Path: filepath.ToSlash(rel), From: p, Mode: info.Mode().Perm() | 0o644})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

const piCmdline = "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet\n"

func (b *board) path(name string) string { return filepath.Join(b.root, name) }

func (b *board) mkdir(name string) {
	if err := os.MkdirAll(b.path(name), 0o755); err != nil {
		b.t.Fatal(err)
	}
}

func (b *board) write(name, data string, mode fs.FileMode) {
	b.mkdir(filepath.Dir(name))
	if err := os.WriteFile(b.path(name), []byte(data), mode); err != nil {
		b.t.Fatal(err)
	}
}

// copyProgram copies a program and the libraries ldd names into the root.
func (b *board) copyProgram(path string) {
	out, err := exec.Command("ldd", path).Output()
	if err != nil {
		b.t.Fatalf("ldd %s: %v", path, err)
	}
	files := []string{path}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "/") {
			files = append(files, f)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.t.Fatal(err)
		}
		b.write(strings.TrimPrefix(f, "/"), string(data), 0o755)
	}
}

// firstBoot runs firstrun.sh as systemd.run would: as root, from the boot
// partition, and returns its exit error and its log.
func (b *board) firstBoot() (string, error) {
	cmd := exec.Command("/bin/bash", "/boot/firmware/firstrun.sh")
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: b.root}
	err := cmd.Run()
	log, _ := os.ReadFile(b.path("boot/firmware/onetrip-firstrun.log"))
	return string(log), err
}

func (b *board) read(name string) string {
	data, err := os.ReadFile(b.path(name))
	if err != nil {
		b.t.Error(err)
	}
	return string(data)
}

// gid is a group's id in the board's /etc/group.
func (b *board) gid(group string) uint32 {
	for _, line := range strings.Split(b.read("etc/group"), "\n") {
		if f := strings.Split(line, ":"); len(f) > 2 && f[0] == group {
			n, err := strconv.Atoi(f[2])
			if err != nil {
				b.t.Fatal(err)
			}
			return uint32(n)
		}
	}
	b.t.Fatalf("no group %s", group)
	return 0
}

// owner is the user id owning a file of the board.
func (b *board) owner(name string) uint32 {
	st, err := os.Lstat(b.path(name))
	if err != nil {
		b.t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Uid
}

// file checks a file's mode and group.
func (b *board) file(name string, mode fs.FileMode, gid uint32) {
	b.t.Helper()
	st, err := os.Stat(b.path(name))
	if err != nil {
		b.t.Error(err)
		return
	}
	if st.Mode().Perm() != mode || st.Sys().(*syscall.Stat_t).Gid != gid || st.Sys().(*syscall.Stat_t).Uid != 0 {
		b.t.Errorf("%s: mode %v, owner %d:%d; want %v, root:%d", name, st.Mode().Perm(), st.Sys().(*syscall.Stat_t).Uid, st.Sys().(*syscall.Stat_t).Gid, mode, gid)
	}
}

func TestFirstBootInstallsTheTerminal(t *testing.T) {
	b := newBoard(t, "")
	log, err := b.firstBoot()
	if err != nil {
		t.Fatalf("firstrun.sh: %v\n%s", err, log)
	}
	// The release is in the first A/B slot, committed, and the service's
	// program is the active slot's.
	if link, err := os.Readlink(b.path("usr/bin/onetrip")); err != nil || link != "/opt/onetrip/current/bin/onetrip" {
		t.Errorf("/usr/bin/onetrip: %q, %v; want a link to the active slot", link, err)
	}
	for _, l := range []string{"current", "committed"} {
		if slot, err := os.Readlink(b.path("opt/onetrip/" + l)); err != nil || slot != "slots/a" {
			t.Errorf("/opt/onetrip/%s: %q, %v; want slots/a", l, slot, err)
		}
	}
	version := exec.Command("/usr/bin/onetrip", "version")
	version.SysProcAttr = &syscall.SysProcAttr{Chroot: b.root}
	if out, err := version.CombinedOutput(); err != nil || !strings.Contains(string(out), "1.2.0") {
		t.Errorf("the installed onetrip does not run: %v\n%s", err, out)
	}
	if uid := b.owner("opt/onetrip/slots/a/bin/onetrip"); uid == 0 {
		t.Error("the slots stay root's: a version on trial could not commit itself")
	}
	b.file("usr/lib/systemd/system/onetrip.service", 0o644, 0)
	if _, err := os.Readlink(b.path("etc/systemd/system/multi-user.target.wants/onetrip.service")); err != nil {
		t.Errorf("the service is not enabled: %v", err)
	}
	gid := b.gid("onetrip")
	if args := b.read("etc/default/onetrip"); !strings.Contains(args, "\nONETRIP_ARGS=\"--board rpi4-kiosk --provision /etc/onetrip/provision.toml\"\n") {
		t.Errorf("the service is not told of the provisioning:\n%s", args)
	}
	if b.read("etc/onetrip/provision.toml") != b.prov || b.read("etc/onetrip/bus.creds") != "# hall: xihu\nSUAKEYSEED\n" {
		t.Error("the provisioning or the credentials were not installed unchanged")
	}
	b.file("etc/onetrip", 0o750, gid)
	b.file("etc/onetrip/provision.toml", 0o640, gid)
	b.file("etc/onetrip/bus.creds", 0o640, gid)
	b.file("etc/NetworkManager/system-connections/onetrip-wifi.nmconnection", 0o600, 0)
	if !strings.Contains(b.read("etc/NetworkManager/system-connections/onetrip-wifi.nmconnection"), "ssid=hall-terminals\n") {
		t.Error("the Wi-Fi connection is not the network's")
	}
	if b.read("var/lib/systemd/rfkill/platform-fe300000.mmcnr:wlan") != "0\n" {
		t.Error("the radio stays blocked")
	}
	if zone, err := os.Readlink(b.path("etc/localtime")); err != nil || zone != "/usr/share/zoneinfo/Asia/Urumqi" || b.read("etc/timezone") != "Asia/Urumqi\n" {
		t.Errorf("time zone: %s, %v", zone, err)
	}
	if got := b.read("boot/firmware/cmdline.txt"); got != strings.TrimSpace(piCmdline)+" cfg80211.ieee80211_regdom=CN\n" {
		t.Errorf("cmdline.txt after the first boot: %q", got)
	}
	for _, gone := range []string{"boot/firmware/firstrun.sh", "boot/firmware/onetrip"} {
		if _, err := os.Stat(b.path(gone)); err == nil {
			t.Errorf("%s is still on the boot partition", gone)
		}
	}
	if !strings.Contains(log, "onetrip first boot done") || strings.Contains(log, secretPSK) || strings.Contains(log, "SUAKEYSEED") {
		t.Errorf("the log:\n%s", log)
	}
}

func TestAFailedFirstBootSaysWhereAndRunsAgain(t *testing.T) {
	b := newBoard(t, "#!/bin/sh\necho 'useradd: cannot lock /etc/passwd' >&2\nexit 1\n")
	log, err := b.firstBoot()
	if err == nil {
		t.Fatal("firstrun.sh succeeded with a failing postinstall.sh")
	}
	if !strings.Contains(log, "useradd: cannot lock /etc/passwd") || !strings.Contains(log, "onetrip first boot FAILED at line") || !strings.Contains(log, "postinstall.sh") {
		t.Errorf("the log does not say what failed:\n%s", log)
	}
	if got := b.read("boot/firmware/cmdline.txt"); !strings.Contains(got, "systemd.run=/boot/firmware/firstrun.sh") {
		t.Errorf("the next boot would not try again: %q", got)
	}
	if _, err := os.Stat(b.path("etc/onetrip/provision.toml")); err == nil {
		t.Error("the provisioning was installed after the package step failed")
	}
}
