#!/usr/bin/env bash
# The PostgreSQL and Redis that dabba's tests run against, the Chromium
# that its browser tests (web/e2e) drive, and the etcd binary that the
# tracking cluster's tests (actors) start private servers of.
#
#   .ci/services.sh run CMD [ARG...]  make sure all four are there, then run CMD with
#                                     TEST_DATABASE_URL, TEST_REDIS_URL and CHROMIUM_PATH exported
#   .ci/services.sh env               make sure all four are there; print the export lines
#   .ci/services.sh stop              stop the servers this script started
#
# TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)
# and TEST_REDIS_URL (default redis://127.0.0.1:6379/0) are used when they
# answer. Otherwise the script starts private servers on this machine: a
# PostgreSQL cluster under .dabba/test-pg (trust auth, run as the postgres
# user when root) and a redis-server keeping nothing on disk, on the URL's
# port or, when another server holds it, on a free one. It installs the
# Debian packages (or Homebrew formulas) when the binaries are missing. The
# servers stay up for the next run; `stop` ends them.
#
# CHROMIUM_PATH names the browser when set; otherwise Debian's
# /usr/bin/chromium (or chromium, chromium-browser, or Homebrew's Chromium.app)
# is used, installed with apt-get (or `brew install --cask chromium`) when
# none is there.
#
# etcd is only installed (Debian's etcd-server, or Homebrew's etcd) when
# missing: each test starts its own server on free ports.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$repo/.dabba
state_file=$state/test-services.env

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
as_root() { if is_root; then "$@"; else sudo "$@"; fi; }
# as_postgres runs PostgreSQL's programs, which refuse to run as root.
as_postgres() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# parse_url URL sets url_user url_pass url_host url_port url_path url_query.
parse_url() {
	local re='^[a-z]+://(([^:@/]*)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?(/([^?]*))?(\?(.*))?$'
	[[ $1 =~ $re ]] || die "cannot read the URL $1"
	url_user=${BASH_REMATCH[2]} url_pass=${BASH_REMATCH[4]} url_host=${BASH_REMATCH[5]}
	url_port=${BASH_REMATCH[7]} url_path=${BASH_REMATCH[9]} url_query=${BASH_REMATCH[11]}
}

require_local() {
	case $url_host in
	127.0.0.1 | localhost) ;;
	*) die "$1 at $url_host does not answer and is not on this machine: start it, or unset $2 to use a local one" ;;
	esac
}

# free_port FROM prints the first port from FROM on that nothing listens on.
free_port() {
	local p=$1
	while listening 127.0.0.1 "$p"; do p=$((p + 1)); done
	echo "$p"
}

remember() { # NAME VALUE: keep a fact about the started servers in the state file
	mkdir -p "$state"
	[ -f "$state/.gitignore" ] || printf '# development state of dabba; never committed\n*\n' >"$state/.gitignore"
	touch "$state_file"
	grep -v "^$1=" "$state_file" >"$state_file.new" || true
	printf '%s=%q\n' "$1" "$2" >>"$state_file.new"
	mv "$state_file.new" "$state_file"
}

install_packages() { # DEBIAN_PACKAGE BREW_FORMULA [BREW_FLAG...]
	if command -v apt-get >/dev/null; then
		say "installing $1 with apt-get"
		as_root apt-get update -qq >&2
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >&2
	elif command -v brew >/dev/null; then
		say "installing $2 with Homebrew"
		brew install "${@:3}" "$2" >&2
	else
		die "$1 is not installed and there is neither apt-get nor brew to install it: install it yourself"
	fi
}

# ---- PostgreSQL ----

pg_answers() {
	if command -v psql >/dev/null; then
		psql -X -w -Atq -d "$1" -c 'select 1' >/dev/null 2>&1
	elif command -v pg_isready >/dev/null; then
		pg_isready -q -d "$1"
	else
		parse_url "$1"
		listening "$url_host" "${url_port:-5432}"
	fi
}

pg_bindir() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n1) || true
	if [ -z "$d" ] && command -v pg_ctl >/dev/null; then d=$(dirname "$(command -v pg_ctl)"); fi
	if [ -z "$d" ] && command -v brew >/dev/null; then
		d=$(printf '%s\n' "$(brew --prefix)"/opt/postgresql@*/bin | grep -v '\*' | sort -V | tail -n1) || true
	fi
	echo "$d"
}

