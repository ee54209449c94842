// Package durable writes files that survive a power cut once written: the
// bytes synced to disk, and the directory entry that names them.
package durable

import "os"

// WriteFile writes b to name with mode, creating or truncating it, and
// syncs the file to disk before returning.
func WriteFile(name string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil { // whatever the umask took away
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SyncDir syncs the directory name, so the files created, renamed or
// removed in it stay so after a power cut.
func SyncDir(name string) error {
	d, err := os.Open(name)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
