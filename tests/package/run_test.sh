#!/usr/bin/env bash
# The Debian package, for real, on this machine (as root):
#   run_test.sh CSBRIDGE BUILD build       CPack's .deb into BUILD/package-test/ (the fixture of the others);
#                                          `cmake --install --prefix` of the same files
#   run_test.sh CSBRIDGE BUILD install     `apt-get install ./csbridge_*.deb`; the installed binary's --version,
#                                          scripts/demo and the first hour run with the source and build
#                                          folders hidden (a machine where nothing was built); the bash and
#                                          zsh completions are found, `man csbridge` shows every command;
#                                          `apt-get remove --purge` takes everything away again
#   run_test.sh CSBRIDGE BUILD ci KIND     the `run:`/`script:` lines of examples/ci/ (KIND github or gitlab)
#                                          as written, in a project of `csbridge init --ci KIND` holding the
#                                          sample's mappings, against the test servers: the package installed
#                                          from a file:// URL, PostgreSQL of scripts/servers as the service
#                                          (exit 77, skipped, without CSBRIDGE_TEST_PG)
# dpkg is one at a time: the tests share a CTest RESOURCE_LOCK, and apt-get waits for the lock of
# anyone else on the machine.
set -euo pipefail
CSBRIDGE=$1 BUILD=$(cd "$2" && pwd) MODE=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEB_DIR=$BUILD/package-test

if [ "$MODE" != build ] && [ "$(id -u)" != 0 ]; then echo "skipped: installing a package needs root"; exit 77; fi
WORK=$(mktemp -d /tmp/csbridge-package.XXXXXX)
chmod 755 "$WORK"
printf 'DPkg::Lock::Timeout "600";\n' > "$WORK/apt.conf"
export APT_CONFIG=$WORK/apt.conf DEBIAN_FRONTEND=noninteractive

remove_package() {
  if dpkg-query -W -f='${db:Status-Status}' csbridge 2>/dev/null | grep -qx installed; then
    apt-get remove --purge -y -qq csbridge >/dev/null
  fi
}
cleanup() { remove_package || true; rm -rf "$WORK"; }

# The command paths of the binary, read from its --help ("map check", …).
command_paths() {
  local bin=$1 prefix=$2 sub
  for sub in $("$bin" $prefix --help | awk '/^Subcommands:/{s=1; next} s && /^  [a-z]/{print $1} s && /^[^ ]/{s=0}'); do
    echo "${prefix:+$prefix }$sub"
    command_paths "$bin" "${prefix:+$prefix }$sub"
  done
}

case "$MODE" in
build)
  rm -rf "$DEB_DIR"
  (cd "$BUILD" && cpack -G DEB -B "$DEB_DIR" >"$WORK/cpack.log") || { cat "$WORK/cpack.log"; exit 1; }
  rm -rf "$DEB_DIR/_CPack_Packages"
  deb=$(ls "$DEB_DIR"/csbridge_*.deb)
  dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Installed-Size\|Depends\|Recommends\): /\1: /p'
  echo "size: $(stat -c %s "$deb") bytes"
  dpkg-deb --contents "$deb" | awk '{print $6}' | grep -v '/$'
  # cmake --install puts the same files in the usual places of any prefix.
  cmake --install "$BUILD" --prefix "$WORK/prefix" >/dev/null
  got=$(cd "$WORK/prefix" && find . -type f | LC_ALL=C sort | tr '\n' ' ')
  want="./bin/csbridge ./share/bash-completion/completions/csbridge ./share/doc/csbridge/README.md \
./share/doc/csbridge/examples/ci/github-actions.yml ./share/doc/csbridge/examples/ci/gitlab-ci.yml \
./share/man/man1/csbridge.1.gz ./share/zsh/vendor-completions/_csbridge "
  [ "$got" = "$want" ] || { echo "cmake --install wrote: $got"; exit 1; }
  echo "cmake --install --prefix DIR: $got"
  rm -rf "$WORK"
  ;;

