package embedded

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nkeys"

	"onetrip/firmware/bus"
)

// Keys are the hall's NATS users: one NKEY per role, kept as credentials
// files in the creds directory for the technician to hand out.
type Keys struct {
	Dir    string
	Public map[string]string // role → public key
	// Office is the password of the office page and the JSON report (user
	// "office"), in Dir/office.password.
	Office string
}

// ControllerRole is the controller's own user: it may do everything.
const ControllerRole = "controller"

// LoadKeys reads the credentials of roles from dir, creating the ones
// missing (at the first start, or for a window added to the hall). A file
// that is there but unreadable stops start-up: silently replacing it would
// lock out every terminal that holds the old one.
func LoadKeys(dir, hallID string, roles []string) (*Keys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credentials directory: %w", err)
	}
	k := &Keys{Dir: dir, Public: map[string]string{}}
	for _, role := range append([]string{ControllerRole}, roles...) {
		path := filepath.Join(dir, role+".creds")
		pub, err := readSeed(path)
		if errors.Is(err, fs.ErrNotExist) {
			pub, err = writeSeed(path, hallID, role)
		}
		if err != nil {
			return nil, err
		}
		k.Public[role] = pub
	}
	pw, err := officePassword(filepath.Join(dir, "office.password"))
	if err != nil {
		return nil, err
	}
	k.Office = pw
	return k, nil
}

// Creds is the path of role's credentials file.
func (k *Keys) Creds(role string) string { return filepath.Join(k.Dir, role+".creds") }

func readSeed(path string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	kp, err := nkeys.ParseDecoratedNKey(src)
	if err != nil {
		return "", fmt.Errorf("credentials %s: not an NKEY seed: %w", path, err)
	}
	defer kp.Wipe()
	return kp.PublicKey()
}

// HallLine starts the line of a credentials file that names its hall.
const HallLine = bus.HallLine

func writeSeed(path, hallID, role string) (string, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", err
	}
	defer kp.Wipe()
	seed, err := kp.Seed()
	if err != nil {
		return "", err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf(`# onetrip hall bus credentials for role %q.
# Give this file only to the terminals of that role (onetrip run --creds FILE).
# Anyone holding it can do what the role may do on the hall bus.
%s %s
-----BEGIN USER NKEY SEED-----
%s
------END USER NKEY SEED------
`, role, HallLine, hallID, seed)
	if err := writeNew(path, text); err != nil {
		return "", err
	}
	return pub, nil
}

func officePassword(path string) (string, error) {
	src, err := os.ReadFile(path)
	if err == nil {
		pw := strings.TrimSpace(string(src))
		if len(pw) < 16 {
			return "", fmt.Errorf("office password %s: shorter than 16 characters", path)
		}
		return pw, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("office password: %w", err)
	}
	b := make([]byte, 18)
	rand.Read(b)
	pw := base64.RawURLEncoding.EncodeToString(b)
	return pw, writeNew(path, pw+"\n")
}

// writeNew writes a secret file readable by its owner only, atomically.
func writeNew(path, text string) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	return nil
}