# pg_home prints the folder of the private cluster: .dabba/test-pg, or, when
# root runs a checkout the postgres user cannot enter, one in /var/tmp.
pg_home() {
	local dir=$state/test-pg
	mkdir -p "$dir"
	if is_root; then
		chown postgres "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			dir=/var/tmp/dabba-test-pg-$(printf %s "$repo" | cksum | cut -d' ' -f1)
			mkdir -p "$dir"
			chown postgres "$dir"
		fi
	fi
	echo "$dir"
}

start_postgres() {
	parse_url "$TEST_DATABASE_URL"
	require_local PostgreSQL TEST_DATABASE_URL
	local user=${url_user:-postgres} db=${url_path:-postgres} port=${url_port:-5432}
	local bindir
	bindir=$(pg_bindir)
	if [ -z "$bindir" ]; then
		install_packages postgresql postgresql@16
		bindir=$(pg_bindir)
		[ -n "$bindir" ] || die "PostgreSQL was installed but its pg_ctl cannot be found"
	fi
	if is_root && ! id postgres >/dev/null 2>&1; then
		say "creating the postgres user to run PostgreSQL as (it refuses to run as root)"
		useradd --system --user-group --no-create-home postgres
	fi
	local home data
	home=$(pg_home)
	data=$home/data
	if [ ! -f "$data/PG_VERSION" ]; then
		say "initialising a PostgreSQL cluster in $data"
		as_postgres "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$home/initdb.log" 2>&1 ||
			die "initdb failed; see $home/initdb.log"
	fi
	remember SVC_PG_BINDIR "$bindir"
	remember SVC_PG_DATA "$data"
	if as_postgres "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; then
		say "stopping the private PostgreSQL that does not answer at the wanted URL"
		as_postgres "$bindir/pg_ctl" stop -D "$data" -m fast -w >/dev/null
	fi
	if listening 127.0.0.1 "$port"; then
		local held=$port
		port=$(free_port 54329)
		say "port $held is held by a server the tests cannot use; the private PostgreSQL takes $port"
	fi
	say "starting a private PostgreSQL ($("$bindir/pg_ctl" --version)) on 127.0.0.1:$port"
	as_postgres "$bindir/pg_ctl" start -D "$data" -l "$home/postgres.log" -w -t 60 -o \
		"-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		>/dev/null || die "PostgreSQL did not start; see $home/postgres.log"
	# The cluster's superuser is postgres; the URL may name another user and database.
	local psql=("$bindir/psql" -X -w -Atq -h 127.0.0.1 -p "$port" -U postgres -d postgres)
	if [ -z "$(as_postgres "${psql[@]}" -c "select 1 from pg_roles where rolname = '$user'")" ]; then
		as_postgres "${psql[@]}" -c "create role \"$user\" superuser login" >/dev/null
	fi
	if [ -z "$(as_postgres "${psql[@]}" -c "select 1 from pg_database where datname = '$db'")" ]; then
		as_postgres "${psql[@]}" -c "create database \"$db\" owner \"$user\"" >/dev/null
	fi
	local auth=$user
	[ -z "$url_pass" ] || auth=$user:$url_pass
	TEST_DATABASE_URL="postgres://$auth@127.0.0.1:$port/$db?${url_query:-sslmode=disable}"
	remember SVC_PG_URL "$TEST_DATABASE_URL"
}

ensure_postgres() {
	if pg_answers "$TEST_DATABASE_URL"; then
		say "PostgreSQL answers at $TEST_DATABASE_URL"
	elif [ -n "${SVC_PG_URL:-}" ] && pg_answers "$SVC_PG_URL"; then
		TEST_DATABASE_URL=$SVC_PG_URL
		say "PostgreSQL answers at $TEST_DATABASE_URL (started earlier by this script)"
	else
		say "PostgreSQL does not answer at $TEST_DATABASE_URL"
		start_postgres
		pg_answers "$TEST_DATABASE_URL" || die "the private PostgreSQL does not answer at $TEST_DATABASE_URL"
		say "PostgreSQL answers at $TEST_DATABASE_URL"
	fi
}

# ---- Redis ----

redis_answers() {
	if command -v redis-cli >/dev/null; then
		[ "$(redis-cli -u "$1" ping 2>/dev/null)" = PONG ]
	else
		parse_url "$1"
		local reply=
		{ exec 3<>"/dev/tcp/$url_host/${url_port:-6379}"; } 2>/dev/null || return 1
		printf 'PING\r\n' >&3
		read -r -t 2 reply <&3 || true
		exec 3>&-
		[[ $reply == +PONG* ]]
	fi
}