install)
  trap cleanup EXIT
  deb=$(ls "$DEB_DIR"/csbridge_*.deb)
  remove_package  # left by an interrupted run
  want_version=$("$CSBRIDGE" --version)
  cd "$DEB_DIR"
  apt-get install -y ./csbridge_*.deb >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log"; exit 1; }
  echo "apt-get install ./$(basename "$deb"):"
  sed -n '/NEW packages will be installed/,/upgraded/p' "$WORK/apt.log"
  test "$(command -v csbridge)" = /usr/bin/csbridge
  if ldd /usr/bin/csbridge | grep -q 'not found'; then ldd /usr/bin/csbridge; exit 1; fi
  for f in /usr/bin/csbridge /usr/share/man/man1/csbridge.1.gz /usr/share/bash-completion/completions/csbridge \
           /usr/share/zsh/vendor-completions/_csbridge /usr/share/doc/csbridge/examples/ci/github-actions.yml \
           /usr/share/doc/csbridge/examples/ci/gitlab-ci.yml; do
    dpkg -S "$f" >/dev/null || { echo "the package does not hold $f"; exit 1; }
  done

  # A machine where nothing was built: the source and build folders are hidden (an empty tmpfs
  # over them, in a mount namespace of this test only); the demo runs from a copy of its files.
  mkdir -p "$WORK/demo/scripts"
  cp "$SRC/scripts/demo" "$WORK/demo/scripts/"
  cp -r "$SRC/samples" "$WORK/demo/"
  rm -rf "$WORK/demo/samples/out"
  unshare --mount --propagation private env SRC="$SRC" BUILD="$BUILD" WORK="$WORK" bash -euo pipefail -c '
    mount -t tmpfs tmpfs "$SRC"
    [ -z "$(ls -A "$SRC")" ] || exit 9
    csbridge --version
    cd "$WORK/demo" && CSBRIDGE=csbridge scripts/demo >"$WORK/demo.out" 2>&1
    # The first hour, on the sample.
    cd "$WORK" && csbridge init first-hour --ci github >"$WORK/init.out" 2>&1
    cd first-hour && export HELPDESK_DB=sqlite:$WORK/demo/samples/out/helpdesk.db
    csbridge map suggest --source helpdesk -o mappings/ >"$WORK/suggest.out" 2>&1
    rc=0; csbridge map check >"$WORK/check.out" 2>&1 || rc=$?
    echo "first hour: map check exit $rc"
  ' >"$WORK/hidden.out" 2>&1 || { cat "$WORK/hidden.out" "$WORK/demo.out" 2>/dev/null; exit 1; }
  cat "$WORK/hidden.out"
  test "$(head -n1 "$WORK/hidden.out")" = "$want_version"
  # The demo's migrations: 4,238 of 4,252 rows loaded, then all of them unchanged.
  for line in '^== 5\. migrate again: nothing changes' '^read = loaded \+ unchanged \+ rejected \+ filtered for every entity$' \
              '^total +4252 +4238 +0 +14 ' '^total +4252 +0 +4238 +14 ' '^20[0-9T]+Z-[0-9a-f]+  ok  '; do
    grep -qE -- "$line" "$WORK/demo.out" || { echo "the demo's output lacks: $line"; cat "$WORK/demo.out"; exit 1; }
  done
  echo "scripts/demo with the installed csbridge: $(grep -c . "$WORK/demo.out") lines, ok"
  grep -q 'TODO' "$WORK/check.out" || { echo "map check after map suggest names no TODO"; cat "$WORK/check.out"; exit 1; }
  grep -qx 'first hour: map check exit 1' "$WORK/hidden.out"
  tail -n1 "$WORK/check.out"

  # Completion: the bash completion sets `complete -p csbridge`, sourced or found by bash-completion.
  got=$(bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/csbridge && complete -p csbridge')
  test "$got" = "complete -F _csbridge csbridge" || { echo "complete -p csbridge: $got"; exit 1; }
  got=$(bash --norc --noprofile -c 'source /usr/share/bash-completion/bash_completion && _completion_loader csbridge;
                                    complete -p csbridge')
  test "$got" = "complete -F _csbridge csbridge" || { echo "after bash-completion's loader: $got"; exit 1; }
  echo "bash: $got"
  if command -v zsh >/dev/null; then
    got=$(cd "$WORK" && HOME=$WORK zsh -f -c 'autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump" && print -r -- ${_comps[csbridge]}')
    test "$got" = _csbridge || { echo "zsh: _comps[csbridge] = '$got'"; exit 1; }
    echo "zsh: _comps[csbridge] = $got"
  fi

  # man csbridge shows every command.
  MANWIDTH=160 man csbridge 2>"$WORK/man.err" | col -b >"$WORK/man.txt"
  [ -s "$WORK/man.txt" ] || { echo "man csbridge printed nothing"; cat "$WORK/man.err"; exit 1; }
  n=0
  while read -r path; do
    grep -qF "csbridge $path" "$WORK/man.txt" || { echo "man csbridge lacks: csbridge $path"; exit 1; }
    n=$((n + 1))
  done < <(command_paths /usr/bin/csbridge "")
  for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT CODES"; do
    grep -qx "$section" "$WORK/man.txt" || { echo "man csbridge lacks the section $section"; exit 1; }
  done
  echo "man csbridge: $n commands, $(wc -l <"$WORK/man.txt") lines"

  apt-get remove --purge -y csbridge >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log"; exit 1; }
  for f in /usr/bin/csbridge /usr/share/man/man1/csbridge.1.gz /usr/share/bash-completion/completions/csbridge; do
    [ ! -e "$f" ] || { echo "$f is still there after apt-get remove"; exit 1; }
  done
  echo "removed"
  ;;

ci)
  KIND=$4
  if [ -z "${CSBRIDGE_TEST_PG:-}" ]; then echo "skipped: no test servers (scripts/test starts them)"; exit 77; fi
  trap cleanup EXIT
  deb=$(ls "$DEB_DIR"/csbridge_*.deb)
  remove_package
  case "$KIND" in
    github) template=$SRC/examples/ci/github-actions.yml; written=.github/workflows/csbridge.yml ;;
    gitlab) template=$SRC/examples/ci/gitlab-ci.yml; written=.gitlab-ci.yml ;;
    *) echo "usage: run_test.sh CSBRIDGE BUILD ci github|gitlab" >&2; exit 2 ;;
  esac
  project=$WORK/project
  "$CSBRIDGE" init "$project" --ci "$KIND" >/dev/null 2>&1
  cmp "$template" "$project/$written"  # init writes the template as it is
  cp "$SRC"/samples/mappings/*.yaml "$project/mappings/"
  python3 "$SRC/tests/package/ci_steps.py" "$KIND" "$project/$written" "$WORK/steps" | tee "$WORK/steps.txt"

  # What CI's settings give the commands, here: the package as a file:// URL, the legacy helpdesk
  # (PostgreSQL when scripts/test loaded it, else the SQLite sample), the test PostgreSQL as the service.
  export CSBRIDGE_DEB_URL=file://$deb
  export HELPDESK_DB=${CSBRIDGE_TEST_PG_HELPDESK:-sqlite:$BUILD/samples/helpdesk.db}
  export CS_TARGET=$CSBRIDGE_TEST_PG
  export CSBRIDGE_HMAC_KEY=ci-template-test
  supplied=" CSBRIDGE_DEB_URL HELPDESK_DB CS_TARGET CSBRIDGE_HMAC_KEY DEBIAN_FRONTEND "
  for v in $(sed -n 's/^variables: //p' "$WORK/steps.txt") $(sed -n 's/^read by the commands: //p' "$WORK/steps.txt"); do
    case "$v" in POSTGRES_*) continue ;; esac  # the service's own settings
    [[ "$supplied" == *" $v "* ]] || { echo "the template uses $v, which this test does not supply"; exit 1; }
  done

  run_steps() {  # runs every step in the project folder, as CI would; returns the first failing exit code
    local step rc
    for step in "$WORK"/steps/*.sh; do
      rc=0
      (cd "$project" && bash --noprofile --norc -eo pipefail "$step") >"$WORK/run.log" 2>&1 || rc=$?
      if [ $rc != 0 ]; then
        echo "$(head -n1 "$step" | cut -c3-): exit $rc"
        return $rc
      fi
    done
  }

  rc=0; run_steps || rc=$?
  [ $rc = 0 ] || { echo "the $KIND template's commands failed on the sample's mappings"; cat "$WORK/run.log"; exit 1; }
  test "$(command -v csbridge)" = /usr/bin/csbridge
  python3 - "$project/reports" <<'PY'
import json, sys, xml.etree.ElementTree as ET
reports = sys.argv[1]
sarif = json.load(open(reports + "/map-check.sarif"))
assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "csbridge", sarif
errors = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
assert not errors, errors
junit = ET.parse(reports + "/validate.xml").getroot()
cases = junit.findall(".//testcase")
failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
assert cases and not failed, failed
assert json.load(open(reports + "/validate.json"))["status"] == "passed"
print(f"sample mappings: map check SARIF {len(sarif['runs'][0]['results'])} results, no error; "
      f"validate JUnit {len(cases)} testcases, none failed")
PY

  # A mapping with a problem fails the pipeline (exit 1) at map check, annotated where it is.
  sed -i '0,/^      - map:$/s//      - trimm\n      - map:/' "$project/mappings/ticket.yaml"
  rc=0; run_steps || rc=$?
  [ $rc = 1 ] || { echo "a broken mapping: exit $rc, expected 1"; cat "$WORK/run.log"; exit 1; }
  python3 - "$project/reports/map-check.sarif" <<'PY'
import json, sys
sarif = json.load(open(sys.argv[1]))
hits = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "bad_step"]
assert hits, sarif["runs"][0]["results"]
loc = hits[0]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "mappings/ticket.yaml", loc
assert loc["region"]["startLine"] > 0 and loc["region"]["startColumn"] > 0, loc
print(f"broken mapping: exit 1 at map check; SARIF {hits[0]['ruleId']} at {loc['artifactLocation']['uri']}:"
      f"{loc['region']['startLine']}:{loc['region']['startColumn']}")
PY
  ;;

*)
  echo "usage: run_test.sh CSBRIDGE BUILD build|install|ci KIND" >&2
  exit 2
  ;;
esac
