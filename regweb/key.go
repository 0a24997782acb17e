package regweb

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeySize is the size of the key the mission links derive from.
const KeySize = 32

// LoadKey reads the secret key of the mission links from path, creating
// it (KeySize random bytes, mode 0600, its folder 0700) when it does not
// exist. Losing the key changes every link; keep it with the store's
// backups.
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("regweb: key: %w", err)
		}
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("regweb: key: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("regweb: key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("regweb: key: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("regweb: key: %w", err)
	}
	if len(b) < KeySize {
		return nil, fmt.Errorf("regweb: key %s: %d bytes, want at least %d", path, len(b), KeySize)
	}
	return b, nil
}

// FormKey derives the key of the form tokens from the link key, so that
// forms shown before a restart can still be submitted after it.
func FormKey(key []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("regweb form tokens"))
	return h.Sum(nil)
}
