#include "docs/command_spec.h"

#include <algorithm>

#include "util/strings.h"

namespace csbridge::docs {
namespace {

bool is_choice_word(const std::string& w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

// "a|b|c" → {a, b, c} when every part is a lower-case word; else empty.
std::vector<std::string> choices_of(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : text + separator) {
    if (c != separator) {
      part += c;
      continue;
    }
    if (!is_choice_word(part)) return {};
    parts.push_back(part);
    part.clear();
  }
  return parts.size() >= 2 ? parts : std::vector<std::string>{};
}

void walk(const CommandSpec& c, const std::string& path, std::vector<CommandPath>& out) {
  out.push_back({path, &c});
  for (const CommandSpec& sub : c.subcommands) walk(sub, path.empty() ? sub.name : path + " " + sub.name, out);
}

}  // namespace

void classify(ArgSpec& arg, const std::string& type_name, char delimiter) {
  // CLI11 appends each validator's description after a ':' ("TEXT:{warn,error}", "FLOAT:FLOAT in [0 - 100]").
  std::string base = type_name, validator;
  if (size_t colon = type_name.find(':'); colon != std::string::npos) {
    base = type_name.substr(0, colon);
    validator = type_name.substr(colon + 1);
  }
  arg.comma_list = delimiter == ',';
  arg.value_name = base;
  arg.choices.clear();
  if (base.empty()) {
    arg.kind = ValueKind::kNone;
  } else if (base == "FILE") {
    arg.kind = ValueKind::kFile;
  } else if (base == "DIR") {
    arg.kind = ValueKind::kDir;
  } else if (base == "ENTITY") {
    arg.kind = ValueKind::kEntity;
  } else if (auto words = choices_of(base, '|'); !words.empty()) {
    arg.kind = ValueKind::kChoice;
    arg.choices = words;
  } else if (validator.size() > 2 && validator.front() == '{' && validator.back() == '}' &&
             !(words = choices_of(validator.substr(1, validator.size() - 2), ',')).empty()) {
    arg.kind = ValueKind::kChoice;
    arg.choices = words;
    arg.value_name = util::join(words, "|");
  } else {
    arg.kind = ValueKind::kText;
  }
}

std::vector<CommandPath> command_paths(const CommandSpec& root) {
  std::vector<CommandPath> out;
  walk(root, "", out);
  return out;
}

std::string value_label(const ArgSpec& arg) {
  if (arg.value_name.empty()) return "";
  std::string label = arg.value_name;
  if (arg.comma_list) return label + ",…";
  if (arg.many) return label + "…";
  return label;
}

}  // namespace csbridge::docs
