#!/usr/bin/env bash
# Runs one end-to-end case: tests/cases/<command>/<case>/
#   cmd              the arguments to csbridge, one shell line ($CSBRIDGE is the binary;
#                    $CASE the case dir, $WORK a fresh scratch dir, $BUILD the build dir,
#                    $SRC the source root; CSBRIDGE_TEST_* from scripts/servers)
#   expected_exit    the exit code (default 0)
#   expected_stdout  exact stdout, when present
#   expected_stderr  exact stderr, when present
#   stdout_contains / stderr_contains   lines that must each appear, when present
#   stdout_lacks / stderr_lacks         lines that must not appear, when present
set -u
export CSBRIDGE=$1 CASE=$2 BUILD=$3
export SRC=$(cd "$(dirname "$0")/.." && pwd)
export WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
bash -c "$(cat "$CASE/cmd")" >"$WORK/.stdout" 2>"$WORK/.stderr" </dev/null
rc=$?
fail=0
want=$(cat "$CASE/expected_exit" 2>/dev/null || echo 0)
if [ "$rc" != "$want" ]; then echo "exit code $rc, expected $want"; fail=1; fi
for s in stdout stderr; do
  if [ -f "$CASE/expected_$s" ] && ! diff -u "$CASE/expected_$s" "$WORK/.$s"; then
    echo "$s differs from expected_$s"; fail=1
  fi
  if [ -f "$CASE/${s}_contains" ]; then
    while IFS= read -r line; do
      [ -z "$line" ] && continue
      grep -qF -- "$line" "$WORK/.$s" || { echo "$s lacks: $line"; fail=1; }
    done <"$CASE/${s}_contains"
  fi
  if [ -f "$CASE/${s}_lacks" ]; then
    while IFS= read -r line; do
      [ -z "$line" ] && continue
      grep -qF -- "$line" "$WORK/.$s" && { echo "$s must not contain: $line"; fail=1; }
    done <"$CASE/${s}_lacks"
  fi
done
if [ $fail != 0 ]; then
  echo "--- stdout"; head -c 4000 "$WORK/.stdout"; echo "--- stderr"; head -c 4000 "$WORK/.stderr"
fi
exit $fail
