#!/usr/bin/env bash
# The man page and the shell completions generated from the command table (BUILD/doc/):
#   run_test.sh CSBRIDGE BUILD bash   completes command lines with BUILD/doc/csbridge.bash as bash
#                                     would: subcommands, options (global ones at every level), option
#                                     values (files, folders, entities, listed words, comma lists),
#                                     positional arguments; every command the binary's --help lists
#   run_test.sh CSBRIDGE BUILD zsh    the same questions to BUILD/doc/_csbridge, with zsh's completion
#                                     functions replaced by ones that print what they are given
#   run_test.sh CSBRIDGE BUILD man    `man -l BUILD/doc/csbridge.1`: no roff warnings, every section and
#                                     every command the binary's --help lists
set -uo pipefail
CSBRIDGE=$(realpath "$1") BUILD=$(cd "$2" && pwd) MODE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir -p mappings out-dir
touch csbridge.yaml mappings/ticket.yaml
fail=0

# The command paths of the binary, read from its --help ("map check", …).
command_paths() {
  local prefix=$1 sub
  for sub in $("$CSBRIDGE" $prefix --help | awk '/^Subcommands:/{s=1; next} s && /^  [a-z]/{print $1} s && /^[^ ]/{s=0}'); do
    echo "${prefix:+$prefix }$sub"
    command_paths "${prefix:+$prefix }$sub"
  done
}

# expect WHAT GOT WANT…: every WANT is a line of GOT
expect() {
  local what=$1 got=$2 w
  shift 2
  for w in "$@"; do
    if ! grep -qxF -- "$w" <<<"$got"; then
      echo "FAIL $what: lacks '$w'; got: $(tr '\n' ' ' <<<"$got")"
      fail=1
      return
    fi
  done
  echo "ok   $what"
}

# refuse WHAT GOT NOT…: no NOT is a line of GOT
refuse() {
  local what=$1 got=$2 w
  shift 2
  for w in "$@"; do
    if grep -qxF -- "$w" <<<"$got"; then echo "FAIL $what: offers '$w'"; fail=1; return; fi
  done
  echo "ok   $what (not offered: $*)"
}

case "$MODE" in
bash)
  # shellcheck disable=SC1091
  source "$BUILD/doc/csbridge.bash"
  [ "$(complete -p csbridge)" = "complete -F _csbridge csbridge" ] || { echo "FAIL complete -p csbridge"; fail=1; }
  # The completions of WORDS…, the cursor on the last one (bash splits --a=b into --a = b).
  comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _csbridge 2>/dev/null
    printf '%s\n' "${COMPREPLY[@]}"
  }
  expect "commands" "$(comp csbridge '')" init assess map migrate runs schema source validate
  expect "a command's prefix" "$(comp csbridge ma)" map
  expect "subcommands" "$(comp csbridge map '')" suggest check preview
  expect "after a flag" "$(comp csbridge -q map '')" suggest check preview
  expect "after an option's value" "$(comp csbridge -c x.yaml --format json schema '')" show ddl apply
  expect "entities (map preview)" "$(comp csbridge map preview ti)" ticket ticket_message ticket_event ticket_tag
  refuse "entities (map preview)" "$(comp csbridge map preview ti)" customer
  expect "entities (schema show)" "$(comp csbridge schema show cust)" customer customer_identity
  expect "a comma list of entities" "$(comp csbridge migrate --entities ticket,cu)" ticket,customer ticket,customer_identity
  expect "listed words" "$(comp csbridge schema ddl --dialect '')" postgres sqlite
  expect "a validator's words" "$(comp csbridge validate --fail-on '')" warn error
  expect "a comma list of words" "$(comp csbridge validate --checks rows,p)" rows,pii
  expect "init --ci" "$(comp csbridge init --ci g)" github gitlab
  expect "global --format" "$(comp csbridge --format '')" text json csv jsonl md html sarif
  expect "global option under a command" "$(comp csbridge map check --format s)" sarif
  expect "--format=" "$(comp csbridge --format = j)" json jsonl
  expect "--format= (empty)" "$(comp csbridge --format =)" sarif
  expect "options of a command and the global ones" "$(comp csbridge map check --)" --no-data --format --config --output --help
  refuse "options of another command" "$(comp csbridge map check --)" --dry-run --version
  expect "options where nothing else fits" "$(comp csbridge migrate '')" --dry-run --entities --resume
  expect "a FILE option" "$(comp csbridge -c cs)" csbridge.yaml
  expect "a FILE positional" "$(comp csbridge map check ma)" mappings
  expect "a FILE positional (file)" "$(comp csbridge map check mappings/)" mappings/ticket.yaml
  expect "a DIR option" "$(comp csbridge map suggest -o '')" mappings out-dir
  refuse "a DIR option" "$(comp csbridge map suggest -o '')" csbridge.yaml
  expect "a DIR positional" "$(comp csbridge init o)" out-dir
  refuse "free text (a connection)" "$(comp csbridge map suggest --source '')" csbridge.yaml suggest
  expect "-o is --out-dir under map suggest, --output elsewhere" "$(comp csbridge map check -o cs)" csbridge.yaml
  n=0
  while read -r path; do
    words=(csbridge $path)
    last=${words[-1]}
    got=$(comp "${words[@]:0:${#words[@]}-1}" "${last:0:2}")
    grep -qxF -- "$last" <<<"$got" || { echo "FAIL csbridge $path: '${last:0:2}' does not complete to $last"; fail=1; }
    n=$((n + 1))
  done < <(command_paths "")
  echo "ok   every command of --help completes ($n)"
  ;;

