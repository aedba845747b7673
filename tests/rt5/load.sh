#!/usr/bin/env bash
# Loads the generated Request Tracker 5 helpdesk into one engine, from scratch.
#
#   tests/rt5/load.sh pg|mariadb|sqlite DIR
#
# DIR holds schema/ (tests/rt5/fetch_schema.sh) and data/ (tests/rt5/gen_rt5.py). Drops and
# recreates database rt5 (PostgreSQL, MariaDB: on the test servers of scripts/servers, named by
# the CSBRIDGE_TEST_* variables) or DIR/rt5.db (SQLite), loads RT's own schema file the way RT's
# installer does (lib/RT/Handle.pm InsertSchema drops '#' and '--' comments line by line) and then
# the data. Writes the connection string csbridge takes to DIR/url.ENGINE (mode 600: it holds
# the test password) and prints it with the password removed.
set -euo pipefail
engine=${1:-}
dir=${2:-}
[ -n "$engine" ] && [ -n "$dir" ] || { echo "usage: tests/rt5/load.sh pg|mariadb|sqlite DIR" >&2; exit 2; }
dir=$(cd "$dir" && pwd)
declare -A schema_file=([pg]=schema.Pg [mariadb]=schema.mysql [sqlite]=schema.SQLite)
[ -n "${schema_file[$engine]:-}" ] || { echo "load: unknown engine '$engine' (pg, mariadb, sqlite)" >&2; exit 2; }
schema="$dir/schema/${schema_file[$engine]}"
data="$dir/data/data.$engine.sql"
for f in "$schema" "$data"; do [ -s "$f" ] || { echo "load: $f is missing" >&2; exit 2; }; done
need() { [ -n "${!1:-}" ] || { echo "load: $1 is not set (start the test servers: scripts/servers start DIR)" >&2; exit 2; }; }
rt_schema() { sed -e 's/#.*//' -e 's/--.*//' "$schema"; }

write_url() {
  umask 077
  printf '%s\n' "$1" > "$dir/url.$engine"
  echo "load: rt5 in $engine: $(sed -e 's#://\([^:/@]*\):[^@]*@#://\1:***@#' -e 's/Pwd=[^;]*/Pwd=***/' "$dir/url.$engine")" >&2
}

case "$engine" in
  sqlite)
    rm -f "$dir/rt5.db.part"
    { rt_schema; cat "$data"; } | sqlite3 -bail "$dir/rt5.db.part"
    mv "$dir/rt5.db.part" "$dir/rt5.db"
    write_url "sqlite:$dir/rt5.db"
    ;;
  pg)
    need CSBRIDGE_TEST_PG; need CSBRIDGE_TEST_PG_SOCKET_DIR; need CSBRIDGE_TEST_PG_PORT
    # postgresql://USER:PASSWORD@HOST:PORT/DB: the password goes through the environment, never argv.
    [[ $CSBRIDGE_TEST_PG =~ ^postgres(ql)?://([^:@/]+):([^@]*)@([^:/]+):([0-9]+)/ ]] ||
      { echo "load: CSBRIDGE_TEST_PG is not postgresql://user:password@host:port/db" >&2; exit 2; }
    user=${BASH_REMATCH[2]} host=${BASH_REMATCH[4]} port=${BASH_REMATCH[5]}
    export PGPASSWORD=${BASH_REMATCH[3]} PGOPTIONS='-c client_min_messages=warning'
    psql -X -q -h "$CSBRIDGE_TEST_PG_SOCKET_DIR" -p "$CSBRIDGE_TEST_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS rt5 WITH (FORCE)" \
      -c "CREATE DATABASE rt5 OWNER $user ENCODING 'UTF8' TEMPLATE template0"
    rt_schema | psql -X -q -h "$host" -p "$port" -U "$user" -d rt5 -v ON_ERROR_STOP=1 -1 -f - >/dev/null
    psql -X -q -h "$host" -p "$port" -U "$user" -d rt5 -v ON_ERROR_STOP=1 -f "$data" >/dev/null
    # Statistics as a live database has them (the row estimates assess may read).
    psql -X -q -h "$host" -p "$port" -U "$user" -d rt5 -c "SET client_min_messages = error" -c "ANALYZE"
    write_url "${CSBRIDGE_TEST_PG%/*}/rt5"
    ;;
  mariadb)
    need CSBRIDGE_TEST_MARIADB_ODBC; need CSBRIDGE_TEST_MARIADB_SOCKET
    root=(mariadb --no-defaults --default-character-set=utf8mb4 -S "$CSBRIDGE_TEST_MARIADB_SOCKET" -u root)
    # RT creates the database with its own CREATE DATABASE; its tables say utf8mb4 themselves.
    "${root[@]}" -e "DROP DATABASE IF EXISTS rt5; CREATE DATABASE rt5 DEFAULT CHARACTER SET utf8mb4;
      GRANT ALL ON rt5.* TO 'csbridge'@'localhost'; GRANT ALL ON rt5.* TO 'csbridge'@'127.0.0.1';"
    rt_schema | "${root[@]}" rt5
    "${root[@]}" rt5 < "$data"
    write_url "${CSBRIDGE_TEST_MARIADB_ODBC/Database=csbridge_test/Database=rt5}"
    ;;
esac
