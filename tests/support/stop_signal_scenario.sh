#!/usr/bin/env bash
# A migration stopped by a signal (issue 18): SIGINT or SIGTERM lands while the run is still
# running and has committed part of its rows; the run commits what it read, is recorded
# "interrupted" in the audit and exits 128 + the signal; the next run resumes and the target
# equals a clean run's.
#   stop_signal_scenario.sh CSBRIDGE INT|TERM sqlite|postgres
set -u
CSBRIDGE=$1 SIGNAL=$2 TARGET=$3
ROWS=300000
sqlite3 src.db "CREATE TABLE tags(id INTEGER PRIMARY KEY, tag_name TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < $ROWS) INSERT INTO tags SELECT x, 'tag ' || x FROM c;" || exit 1
mkdir m && printf "entity: tag\nsource: legacy\ntable: tags\nkey: id\nfields: {name: tag_name}\ncustom: none\n" > m/tag.yaml
if [ "$TARGET" = postgres ]; then
  schema="e2e_signal_$$_$RANDOM"
  trap 'psql -X -q "$CSBRIDGE_TEST_PG" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"$schema\" CASCADE"' EXIT
  target="{connection: '\${CSBRIDGE_TEST_PG}', schema: $schema}"
  count() { psql -X -q -At "$CSBRIDGE_TEST_PG" -c "SET search_path TO \"$schema\"; $1" 2>/dev/null; }
else
  target="sqlite:cs.db"
  count() { sqlite3 -cmd ".timeout 5000" cs.db "$1" 2>/dev/null; }
fi
printf "sources: {legacy: sqlite:src.db}\ntarget: %s\nmappings: m\noptions: {batch_rows: 2000}\n" "$target" > c.yaml
"$CSBRIDGE" -c c.yaml -q migrate --rejects r.jsonl > /dev/null &
pid=$!
# Wait until the run has committed part of its rows, then send the signal.
partial=0
for _ in $(seq 600); do
  partial=$(count "SELECT count(*) FROM tag") ; partial=${partial:-0}
  [ "$partial" -gt 0 ] 2>/dev/null && break
  sleep 0.05
done
kill -"$SIGNAL" $pid
wait $pid
echo "exit $?"
stopped=$(count "SELECT count(*) FROM tag")
if [ "${stopped:-0}" -gt 0 ] && [ "${stopped:-0}" -lt $ROWS ]; then echo "stopped mid-run with part committed: yes"; else echo "stopped mid-run with part committed: NO ($stopped rows)"; fi
echo "audit: $(count "SELECT status FROM csbridge_runs")"
echo "checkpoints kept: $([ "$(count "SELECT count(*) FROM csbridge_checkpoint")" -gt 0 ] && echo yes || echo no)"
"$CSBRIDGE" -c c.yaml --format json migrate --rejects r.jsonl > resumed.json || exit 1
python3 -c "import json; d=json.load(open('resumed.json')); e=d['entities'][0]; print('resumed', d['status'], 'read+resumed', e['read'] + e['resumed'], 'in target', e['loaded'] + e['unchanged'] + e['resumed_loaded'])"
"$CSBRIDGE" -c c.yaml -q migrate --target sqlite:clean.db --rejects clean.jsonl > /dev/null || exit 1
if [ "$TARGET" = postgres ]; then
  psql -X -q -At "$CSBRIDGE_TEST_PG" -c "SET search_path TO \"$schema\"; SELECT source_key || '|' || name FROM tag" | sort > got.txt
else
  sqlite3 cs.db "SELECT source_key || '|' || name FROM tag" | sort > got.txt
fi
sqlite3 clean.db "SELECT source_key || '|' || name FROM tag" | sort > want.txt
if cmp -s got.txt want.txt; then echo "resumed target equals a clean run: $(wc -l < got.txt) rows"; else echo "resumed target DIFFERS from a clean run"; fi
echo "audit after: $(count "SELECT status FROM csbridge_runs ORDER BY started_at" | tr '\n' ' ')"
