#include "docs/completion.h"

#include <doctest/doctest.h>

namespace csbridge::docs {
namespace {

CommandSpec tool() {
  CommandSpec root{"tool", "The tool", "", {}, {}, {}};
  ArgSpec config;
  config.names = {"--config", "-c"};
  classify(config, "FILE", '\0');
  root.options.push_back(config);
  CommandSpec show{"show", "Show an entity. More text", "", {}, {}, {}};
  ArgSpec entity;
  entity.name = "entity";
  classify(entity, "ENTITY", '\0');
  show.positionals.push_back(entity);
  ArgSpec dialect;
  dialect.names = {"--dialect"};
  classify(dialect, "postgres|sqlite", ',');
  show.options.push_back(dialect);
  root.subcommands.push_back(show);
  return root;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("completion: bash data says what each command offers") {
  std::string s = bash_completion(tool(), {"ticket", "customer"});
  CHECK(has(s, "_csbridge_entities='ticket customer'"));
  CHECK(has(s, "    '') echo 'show' ;;"));
  CHECK(has(s, "    'show') echo '--dialect --config -c' ;;"));  // its own options, then the global ones
  CHECK(has(s, "    'show|--dialect') echo 'list choice postgres sqlite' ;;"));
  CHECK(has(s, "    '|--config'|'|-c') echo 'file' ;;"));
  CHECK(has(s, "    'show') echo 'entity' ;;"));
  CHECK(has(s, "complete -F _csbridge tool"));
  CHECK_FALSE(has(s, "_csbridge_command_help"));
}

TEST_CASE("completion: zsh gets descriptions, the first clause of the help") {
  std::string s = zsh_completion(tool(), {"ticket"});
  CHECK(s.rfind("#compdef tool\n", 0) == 0);
  CHECK(has(s, "    '') print -rl -- 'show:Show an entity' ;;"));
  CHECK(has(s, "_csbridge_main \"$@\""));
}

TEST_CASE("completion: shell quoting survives quotes") {
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
}

}  // namespace csbridge::docs
