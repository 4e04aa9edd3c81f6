package devenv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
)

// PostgresConfig says where the development PostgreSQL keeps its cluster and
// which binaries run it.
type PostgresConfig struct {
	// Dir is the development state folder (DefaultDir when empty). The cluster
	// lives in Dir/pg: its data, the port it listens on and its log.
	Dir string
	// Database is the database dabba uses, made on the first start; "dabba"
	// when empty.
	Database string
	// Binaries is a PostgreSQL installation to run: the folder holding
	// bin/pg_ctl. When empty, installed binaries are looked for (Debian's
	// /usr/lib/postgresql/*, PGDG, Homebrew, Postgres.app, then PATH) and,
	// when there are none, embedded-postgres downloads them into Dir/pg/dist.
	Binaries string
	// StartTimeout bounds how long the server may take to accept
	// connections; 30 s when zero.
	StartTimeout time.Duration
	// Logger is told what the environment does; nil discards.
	Logger *slog.Logger
}

// downloadedMajor is the PostgreSQL major version downloaded when no
// binaries are installed and no cluster exists yet.
const downloadedMajor = 18

// Postgres is a running development PostgreSQL.
type Postgres struct {
	// URL connects to dabba's database as the cluster's superuser.
	URL string
	// Port is the TCP port on 127.0.0.1; it stays the same across restarts
	// while nothing else takes it.
	Port int
	ep   *embeddedpostgres.EmbeddedPostgres
	log  *os.File
}

// StartPostgres starts the development PostgreSQL of cfg.Dir: it initialises
// the cluster on the first start (about a second) and reuses its data on the
// next ones. A server that a previous run left behind (the process crashed or
// was killed) is stopped first. Run as root, it runs PostgreSQL as the
// postgres user, since PostgreSQL refuses to run as root.
func StartPostgres(ctx context.Context, cfg PostgresConfig) (*Postgres, error) {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir
	}
	if cfg.Database == "" {
		cfg.Database = "dabba"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := prepareDir(cfg.Dir); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Join(cfg.Dir, "pg"))
	if err != nil {
		return nil, fmt.Errorf("locate the development cluster: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	data := filepath.Join(dir, "data")
	binaries, major, err := chooseBinaries(ctx, cfg.Binaries, dir, data, log)
	if err != nil {
		return nil, err
	}
	if err := stopLeftover(ctx, filepath.Join(binaries, "bin", "pg_ctl"), data, log); err != nil {
		return nil, err
	}
	port, err := choosePort(filepath.Join(dir, "port"))
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the PostgreSQL log: %w", err)
	}
	ep := embeddedpostgres.NewDatabase(embeddedpostgres.DefaultConfig().
		Version(version(major)).
		BinariesPath(binaries).
		// embedded-postgres deletes RuntimePath on every start: it must never hold the data.
		RuntimePath(filepath.Join(dir, "runtime")).
		DataPath(data).
		Port(uint32(port)).
		Database(cfg.Database).
		Locale("C").
		Encoding("UTF8").
		StartTimeout(cfg.StartTimeout).
		Logger(logFile).
		StartParameters(map[string]string{
			// No Unix socket: its default folder is often not writable, and dabba uses TCP.
			"unix_socket_directories": "",
			// A crash may lose the last transactions, never corrupt the cluster; development needs speed more.
			"synchronous_commit": "off",
		}))
	begin := time.Now()
	if err := await(ctx, ep.Start); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start the development PostgreSQL in %s (its log: %s): %w", data, logFile.Name(), err)
	}
	log.Info("development PostgreSQL started", "port", port, "data", data, "took", time.Since(begin).Round(time.Millisecond))
	return &Postgres{
		URL:  fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%d/%s?sslmode=disable", port, cfg.Database),
		Port: port,
		ep:   ep,
		log:  logFile,
	}, nil
}

