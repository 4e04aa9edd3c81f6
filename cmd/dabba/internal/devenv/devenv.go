// Package devenv gives `dabba` in development the services it needs when none
// are configured, so that a machine with only Go can run the platform: an
// embedded PostgreSQL whose data stays in a folder of the working directory,
// an in-process Redis, and a signing secret kept beside the data. Production
// never uses it: there DATABASE_URL and REDIS_URL name real servers.
package devenv

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultDir is the folder, relative to the working directory, that keeps the
// development state: the PostgreSQL cluster and the signing secret.
const DefaultDir = ".dabba"

// prepareDir creates the state folder dir with a .gitignore that ignores
// everything in it, so development data never ends up in a commit.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create development folder %s: %w", dir, err)
	}
	ignore := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(ignore); err == nil {
		return nil
	}
	if err := os.WriteFile(ignore, []byte("# development state of dabba; never committed\n*\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", ignore, err)
	}
	return nil
}
