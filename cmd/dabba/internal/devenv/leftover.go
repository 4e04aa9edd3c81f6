package devenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// stopLeftover stops the server a previous run started on data and never
// stopped (it crashed or was killed; pg_ctl runs postgres detached, so the
// server outlives it). Left running, it would hold the port and the cluster.
func stopLeftover(ctx context.Context, pgctl, data string, log *slog.Logger) error {
	pidFile := filepath.Join(data, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil // no server was running on this cluster
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || !postgresRunning(pid) {
		// Stale: the machine restarted under the server. The pid may belong
		// to another process by now, which must not get pg_ctl's signal.
		log.Info("removing the stale PostgreSQL pid file of a previous run", "file", pidFile)
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale %s: %w", pidFile, err)
		}
		return nil
	}
	log.Warn("stopping the PostgreSQL a previous run left running", "pid", pid, "data", data)
	out, err := exec.CommandContext(ctx, pgctl, "stop", "-D", data, "-m", "fast", "-w").CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop the PostgreSQL (pid %d) a previous run left running on %s: %w: %s", pid, data, err, out)
	}
	return nil
}

// postgresRunning reports whether pid is a live postgres process. Where
// there is no /proc to tell (macOS), it trusts the pid file.
func postgresRunning(pid int) bool {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err == nil {
		return strings.TrimSpace(string(comm)) == "postgres"
	}
	_, procErr := os.Stat("/proc/self")
	return procErr != nil
}
