package devenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
)

// installation is a PostgreSQL installed on the machine.
type installation struct {
	// dir holds bin/pg_ctl; empty means "none: download one".
	dir string
	// major is the PostgreSQL major version of its binaries.
	major int
}

// installedPatterns are where PostgreSQL's pg_ctl lives in the common
// packagings: Debian and Ubuntu, PGDG's RPMs, Homebrew on both Mac
// architectures, Postgres.app.
func installedPatterns() []string {
	return []string{
		"/usr/lib/postgresql/*/bin/pg_ctl",
		"/usr/pgsql-*/bin/pg_ctl",
		"/opt/homebrew/opt/postgresql@*/bin/pg_ctl",
		"/usr/local/opt/postgresql@*/bin/pg_ctl",
		"/Applications/Postgres.app/Contents/Versions/*/bin/pg_ctl",
	}
}

// findInstallation returns the PostgreSQL to run: explicit when given,
// otherwise the installed one of major version want (the existing
// cluster's), otherwise the newest installed, otherwise none (zero dir).
func findInstallation(ctx context.Context, explicit string, want int) (installation, error) {
	if explicit != "" {
		major, err := binariesMajor(ctx, explicit)
		if err != nil {
			return installation{}, fmt.Errorf("PostgreSQL binaries %s: %w", explicit, err)
		}
		return installation{dir: explicit, major: major}, nil
	}
	var candidates []string
	for _, pattern := range installedPatterns() {
		matches, _ := filepath.Glob(pattern) // the patterns are well formed
		candidates = append(candidates, matches...)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		candidates = append(candidates, p)
	}
	var found []installation
	for _, pgctl := range candidates {
		if real, err := filepath.EvalSymlinks(pgctl); err == nil {
			pgctl = real
		}
		dir := filepath.Dir(filepath.Dir(pgctl))
		if slices.ContainsFunc(found, func(i installation) bool { return i.dir == dir }) {
			continue
		}
		if major, err := binariesMajor(ctx, dir); err == nil {
			found = append(found, installation{dir: dir, major: major})
		}
	}
	if len(found) == 0 {
		return installation{}, nil
	}
	if i := slices.IndexFunc(found, func(i installation) bool { return i.major == want }); i >= 0 {
		return found[i], nil
	}
	return slices.MaxFunc(found, func(a, b installation) int { return a.major - b.major }), nil
}

var versionPattern = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// binariesMajor asks the pg_ctl of the installation in dir for its major
// version ("pg_ctl (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)" is 15).
func binariesMajor(ctx context.Context, dir string) (int, error) {
	pgctl := filepath.Join(dir, "bin", "pg_ctl")
	if _, err := os.Stat(pgctl); err != nil {
		return 0, fmt.Errorf("no bin/pg_ctl: %w", err)
	}
	out, err := exec.CommandContext(ctx, pgctl, "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %w", pgctl, err)
	}
	m := versionPattern.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s --version printed no PostgreSQL version: %q", pgctl, out)
	}
	return strconv.Atoi(string(m[1]))
}
