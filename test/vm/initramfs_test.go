package vm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ulikunitz/xz"
)

// kernel finds the newest installed kernel that has its modules beside it.
func kernel() (image, modules string, err error) {
	images, _ := filepath.Glob("/boot/vmlinuz-*")
	slices.Sort(images)
	for i := len(images) - 1; i >= 0; i-- {
		ver := strings.TrimPrefix(filepath.Base(images[i]), "vmlinuz-")
		dir := filepath.Join("/lib/modules", ver)
		if _, err := os.Stat(filepath.Join(dir, "modules.dep")); err != nil {
			continue
		}
		f, err := os.Open(images[i])
		if err != nil {
			return "", "", fmt.Errorf("%w (Debian installs kernels readable by root only: run the test as root, or chmod a+r %s)", err, images[i])
		}
		f.Close()
		return images[i], dir, nil
	}
	return "", "", fmt.Errorf("no kernel in /boot with its modules in /lib/modules (%d images): install linux-image-amd64 (make test-deps)", len(images))
}

// moduleOrder lists the module files for names (e.g. "bochs") and all
// they depend on, each after its dependencies, read from modules.dep. A
// module the kernel has built in needs no file.
func moduleOrder(depFile string, names ...string) ([]string, error) {
	f, err := os.Open(depFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	deps := map[string][]string{} // path → its dependencies
	byName := map[string]string{} // module name → path
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[path] = strings.Fields(rest)
		byName[moduleName(path)] = path
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		for _, d := range deps[p] {
			visit(d)
		}
		order = append(order, p)
	}
	builtin, _ := os.ReadFile(filepath.Join(filepath.Dir(depFile), "modules.builtin"))
	for _, n := range names {
		n = strings.ReplaceAll(n, "-", "_")
		p, ok := byName[n]
		switch {
		case ok:
			visit(p)
		case !slices.ContainsFunc(strings.Fields(string(builtin)), func(b string) bool { return moduleName(b) == n }):
			return nil, fmt.Errorf("%s: no module %s, and it is not built in", depFile, n)
		}
	}
	return order, nil
}

// moduleName is the kernel's name for a module file: kernel/x/virtio-pci.ko.xz is virtio_pci.
func moduleName(path string) string {
	base, _, _ := strings.Cut(filepath.Base(path), ".ko")
	return strings.ReplaceAll(base, "-", "_")
}

// readModule reads a module file, uncompressing .ko.xz.
func readModule(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case err != nil:
		return nil, err
	case strings.HasSuffix(path, ".ko"):
		return b, nil
	case strings.HasSuffix(path, ".ko.xz"):
		r, err := xz.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("%s: compressed in a way this test does not read (only .ko and .ko.xz)", path)
}

// cpioFile is one entry of an initramfs.
type cpioFile struct {
	name string
	mode uint32 // with its type bits: 0o100755 a program, 0o40755 a directory
	data []byte
}

// writeCpio writes files as a "newc" cpio archive, the format the kernel
// unpacks an initramfs from.
func writeCpio(w io.Writer, files []cpioFile) error {
	bw := bufio.NewWriter(w)
	pad := func(n int) {
		for ; n%4 != 0; n++ {
			bw.WriteByte(0)
		}
	}
	entry := func(ino int, f cpioFile) {
		nlink := 1
		if f.mode&0o40000 != 0 {
			nlink = 2
		}
		hdr := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
			ino, f.mode, 0, 0, nlink, 0, len(f.data), 0, 0, 0, 0, len(f.name)+1, 0)
		bw.WriteString(hdr)
		bw.WriteString(f.name)
		bw.WriteByte(0)
		pad(len(hdr) + len(f.name) + 1)
		bw.Write(f.data)
		pad(len(f.data))
	}
	for i, f := range files {
		entry(i+1, f)
	}
	entry(len(files)+1, cpioFile{name: "TRAILER!!!"})
	return bw.Flush()
}
