// The command reference as data: every command, its options and arguments with their help
// text, as tools/ reads them from its command table. The man page and the shell completions
// are generated from it (man_page.h, completion.h), so they say what --help says.
#pragma once

#include <string>
#include <vector>

namespace csbridge::docs {

// What a value is, for completion: a file, a folder, a CS entity name, one of a few words.
enum class ValueKind { kNone, kText, kFile, kDir, kEntity, kChoice };

// An option (names set) or a positional argument (names empty).
struct ArgSpec {
  std::vector<std::string> names;  // "-c", "--config"
  std::string name;                // a positional's name: "entity", "files"
  std::string value_name;          // as --help shows it: "FILE", "postgres|sqlite"; "" for a flag
  std::string help;
  bool required = false;
  bool many = false;        // repeatable, or takes several values
  bool comma_list = false;  // several values in one word, joined by ',' (--entities a,b)
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;  // kChoice
};

struct CommandSpec {
  std::string name;  // the program's name at the root ("csbridge")
  std::string help;
  std::string footer;  // --help's text after the options
  std::vector<ArgSpec> options;
  std::vector<ArgSpec> positionals;
  std::vector<CommandSpec> subcommands;
};

// The kind of a value from the type name --help shows for it, as the command table writes them:
// FILE (a file or folder), DIR, ENTITY, `a|b|c` (one of these words); a validator's
// member list (`TEXT:{warn,error}`) counts as choices; anything else is free text.
// `delimiter` is the option's value separator (',' for comma lists).
void classify(ArgSpec& arg, const std::string& type_name, char delimiter);

// "csbridge", "csbridge map", "csbridge map check": every command with its path, root first.
struct CommandPath {
  std::string path;  // words after the program name, space-separated ("" for the root)
  const CommandSpec* command;
};
std::vector<CommandPath> command_paths(const CommandSpec& root);

// The value word of an argument as --help shows it: "FILE", "FILE…", "a|b".
std::string value_label(const ArgSpec& arg);

}  // namespace csbridge::docs