zsh)
  command -v zsh >/dev/null || { echo "skipped: no zsh"; exit 77; }
  # zsh's completion system, replaced by functions that print what they are given:
  # _describe's entries ("name:description"), compadd's words, "_files ARGS", "compset ARGS".
  zcomp() {
    zsh -f -c '
      fpath=("$1" $fpath); shift
      _describe() { local a=${@[-1]}; print -rl -- ${(P)a} }
      compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }
      _files() { print -r -- "_files $*" }
      compset() { print -r -- "compset $*" }
      _message() { print -r -- "_message" }
      autoload -Uz _csbridge
      words=("$@"); CURRENT=$#
      _csbridge' zsh "$BUILD/doc" "$@" 2>&1
  }
  got=$(zsh -n "$BUILD/doc/_csbridge" 2>&1) || { echo "FAIL zsh -n: $got"; fail=1; }
  [ "$(head -n1 "$BUILD/doc/_csbridge")" = "#compdef csbridge" ] || { echo "FAIL no #compdef line"; fail=1; }
  got=$(zcomp csbridge '' | cut -d: -f1)
  expect "commands" "$got" init assess map migrate runs schema source validate
  grep -q '^map:Map legacy schemas' <<<"$(zcomp csbridge '')" && echo "ok   commands are described" ||
    { echo "FAIL commands without their description"; fail=1; }
  expect "subcommands" "$(zcomp csbridge map '' | cut -d: -f1)" suggest check preview
  expect "after options" "$(zcomp csbridge -q -c x.yaml schema '' | cut -d: -f1)" show ddl apply
  expect "entities" "$(zcomp csbridge map preview '')" ticket customer ticket_message
  expect "listed words" "$(zcomp csbridge schema ddl --dialect '')" postgres sqlite
  expect "a comma list" "$(zcomp csbridge migrate --entities 'ticket,')" "compset -P *," ticket customer
  expect "--format=" "$(zcomp csbridge --format=j)" "compset -P *=" sarif json
  expect "options" "$(zcomp csbridge map check - | cut -d: -f1)" --no-data --format --config
  expect "a FILE option" "$(zcomp csbridge -c '')" "_files "
  expect "a DIR option" "$(zcomp csbridge map suggest -o '')" "_files -/"
  expect "a FILE positional" "$(zcomp csbridge assess api '')" "_files "
  n=0
  while read -r path; do
    words=(csbridge $path)
    got=$(zcomp "${words[@]:0:${#words[@]}-1}" '' | cut -d: -f1)
    grep -qxF -- "${words[-1]}" <<<"$got" || { echo "FAIL csbridge $path is not offered"; fail=1; }
    n=$((n + 1))
  done < <(command_paths "")
  echo "ok   every command of --help is offered ($n)"
  ;;

man)
  page=$BUILD/doc/csbridge.1
  warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -z "$warnings" ] && echo "ok   groff: no warnings" || { echo "FAIL groff warnings:"; echo "$warnings"; fail=1; }
  LC_ALL=C.UTF-8 MANWIDTH=160 man -l "$page" 2>/dev/null | col -b >man.txt
  for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT CODES" "THE FIRST HOUR OF A PROJECT" FILES \
                 ENVIRONMENT "SEE ALSO"; do
    grep -qx "$section" man.txt || { echo "FAIL no section $section"; fail=1; }
  done
  n=0
  while read -r path; do
    grep -qF "csbridge $path" man.txt || { echo "FAIL the page lacks csbridge $path"; fail=1; }
    n=$((n + 1))
  done < <(command_paths "")
  echo "ok   every command of --help is on the page ($n)"
  # Each command's options, as its --help lists them.
  while read -r path; do
    for opt in $("$CSBRIDGE" $path --help | grep -oE '^  (-[a-z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'); do
      grep -qF -- "$opt" man.txt || { echo "FAIL the page lacks $opt of csbridge $path"; fail=1; }
    done
  done < <(command_paths "")
  echo "ok   every option of every --help is on the page"
  grep -qF "$("$CSBRIDGE" --version)" man.txt || { echo "FAIL no version on the page"; fail=1; }
  ;;
*)
  echo "usage: run_test.sh CSBRIDGE BUILD bash|zsh|man" >&2
  exit 2
  ;;
esac
exit $fail
