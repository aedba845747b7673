#include "docs/completion.h"

#include <algorithm>

#include "util/strings.h"

namespace csbridge::docs {
namespace {

// The walk both shells share: it reads the words before the cursor, follows subcommands, skips
// option values, and asks the data functions below it what the word at the cursor may be.
// Data functions (generated): _csbridge_commands PATH, _csbridge_options PATH,
// _csbridge_value PATH OPTION (file, dir, entity, text, "choice a b", "list KIND"; nothing
// for a flag), _csbridge_positional PATH; PATH is the subcommand words ("map check").
constexpr const char* kBashMain = R"SH(
# The value kind of OPTION at PATH: its own, else the global option's (they apply at every level).
_csbridge_value() {
  local v
  v=$(_csbridge_value_at "$1" "$2")
  [[ -z $v && -n $1 ]] && v=$(_csbridge_value_at '' "$2")
  echo "$v"
}

_csbridge_complete() {  # KIND CUR: fill COMPREPLY with the values of KIND
  local kind=$1 cur=$2 head=''
  if [[ $kind == 'list '* ]]; then
    kind=${kind#list }
    if [[ $cur == *,* ]]; then head=${cur%,*},; cur=${cur##*,}; fi
  fi
  case $kind in
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    entity) mapfile -t COMPREPLY < <(compgen -P "$head" -W "$_csbridge_entities" -- "$cur") ;;
    'choice '*) mapfile -t COMPREPLY < <(compgen -P "$head" -W "${kind#choice }" -- "$cur") ;;
  esac
}

_csbridge() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmdpath='' word opt='' kind subs
  local -i i=1
  COMPREPLY=()
  # bash splits "--format=json" into "--format" "=" "json"
  if [[ $cur == '=' ]]; then
    opt=${COMP_WORDS[COMP_CWORD-1]}; cur=''
  elif (( COMP_CWORD > 2 )) && [[ ${COMP_WORDS[COMP_CWORD-1]} == '=' ]]; then
    opt=${COMP_WORDS[COMP_CWORD-2]}
  fi
  while (( i < COMP_CWORD )); do
    word=${COMP_WORDS[i]}
    if [[ ${COMP_WORDS[i+1]:-} == '=' ]]; then
      i+=3
      continue
    fi
    if [[ $word == -* ]]; then
      if [[ $word != *=* && -n $(_csbridge_value "$cmdpath" "$word") ]]; then
        (( i + 1 == COMP_CWORD )) && opt=$word
        i+=1
      fi
    elif [[ " $(_csbridge_commands "$cmdpath") " == *" $word "* ]]; then
      cmdpath=${cmdpath:+$cmdpath }$word
    fi
    i+=1
  done
  if [[ -n $opt ]]; then
    _csbridge_complete "$(_csbridge_value "$cmdpath" "$opt")" "$cur"
    return 0
  fi
  subs=$(_csbridge_commands "$cmdpath")
  kind=$(_csbridge_positional "$cmdpath")
  if [[ $cur == -* || ( -z $subs && -z $kind ) ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_csbridge_options "$cmdpath")" -- "$cur")
  elif [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
  else
    _csbridge_complete "$kind" "$cur"
  fi
  return 0
}
)SH";

constexpr const char* kZshMain = R"SH(
_csbridge_value() {
  local v
  v=$(_csbridge_value_at "$1" "$2")
  [[ -z $v && -n $1 ]] && v=$(_csbridge_value_at '' "$2")
  print -r -- "$v"
}

_csbridge_complete() {  # KIND
  local kind=$1
  if [[ $kind == 'list '* ]]; then
    kind=${kind#list }
    compset -P '*,'
  fi
  case $kind in
    file) _files ;;
    dir) _files -/ ;;
    entity) compadd -- ${=_csbridge_entities} ;;
    'choice '*) compadd -- ${=${kind#choice }} ;;
    *) _message -e values 'value' ;;
  esac
}

