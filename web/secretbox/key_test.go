package secretbox

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadKeyFromEnv(t *testing.T) {
	t.Parallel()
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(0xf0 + i) // produces '+' '/' or '-' '_' depending on the alphabet
	}
	tests := []struct {
		name    string
		value   string
		wantErr string
	}{
		{"std", base64.StdEncoding.EncodeToString(key), ""},
		{"url", base64.URLEncoding.EncodeToString(key), ""},
		{"raw std", base64.RawStdEncoding.EncodeToString(key), ""},
		{"raw url", base64.RawURLEncoding.EncodeToString(key), ""},
		{"surrounding newline", base64.StdEncoding.EncodeToString(key) + "\n", ""},
		{"16 bytes", base64.StdEncoding.EncodeToString(key[:16]), "decodes to 16 bytes, want 32"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(key, 1)), "decodes to 33 bytes, want 32"},
		{"hex", strings.Repeat("zz", 32) + "!", "not valid base64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbPath := filepath.Join(t.TempDir(), "planner.db")
			got, err := LoadKey(env(map[string]string{EnvMasterKey: tc.value}), dbPath)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), EnvMasterKey) {
					t.Fatalf("err = %v, want one naming %s and saying %q", err, EnvMasterKey, tc.wantErr)
				}
				if strings.Contains(err.Error(), strings.TrimSpace(tc.value)) {
					t.Errorf("error %q echoes the key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadKey: %v", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("key = %x, want %x", got, key)
			}
			if _, err := os.Stat(dbPath + KeyFileSuffix); !os.IsNotExist(err) {
				t.Errorf("a key file was created although %s is set (stat: %v)", EnvMasterKey, err)
			}
		})
	}
}

func TestLoadKeyCreatesKeyFile(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "planner.db")
	key, err := LoadKey(env(nil), dbPath)
	if err != nil {
		t.Fatalf("LoadKey: %v", err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("key = %x, want 32 random bytes", key)
	}
	st, err := os.Stat(dbPath + ".key")
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if runtime.GOOS != "windows" {
		if got := st.Mode().Perm(); got != 0o600 {
			t.Errorf("key file mode = %04o, want 0600", got)
		}
	}
	again, err := LoadKey(env(nil), dbPath)
	if err != nil {
		t.Fatalf("LoadKey again: %v", err)
	}
	if !bytes.Equal(again, key) {
		t.Errorf("second LoadKey = %x, want the same key %x", again, key)
	}
}

func TestLoadKeyConcurrentFirstStartAgree(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "planner.db")
	const n = 8
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = LoadKey(env(nil), dbPath) })
	}
	wg.Wait()
	onDisk, err := os.ReadFile(dbPath + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(dbPath + ".key.tmp-*"); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("LoadKey #%d: %v", i, errs[i])
			continue
		}
		if !bytes.Equal(keys[i], onDisk) {
			t.Errorf("LoadKey #%d = %x, want the key on disk %x", i, keys[i], onDisk)
		}
	}
}

func TestLoadKeyRejectsBadKeyFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		wantErr string
	}{
		{"group readable", make([]byte, KeySize), 0o640, "group and others must have no access"},
		{"world readable", make([]byte, KeySize), 0o644, "mode 0644"},
		{"group writable", make([]byte, KeySize), 0o620, "chmod 600"},
		{"too short", make([]byte, 16), 0o600, "holds 16 bytes, want 32"},
		{"too long", make([]byte, 44), 0o600, "holds 33 bytes, want 32"}, // reading stops at 33
		{"empty", nil, 0o600, "holds 0 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbPath := filepath.Join(t.TempDir(), "planner.db")
			if err := os.WriteFile(dbPath+".key", tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dbPath+".key", tc.mode); err != nil { // WriteFile's mode is subject to umask
				t.Fatal(err)
			}
			_, err := LoadKey(env(nil), dbPath)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), dbPath+".key") {
				t.Fatalf("err = %v, want one naming the file and saying %q", err, tc.wantErr)
			}
			got, _ := os.ReadFile(dbPath + ".key")
			if !bytes.Equal(got, tc.content) && !(len(got) == 0 && len(tc.content) == 0) {
				t.Errorf("the bad key file was changed")
			}
		})
	}
}

func TestLoadKeyRejectsDirectory(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "planner.db")
	if err := os.Mkdir(dbPath+".key", 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(env(nil), dbPath); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("err = %v, want a not-a-regular-file error", err)
	}
}

func TestLoadKeyNeedsAPath(t *testing.T) {
	t.Parallel()
	if _, err := LoadKey(env(nil), ""); err == nil || !strings.Contains(err.Error(), EnvMasterKey) {
		t.Fatalf("err = %v, want one naming %s", err, EnvMasterKey)
	}
}

// A database whose key file is gone is refused rather than given a fresh key
// that could never open its secrets; an empty or missing database still gets
// one, and the environment's key always wins.
func TestLoadKeyRefusesDatabaseWithoutItsKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "planner.db")
	if err := os.WriteFile(dbPath, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKey(env(nil), dbPath)
	if err == nil || !strings.Contains(err.Error(), "key file "+dbPath+".key does not") || !strings.Contains(err.Error(), EnvMasterKey) {
		t.Fatalf("LoadKey on a database without its key file: %v, want a refusal naming the key file and %s", err, EnvMasterKey)
	}
	if _, err := os.Stat(dbPath + ".key"); !os.IsNotExist(err) {
		t.Errorf("a key file was created anyway (stat: %v)", err)
	}
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, KeySize))
	if _, err := LoadKey(env(map[string]string{EnvMasterKey: key}), dbPath); err != nil {
		t.Errorf("with %s set: %v", EnvMasterKey, err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(env(nil), empty); err != nil {
		t.Errorf("an empty database file: %v, want a new key file", err)
	}
}
