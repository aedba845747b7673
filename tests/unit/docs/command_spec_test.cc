#include "docs/command_spec.h"

#include <doctest/doctest.h>

namespace csbridge::docs {

TEST_CASE("command spec: a value's kind comes from the type name --help shows") {
  ArgSpec a;
  classify(a, "FILE", '\0');
  CHECK(a.kind == ValueKind::kFile);
  classify(a, "DIR", '\0');
  CHECK(a.kind == ValueKind::kDir);
  classify(a, "ENTITY", ',');
  CHECK(a.kind == ValueKind::kEntity);
  CHECK(a.comma_list);
  classify(a, "postgres|sqlite", '\0');
  CHECK(a.kind == ValueKind::kChoice);
  CHECK(a.choices == std::vector<std::string>{"postgres", "sqlite"});
  CHECK_FALSE(a.comma_list);
  classify(a, "", '\0');
  CHECK(a.kind == ValueKind::kNone);
}

TEST_CASE("command spec: upper-case alternatives are free text, a validator's member list is choices") {
  ArgSpec a;
  classify(a, "CONN|NAME", '\0');
  CHECK(a.kind == ValueKind::kText);
  CHECK(a.value_name == "CONN|NAME");
  classify(a, "TEXT:{warn,error}", '\0');
  CHECK(a.kind == ValueKind::kChoice);
  CHECK(a.choices == std::vector<std::string>{"warn", "error"});
  CHECK(a.value_name == "warn|error");
  classify(a, "FLOAT:FLOAT in [0 - 100]", '\0');
  CHECK(a.kind == ValueKind::kText);
  CHECK(a.value_name == "FLOAT");
}

TEST_CASE("command spec: command paths walk the tree, root first") {
  CommandSpec root{"tool", "", "", {}, {}, {}};
  CommandSpec map{"map", "", "", {}, {}, {}};
  map.subcommands.push_back({"check", "", "", {}, {}, {}});
  root.subcommands.push_back(map);
  root.subcommands.push_back({"runs", "", "", {}, {}, {}});
  std::vector<std::string> paths;
  for (const auto& p : command_paths(root)) paths.push_back(p.path);
  CHECK(paths == std::vector<std::string>{"", "map", "map check", "runs"});
}

TEST_CASE("command spec: value labels say lists") {
  ArgSpec a;
  classify(a, "ENTITY", ',');
  CHECK(value_label(a) == "ENTITY,…");
  classify(a, "FILE", '\0');
  a.many = true;
  CHECK(value_label(a) == "FILE…");
}

}  // namespace csbridge::docs