start_redis() {
	parse_url "$TEST_REDIS_URL"
	require_local Redis TEST_REDIS_URL
	local port=${url_port:-6379}
	command -v redis-server >/dev/null || install_packages redis-server redis
	if listening 127.0.0.1 "$port"; then
		local held=$port
		port=$(free_port 63799)
		say "port $held is held by a server the tests cannot use; the private Redis takes $port"
	fi
	local dir=$state/test-redis
	mkdir -p "$dir"
	say "starting a private redis-server on 127.0.0.1:$port (nothing kept on disk)"
	redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
		--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
	TEST_REDIS_URL="redis://127.0.0.1:$port/${url_path:-0}"
	for _ in $(seq 50); do
		redis_answers "$TEST_REDIS_URL" && break
		sleep 0.1
	done
	remember SVC_REDIS_PIDFILE "$dir/redis.pid"
	remember SVC_REDIS_URL "$TEST_REDIS_URL"
}

ensure_redis() {
	if redis_answers "$TEST_REDIS_URL"; then
		say "Redis answers at $TEST_REDIS_URL"
	elif [ -n "${SVC_REDIS_URL:-}" ] && redis_answers "$SVC_REDIS_URL"; then
		TEST_REDIS_URL=$SVC_REDIS_URL
		say "Redis answers at $TEST_REDIS_URL (started earlier by this script)"
	else
		say "Redis does not answer at $TEST_REDIS_URL"
		start_redis
		redis_answers "$TEST_REDIS_URL" || die "the private Redis does not answer at $TEST_REDIS_URL; see $state/test-redis/redis.log"
		say "Redis answers at $TEST_REDIS_URL"
	fi
}

# ---- Chromium ----

# chromium_path prints the first Chromium found, or nothing.
chromium_path() {
	local c
	for c in /usr/bin/chromium "$(command -v chromium)" "$(command -v chromium-browser)" /Applications/Chromium.app/Contents/MacOS/Chromium; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			echo "$c"
			return
		fi
	done
}

ensure_chromium() {
	if [ -n "${CHROMIUM_PATH:-}" ]; then
		[ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable browser"
	else
		CHROMIUM_PATH=$(chromium_path)
		if [ -z "$CHROMIUM_PATH" ]; then
			install_packages chromium chromium --cask
			CHROMIUM_PATH=$(chromium_path)
			[ -n "$CHROMIUM_PATH" ] || die "Chromium was installed but cannot be found: set CHROMIUM_PATH"
		fi
	fi
	say "Chromium is $CHROMIUM_PATH"
}

# ---- etcd ----

ensure_etcd() {
	command -v etcd >/dev/null || install_packages etcd-server etcd
	command -v etcd >/dev/null || die "etcd was installed but cannot be found"
	say "etcd is $(command -v etcd)"
}

stop_services() {
	if [ -n "${SVC_PG_DATA:-}" ] && [ -f "$SVC_PG_DATA/postmaster.pid" ]; then
		say "stopping the private PostgreSQL of $SVC_PG_DATA"
		as_postgres "$SVC_PG_BINDIR/pg_ctl" stop -D "$SVC_PG_DATA" -m fast -w >/dev/null
	fi
	if [ -n "${SVC_REDIS_PIDFILE:-}" ] && [ -f "$SVC_REDIS_PIDFILE" ]; then
		local pid
		pid=$(cat "$SVC_REDIS_PIDFILE")
		say "stopping the private redis-server (pid $pid)"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$state_file"
}

# Facts about the servers an earlier run started.
if [ -f "$state_file" ]; then
	# shellcheck source=/dev/null
	. "$state_file"
fi
TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}

case ${1:-} in
run)
	shift
	[ $# -gt 0 ] || die "usage: $0 run CMD [ARG...]"
	ensure_postgres
	ensure_redis
	ensure_chromium
	ensure_etcd
	export TEST_DATABASE_URL TEST_REDIS_URL CHROMIUM_PATH
	exec "$@"
	;;
env)
	ensure_postgres
	ensure_redis
	ensure_chromium
	ensure_etcd
	printf 'export TEST_DATABASE_URL=%q\nexport TEST_REDIS_URL=%q\nexport CHROMIUM_PATH=%q\n' "$TEST_DATABASE_URL" "$TEST_REDIS_URL" "$CHROMIUM_PATH"
	;;
stop) stop_services ;;
*) die "usage: $0 run CMD [ARG...] | env | stop" ;;
esac
