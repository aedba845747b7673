#!/usr/bin/env bash
# Runs csbridge for one bad-input case (tests/badinput/) and says what it wrote:
#   guard.sh ARG…   runs "$CSBRIDGE" ARG… in the case's scratch dir, then prints one line
#                   `wrote: PATH` on stderr for every file that is new or changed (size or
#                   mtime) — an input error must write nothing, and the recorded stderr of each
#                   case shows that it did not — and exits with csbridge's exit code.
#                   GUARD_MERGE=1 sends csbridge's stdout to stderr (a report that is the message).
set -u
snap() {
  find . \( -path ./.stdout -o -path ./.stderr \) -prune -o -type f -printf '%p %s %T@\n' | sort
}
before=$(snap)
if [ "${GUARD_MERGE:-0}" = 1 ]; then "$CSBRIDGE" "$@" >&2; else "$CSBRIDGE" "$@"; fi
rc=$?
after=$(snap)
comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | cut -d' ' -f1 | sed 's|^\./|wrote: |' | sort -u >&2
exit $rc
