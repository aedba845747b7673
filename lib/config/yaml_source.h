// YAML documents that remember where they came from, so that every error can
// say `file:line:col: message` with the offending line and a caret. Shared by
// the project config, the CS model and (later) mapping files.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "util/status.h"

namespace csbridge::config {

// yaml-cpp recurses once per nesting level and has had fuzz-found stack
// overflows on deep input: anything beyond these is refused before parsing.
constexpr size_t kMaxYamlBytes = 16u << 20;
constexpr int kMaxYamlDepth = 64;

struct YamlDocument {
  std::string file;  // as the user named it
  std::string text;
  YAML::Node root;
};

// Reads and parses `path`. Errors (kConfig): unreadable file, too large, too
// deep, syntax error — each as "file:line:col: message" plus the line and a caret.
Result<YamlDocument> load_yaml_file(const std::string& path);
Result<YamlDocument> parse_yaml(std::string text, std::string file_name);

// "file:line:col: message" followed by the source line and a caret under col.
// `line`/`col` are 1-based; 0 leaves them out. Passwords of connection strings
// on the shown line are replaced by "***" (connector::redact_secrets), the
// caret moved with what it points at.
std::string format_location(const std::string& file, std::string_view text, int line, int col,
                            std::string_view message);

// A kConfig Status located at `node` (or at the document start if it has no mark).
Status error_at(const YamlDocument& doc, const YAML::Node& node, std::string_view message);

// 1-based line of `node` (0 when unknown).
int line_of(const YAML::Node& node);

}  // namespace csbridge::config
