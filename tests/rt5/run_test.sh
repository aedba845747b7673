#!/usr/bin/env bash
# One step of the Request Tracker 5 tests (tests/CMakeLists.txt registers them; issue 14):
#
#   run_test.sh CSBRIDGE BUILD data             RT's schema files (fetch_schema.sh) and the generated
#                                               data (gen_rt5.py, once per generator version) in BUILD/rt5
#   run_test.sh CSBRIDGE BUILD load ENGINE      database rt5 from scratch (load.sh), then the truth
#                                               checked against it (verify_truth.py)
#   run_test.sh CSBRIDGE BUILD assess ENGINE    assess db --format json, scored by check_assess.py
#   run_test.sh CSBRIDGE BUILD suggest ENGINE   map suggest, check and preview (check_suggest.py)
#   run_test.sh CSBRIDGE BUILD migrate ENGINE   samples/request-tracker migrated, validated, counted
#                                               against the truth, killed and resumed (check_migrate.py)
#   run_test.sh CSBRIDGE BUILD same             the engines' CS rows are the same (check_same.py)
#
# ENGINE: sqlite, pg, mariadb, and for migrate sqlite-odbc (rt5/load/sqlite's database through
# SQLite's ODBC driver). Exit 77 (skipped) for pg and mariadb when the test servers'
# variables are not set (scripts/test sets them; or eval "$(scripts/servers start DIR)").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
csbridge=${1:?usage: run_test.sh CSBRIDGE BUILD STEP [ENGINE]} build=${2:?} step=${3:?} engine=${4:-}
rt5="$build/rt5"
tickets=10000

case "$engine" in
  pg) needs=CSBRIDGE_TEST_PG ;;
  mariadb) needs=CSBRIDGE_TEST_MARIADB_ODBC ;;
  sqlite|sqlite-odbc|'') needs= ;;
  *) echo "run_test: unknown engine '$engine'" >&2; exit 2 ;;
esac
if [ -n "$needs" ] && [ -z "${!needs:-}" ]; then
  rm -f "$rt5/$engine/fingerprint.json"  # no stale rows for rt5/same to compare
  echo "skipped: $needs is not set (run scripts/test, or eval \"\$(scripts/servers start DIR)\" first)"
  exit 77
fi

# The config names the source; its connection string comes from the environment (it holds a password).
config() {
  mkdir -p "$rt5/$engine"
  printf 'sources:\n  rt: ${RT5_SOURCE}\noptions: {default_timezone: UTC}\n' > "$rt5/$engine/csbridge.yaml"
  RT5_SOURCE=$(cat "$rt5/url.$engine")
  export RT5_SOURCE
}

case "$step" in
  data)
    "$here/fetch_schema.sh" "$rt5/schema"
    stamp="tickets=$tickets $(cat "$here/gen_rt5.py" "$here/../../scripts/gen_sample.py" | sha256sum | cut -c1-16)"
    if [ "$(cat "$rt5/data/stamp" 2>/dev/null)" != "$stamp" ]; then
      rm -rf "$rt5/data.part" "$rt5/data"
      python3 "$here/gen_rt5.py" --tickets "$tickets" "$rt5/data.part"
      echo "$stamp" > "$rt5/data.part/stamp"
      mv "$rt5/data.part" "$rt5/data"
    fi
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print("truth:", json.dumps(t["entities"], ensure_ascii=False))' \
      "$rt5/data/truth.json"
    ;;
  load)
    "$here/load.sh" "$engine" "$rt5"
    python3 "$here/verify_truth.py" "$engine" "$rt5" | grep -v '^ok '
    ;;
  assess)
    config
    rm -f "$rt5/$engine/assess.json"
    "$csbridge" -c "$rt5/$engine/csbridge.yaml" -q assess db --source rt --format json -o "$rt5/$engine/assess.json"
    python3 "$here/check_assess.py" "$rt5/data/truth.json" "$rt5/$engine/assess.json" --label="rt5/assess/$engine"
    ;;
  suggest)
    RT5_LABEL="rt5/suggest/$engine" python3 "$here/check_suggest.py" "$csbridge" "$rt5/url.$engine" "$rt5/$engine/suggest"
    ;;
  migrate)
    rm -f "$rt5/$engine/fingerprint.json"
    # SQLite through its ODBC driver (libsqliteodbc) reads the database rt5/load/sqlite made.
    [ "$engine" != sqlite-odbc ] || printf 'odbc:Driver={SQLite3};Database=%s\n' "$rt5/rt5.db" > "$rt5/url.$engine"
    python3 "$here/check_migrate.py" "$csbridge" "$rt5" "$engine"
    ;;
  same)
    python3 "$here/check_same.py" "$rt5"
    ;;
  *) echo "run_test: unknown step '$step'" >&2; exit 2 ;;
esac