// chooseBinaries returns the folder of the PostgreSQL binaries to run the
// cluster in dir/data with (holding bin/pg_ctl) and their major version. It
// prefers installed binaries of the cluster's major version, then the
// newest installed, then a download; as root, wrappers that run them as
// the postgres user. A cluster of another major version is set aside.
func chooseBinaries(ctx context.Context, explicit, dir, data string, log *slog.Logger) (string, int, error) {
	dataMajor := clusterMajor(data)
	inst, err := findInstallation(ctx, explicit, dataMajor)
	if err != nil {
		return "", 0, err
	}
	binaries := inst.dir
	if inst.dir == "" {
		// Downloading: stay on the cluster's major version so its data is kept.
		inst.major = cmp.Or(dataMajor, downloadedMajor)
		binaries = filepath.Join(dir, "dist")
		log.Info("no PostgreSQL installed; embedded-postgres downloads it", "version", version(inst.major), "into", binaries)
	} else {
		log.Info("using installed PostgreSQL", "binaries", inst.dir, "major", inst.major)
	}
	if dataMajor != 0 && dataMajor != inst.major {
		// embedded-postgres wipes a cluster of another major version; keep it aside instead.
		aside := fmt.Sprintf("%s-pg%d-%s", data, dataMajor, time.Now().UTC().Format("20060102T150405"))
		log.Warn("the development cluster was made by another PostgreSQL major version; starting a new one",
			"was", dataMajor, "now", inst.major, "old_data", aside)
		if err := os.Rename(data, aside); err != nil {
			return "", 0, fmt.Errorf("set aside the PostgreSQL %d cluster: %w", dataMajor, err)
		}
	}
	if os.Geteuid() != 0 {
		return binaries, inst.major, nil
	}
	if inst.dir == "" {
		return "", 0, errors.New("running as root with no PostgreSQL installed: install it (apt-get install -y postgresql, " +
			"which also makes the postgres user to run it as), run dabba as a regular user, or set DATABASE_URL")
	}
	binaries, err = runAsPostgres(ctx, dir, inst.dir)
	return binaries, inst.major, err
}

// Stop shuts the server down (fast mode: open sessions are ended) and waits
// for it, or for ctx to end.
func (p *Postgres) Stop(ctx context.Context) error {
	err := await(ctx, p.ep.Stop)
	if cerr := p.log.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("stop the development PostgreSQL: %w", err)
	}
	return nil
}

// await runs fn until it returns or ctx ends, whichever comes first;
// embedded-postgres takes no context. When ctx ends first, fn goes on in the
// background, and a server it leaves running is stopped by the next start.
func await(ctx context.Context, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clusterMajor returns the PostgreSQL major version that made the cluster in
// data, or 0 when there is none.
func clusterMajor(data string) int {
	b, err := os.ReadFile(filepath.Join(data, "PG_VERSION"))
	if err != nil {
		return 0
	}
	major, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return major
}

// version returns embedded-postgres's name of a major version. Only its
// major part matters with installed binaries: embedded-postgres compares it
// with the cluster's PG_VERSION.
func version(major int) embeddedpostgres.PostgresVersion {
	for _, v := range []embeddedpostgres.PostgresVersion{
		embeddedpostgres.V18, embeddedpostgres.V17, embeddedpostgres.V16, embeddedpostgres.V15,
		embeddedpostgres.V14, embeddedpostgres.V13, embeddedpostgres.V12,
	} {
		if strings.HasPrefix(string(v), strconv.Itoa(major)+".") {
			return v
		}
	}
	return embeddedpostgres.PostgresVersion(fmt.Sprintf("%d.0.0", major))
}

// choosePort returns the port remembered in file while it is free, or else a
// new free port, which it remembers.
func choosePort(file string) (int, error) {
	if b, err := os.ReadFile(file); err == nil {
		if port, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && portFree(port) {
			return port, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for PostgreSQL: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("find a free port for PostgreSQL: %w", err)
	}
	if err := os.WriteFile(file, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("remember the PostgreSQL port: %w", err)
	}
	return port, nil
}

// portFree reports whether port can be listened on, as embedded-postgres
// checks before it starts.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("localhost", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
