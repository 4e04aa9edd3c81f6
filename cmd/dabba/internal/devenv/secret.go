package devenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SigningSecret returns the JWT signing secret of development mode, kept in
// dir/jwt-secret (mode 0600): 32 random bytes, hex-encoded, made on first use
// and read afterwards, so tokens minted before a restart stay valid.
// Concurrent first calls agree on one secret.
func SigningSecret(dir string) (string, error) {
	if err := prepareDir(dir); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "jwt-secret")
	if s, err := readSecret(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate signing secret: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "jwt-secret-*")
	if err != nil {
		return "", fmt.Errorf("write signing secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(b) + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write signing secret: %w", err)
	}
	// Link publishes the complete file only if none exists yet; when another
	// process won the race, its secret is the one everybody uses.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("write signing secret %s: %w", path, err)
	}
	return readSecret(path)
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read signing secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < 32 {
		return "", fmt.Errorf("signing secret %s is shorter than 32 characters: delete it to have a new one made", path)
	}
	return s, nil
}