_csbridge_main() {
  local cur=${words[CURRENT]} cmdpath='' word opt='' kind
  local -i i=2
  local -a described
  if [[ $cur == -*=* ]]; then
    opt=${cur%%=*}
    compset -P '*='
  fi
  while (( i < CURRENT )); do
    word=${words[i]}
    if [[ $word == -* ]]; then
      if [[ $word != *=* && -n $(_csbridge_value "$cmdpath" "$word") ]]; then
        (( i + 1 == CURRENT )) && opt=$word
        (( i += 1 ))
      fi
    elif [[ " $(_csbridge_commands "$cmdpath") " == *" $word "* ]]; then
      cmdpath=${cmdpath:+$cmdpath }$word
    fi
    (( i += 1 ))
  done
  if [[ -n $opt ]]; then
    _csbridge_complete "$(_csbridge_value "$cmdpath" "$opt")"
    return
  fi
  kind=$(_csbridge_positional "$cmdpath")
  described=(${(f)"$(_csbridge_command_help "$cmdpath")"})
  if [[ $cur == -* || ( $#described -eq 0 && -z $kind ) ]]; then
    described=(${(f)"$(_csbridge_option_help "$cmdpath")"})
    _describe -t options option described
  elif (( $#described )); then
    _describe -t commands command described
  else
    _csbridge_complete "$kind"
  fi
}

_csbridge_main "$@"
)SH";

std::string kind_word(const ArgSpec& a) {
  std::string k;
  switch (a.kind) {
    case ValueKind::kNone: return "";
    case ValueKind::kText: k = "text"; break;
    case ValueKind::kFile: k = "file"; break;
    case ValueKind::kDir: k = "dir"; break;
    case ValueKind::kEntity: k = "entity"; break;
    case ValueKind::kChoice: k = "choice " + util::join(a.choices, " "); break;
  }
  return a.comma_list ? "list " + k : k;
}

// The first clause of a help text, for zsh's descriptions.
std::string summary(const std::string& help) {
  std::string s = help;
  for (const char* end : {". ", "; ", ": ", "\n"}) {
    if (size_t at = s.find(end); at != std::string::npos) s = s.substr(0, at);
  }
  return util::ellipsize(s, 72);
}

// The options offered at a command: its own, then the global ones (every level takes them).
std::vector<const ArgSpec*> offered(const CommandSpec& root, const CommandSpec& c) {
  std::vector<const ArgSpec*> out;
  for (const ArgSpec& a : c.options) out.push_back(&a);
  if (&c == &root) return out;
  for (const ArgSpec& a : root.options) {
    bool skip = false;  // the command's own help, and a name the command gives its own option (-o)
    for (const auto& n : a.names) {
      skip |= n == "--help" || n == "--version";
      for (const ArgSpec& own : c.options) skip |= std::find(own.names.begin(), own.names.end(), n) != own.names.end();
    }
    if (!skip) out.push_back(&a);
  }
  return out;
}

std::string case_line(const std::string& pattern, const std::string& body) {
  return "    " + pattern + ") " + body + " ;;\n";
}

// The data functions: what each command offers, generated from the command reference.
std::string data_functions(const CommandSpec& root, const std::vector<std::string>& entities, bool zsh) {
  std::string commands, options, values, positionals, command_help, option_help;
  for (const CommandPath& p : command_paths(root)) {
    const CommandSpec& c = *p.command;
    const std::string at = shell_quote(p.path);
    if (!c.subcommands.empty()) {
      std::vector<std::string> names, described;
      for (const CommandSpec& s : c.subcommands) {
        names.push_back(s.name);
        described.push_back(shell_quote(s.name + ":" + summary(s.help)));
      }
      commands += case_line(at, "echo " + shell_quote(util::join(names, " ")));
      command_help += case_line(at, "print -rl -- " + util::join(described, " "));
    }
    std::vector<std::string> names, described;
    for (const ArgSpec* a : offered(root, c)) {
      for (const auto& n : a->names) {
        names.push_back(n);
        described.push_back(shell_quote(n + ":" + summary(a->help)));
      }
    }
    options += case_line(at, "echo " + shell_quote(util::join(names, " ")));
    option_help += case_line(at, "print -rl -- " + util::join(described, " "));
    for (const ArgSpec& a : c.options) {
      std::string kind = kind_word(a);
      if (kind.empty()) continue;
      std::vector<std::string> patterns;
      for (const auto& n : a.names) patterns.push_back(shell_quote(p.path + "|" + n));
      values += case_line(util::join(patterns, "|"), "echo " + shell_quote(kind));
    }
    if (!c.positionals.empty() && !kind_word(c.positionals.front()).empty()) {
      positionals += case_line(at, "echo " + shell_quote(kind_word(c.positionals.front())));
    }
  }
  auto function = [](const std::string& name, const std::string& subject, const std::string& cases) {
    return name + "() {\n  case \"" + subject + "\" in\n" + cases + "  esac\n}\n\n";
  };
  std::string out = "_csbridge_entities=" + shell_quote(util::join(entities, " ")) + "\n\n";
  out += function("_csbridge_commands", "$1", commands);
  out += function("_csbridge_options", "$1", options);
  out += function("_csbridge_value_at", "$1|$2", values);
  out += function("_csbridge_positional", "$1", positionals);
  if (zsh) {
    out += function("_csbridge_command_help", "$1", command_help);
    out += function("_csbridge_option_help", "$1", option_help);
  }
  return out;
}

}  // namespace

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string bash_completion(const CommandSpec& root, const std::vector<std::string>& entities) {
  return "# bash completion for " + root.name +
         " (subcommands, options, values), generated from its command table; do not edit.\n"
         "# Installed as .../bash-completion/completions/" + root.name + "; or `source` this file.\n\n" +
         data_functions(root, entities, false) + std::string(kBashMain).substr(1) + "\ncomplete -F _csbridge " +
         root.name + "\n";
}

std::string zsh_completion(const CommandSpec& root, const std::vector<std::string>& entities) {
  return "#compdef " + root.name + "\n# zsh completion for " + root.name +
         " (subcommands, options, values), generated from its command table; do not edit.\n"
         "# Installed as .../zsh/vendor-completions/_" + root.name + " (a folder on $fpath).\n\n" +
         data_functions(root, entities, true) + std::string(kZshMain).substr(1);
}

}  // namespace csbridge::docs
