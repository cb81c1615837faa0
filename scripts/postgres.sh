#!/usr/bin/env bash
# A private PostgreSQL cluster for Airflow's metadata database, for tests and local runs.
#
#   scripts/postgres.sh start DIR   install PostgreSQL if missing, initialise DIR once, start the
#                                   server; print the SQLAlchemy URL (the only line on stdout)
#   scripts/postgres.sh url DIR     print the SQLAlchemy URL of the cluster in DIR
#   scripts/postgres.sh stop DIR    stop the server (DIR is left for the caller to remove)
#
# The server listens on a unix socket inside DIR only (no TCP port, so no port clashes and
# nothing reachable from the network), with trust authentication: whoever can enter DIR
# (mode 0700) may connect. PostgreSQL refuses to run as root, so under root the cluster runs
# as the 'postgres' system user, which then owns DIR: DIR's parent must let that user through.
#
# PG_DRIVER names the SQLAlchemy driver in the URL: psycopg2 (default) or psycopg.
set -euo pipefail

DATABASE=airflow
ROLE=airflow
PORT=5432 # names the socket file only: the socket directory is private to this cluster

usage() {
	echo "usage: $0 start|url|stop DIR" >&2
	exit 2
}

# Debian's server packages, installed only when missing, through sudo unless already root
# (as the Makefile's system-deps does).
install_postgres() {
	if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
		local sudo
		sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
		echo "Installing PostgreSQL from the Debian packages" >&2
		$sudo apt-get update -qq >&2
		$sudo apt-get install -y --no-install-recommends postgresql >&2
	fi
}

# The newest installed server's binaries.
postgres_bin() {
	local bin
	bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	[ -x "$bin/pg_ctl" ] || {
		echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2
		exit 1
	}
	echo "$bin"
}

# Run a server command as the cluster's owner: ourselves, or 'postgres' under root.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

url() {
	local driver=${PG_DRIVER:-psycopg2}
	echo "postgresql+${driver}://${ROLE}@/${DATABASE}?host=$1/run&port=${PORT}"
}

start() {
	local dir=$1 bin
	install_postgres
	bin=$(postgres_bin)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	chmod 0700 "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		runuser -u postgres -- test -x "$dir" || {
			echo "the postgres user cannot enter $dir: let it through the parent directories" >&2
			exit 1
		}
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner mkdir -p "$dir/run"
		as_owner "$bin/initdb" --pgdata="$dir/data" --username="$ROLE" --auth=trust \
			--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			exit 1
		}
	fi
	# fsync off: a test database need not survive a power cut, and it halves migration time.
	as_owner "$bin/pg_ctl" status --pgdata="$dir/data" >/dev/null ||
		as_owner "$bin/pg_ctl" start --pgdata="$dir/data" --log="$dir/postgres.log" --wait --silent \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/run' -p $PORT -c fsync=off" \
		-o "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2 || {
		cat "$dir/postgres.log" >&2
		exit 1
	}
	if ! as_owner psql -h "$dir/run" -p "$PORT" -U "$ROLE" -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
		as_owner "$bin/createdb" -h "$dir/run" -p "$PORT" -U "$ROLE" "$DATABASE"
	fi
	url "$dir"
}

stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	as_owner "$(postgres_bin)/pg_ctl" stop --pgdata="$dir/data" --mode=fast --wait --silent >&2
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
url) url "$(cd "$2" && pwd)" ;;
stop) stop "$2" ;;
*) usage ;;
esac
