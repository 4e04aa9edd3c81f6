package devenv_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dabba/dabba/cmd/dabba/internal/devenv"
)

func TestSigningSecret_IsMadeOnceAndKeptPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".dabba")

	// Concurrent first calls, as of two processes starting at once, agree.
	secrets := make([]string, 4)
	var wg sync.WaitGroup
	for i := range secrets {
		wg.Go(func() {
			s, err := devenv.SigningSecret(dir)
			if err != nil {
				t.Errorf("signing secret: %v", err)
			}
			secrets[i] = s
		})
	}
	wg.Wait()
	for _, s := range secrets[1:] {
		if s != secrets[0] {
			t.Fatalf("concurrent first calls disagree: %q", secrets)
		}
	}
	if len(secrets[0]) != 64 {
		t.Errorf("secret %q has %d characters, want 64 (32 random bytes in hex)", secrets[0], len(secrets[0]))
	}

	again, err := devenv.SigningSecret(dir)
	if err != nil || again != secrets[0] {
		t.Errorf("after a restart the secret is %q (%v), want the first one %q", again, err, secrets[0])
	}
	info, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("secret file mode = %v, want 0600", perm)
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitignore")); err != nil {
		t.Errorf("the development folder has no .gitignore keeping it out of commits: %v", err)
	}
}
