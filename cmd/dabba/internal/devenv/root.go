package devenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
)

// runAsPostgres prepares a root process to run the installation as the
// postgres user (initdb and postgres refuse to run as root). It writes, in
// dir/bin, wrappers of initdb and pg_ctl that switch to postgres, gives dir to
// postgres so initdb can create the cluster in it, and returns the folder to
// use as the binaries (dir). pg_ctl starts the real postgres next to itself,
// as the user it runs as.
func runAsPostgres(ctx context.Context, dir, installation string) (string, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return "", errors.New("running as root: PostgreSQL refuses to run as root and there is no postgres user to run it as; " +
			"create one (useradd --system --create-home postgres), run dabba as a regular user, or set DATABASE_URL")
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return "", fmt.Errorf("user postgres has a non-numeric uid %q", u.Uid)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return "", fmt.Errorf("user postgres has a non-numeric gid %q", u.Gid)
	}
	switchUser, err := userSwitch()
	if err != nil {
		return "", err
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return "", fmt.Errorf("give %s to the postgres user: %w", dir, err)
	}
	check := exec.CommandContext(ctx, "sh", "-c", switchUser+` test -w "$0"`, dir)
	if err := check.Run(); err != nil {
		return "", fmt.Errorf("PostgreSQL runs as the postgres user, who cannot write to %s (a parent folder is closed to other users, as /root is): "+
			"run dabba from a folder others may enter, open the parents with chmod o+x, or set DATABASE_URL", dir)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", bin, err)
	}
	for _, name := range []string{"initdb", "pg_ctl"} {
		// initdb reads the password file embedded-postgres wrote as root: hand it over first.
		script := "#!/bin/sh\n# Made by dabba: PostgreSQL refuses to run as root, so run it as postgres.\n" +
			`for a in "$@"; do case "$a" in --pwfile=*) chown postgres "${a#--pwfile=}";; esac; done` + "\n" +
			fmt.Sprintf("cd / && exec %s '%s' \"$@\"\n", switchUser, filepath.Join(installation, "bin", name))
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			return "", fmt.Errorf("write the %s wrapper: %w", name, err)
		}
	}
	return dir, nil
}

// userSwitch returns the shell words that run a command as postgres.
func userSwitch() (string, error) {
	if p, err := exec.LookPath("runuser"); err == nil {
		return p + " -u postgres --", nil
	}
	if p, err := exec.LookPath("sudo"); err == nil {
		return p + " -u postgres --", nil
	}
	return "", errors.New("running as root: PostgreSQL must run as the postgres user, but neither runuser nor sudo is installed to switch to it")
}
