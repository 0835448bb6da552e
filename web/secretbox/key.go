package secretbox

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// EnvMasterKey names the environment variable that holds the master key:
// base64 (standard or URL alphabet, padded or not) of 32 random bytes, e.g. the
// output of `head -c 32 /dev/urandom | base64`.
const EnvMasterKey = "PLANNER_MASTER_KEY"

// KeyFileSuffix is appended to the database path to name the key file used
// when PLANNER_MASTER_KEY is not set.
const KeyFileSuffix = ".key"

// LoadKey returns the master key. If getenv(EnvMasterKey) is set, it is
// decoded and must hold exactly 32 bytes. Otherwise the key is the 32 raw bytes
// of the file dbPath+".key": created with fresh random bytes and mode 0600 if it
// does not exist, and refused if it can be read or written by group or others
// (a readable key file would undo sealing secrets at rest).
//
// A key file is created only for a database that does not exist yet (the
// key always comes first): when the database exists but its key file does
// not, its secrets were sealed with a key that is missing, and a fresh one
// would only make them unreadable, so LoadKey refuses and says what to do.
//
// Losing the key makes the stored API secrets and signing keys unreadable;
// keep the key file with (but backed up apart from) the database.
func LoadKey(getenv func(string) string, dbPath string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(EnvMasterKey)); v != "" {
		return decodeKey(v)
	}
	if dbPath == "" {
		return nil, fmt.Errorf("%s is not set and there is no database path to keep a key file beside", EnvMasterKey)
	}
	keyPath := dbPath + KeyFileSuffix
	if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) {
		if fi, err := os.Stat(dbPath); err == nil && fi.Size() > 0 {
			return nil, fmt.Errorf("database %s exists but its key file %s does not, and %s is not set: its secrets were sealed with a key that is missing; restore the key file (mode 0600) or set %s to the key it was created with", dbPath, keyPath, EnvMasterKey, EnvMasterKey)
		}
	}
	return loadOrCreateKeyFile(keyPath)
}

// decodeKey decodes a base64 master key in any of the four common variants.
func decodeKey(v string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(v)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("%s decodes to %d bytes, want %d (generate one with: head -c 32 /dev/urandom | base64)", EnvMasterKey, len(key), KeySize)
		}
		return key, nil
	}
	// Never echo the value: it may be a slightly mangled real key.
	return nil, fmt.Errorf("%s is not valid base64 (generate one with: head -c 32 /dev/urandom | base64)", EnvMasterKey)
}

// loadOrCreateKeyFile reads the key file at path, creating it first if needed.
func loadOrCreateKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate master key: %w", err)
	}
	if err := publishKeyFile(path, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process created the key first: use its key rather than
			// orphan whatever it has sealed.
			return readKeyFile(path)
		}
		return nil, err
	}
	return key, nil
}

// publishKeyFile makes path hold key, all at once or not at all: it writes a
// temporary file created with O_EXCL and mode 0600, then hard-links it to path,
// which fails with fs.ErrExist if path exists. A process starting at the same
// moment therefore never reads a half-written key, and no key is overwritten.
func publishKeyFile(path string, key []byte) error {
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	tmp := fmt.Sprintf("%s.tmp-%x", path, suffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp)
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write key file %s: %w", tmp, err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("create key file: %w", err)
	}
	return nil
}

// readKeyFile reads an existing key file after checking its type and mode. The
// error wraps fs.ErrNotExist if there is no file.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("open key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	// Windows has no Unix permission bits to check.
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("key file %s has mode %04o: group and others must have no access; run: chmod 600 %s", path, perm, path)
	}
	key, err := io.ReadAll(io.LimitReader(f, KeySize+1))
	if err != nil {
		return nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("key file %s holds %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}
