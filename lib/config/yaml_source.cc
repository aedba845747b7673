#include "config/yaml_source.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "connector/connection_string.h"

namespace csbridge::config {
namespace {

// Nesting depth of YAML text, estimated without parsing: block indentation
// levels plus "- " sequence markers plus open flow brackets. Returns the
// (1-based) line and column where kMaxYamlDepth is first exceeded, or line 0.
std::pair<int, int> find_excess_depth(std::string_view text) {
  std::vector<size_t> indents;
  int flow = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    size_t indent = line.find_first_not_of(' ');
    bool blank = indent == std::string_view::npos || line[indent] == '#' || line[indent] == '\r';
    if (!blank && flow == 0) {
      while (!indents.empty() && indents.back() > indent) indents.pop_back();
      if (indents.empty() || indents.back() < indent) indents.push_back(indent);
    }
    int dashes = 0;
    char quote = 0;
    for (size_t i = blank ? line.size() : indent; i < line.size(); ++i) {
      char c = line[i];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ')) break;
      if (c == '"' || c == '\'') quote = c;
      else if (c == '[' || c == '{') ++flow;
      else if (c == ']' || c == '}') flow = flow > 0 ? flow - 1 : 0;
      else if (c == '-' && flow == 0 && i + 1 < line.size() && line[i + 1] == ' ' &&
               line.find_first_not_of("- ", indent) >= i) {
        ++dashes;
      }
      if (static_cast<int>(indents.size()) + dashes + flow > kMaxYamlDepth) {
        return {line_no, static_cast<int>(i) + 1};
      }
    }
    if (static_cast<int>(indents.size()) + dashes > kMaxYamlDepth) return {line_no, static_cast<int>(indent) + 1};
    pos = end + 1;
  }
  return {0, 0};
}

// Column (0-based) in `shown`, the redacted `line`, of what is at `col` in
// `line`: moved by the redactions before it, at the start of a redaction
// that covers it.
size_t redacted_column(std::string_view line, std::string_view shown, size_t col) {
  size_t same_head = 0;
  while (same_head < line.size() && same_head < shown.size() && line[same_head] == shown[same_head]) ++same_head;
  if (col <= same_head) return col;
  size_t same_tail = 0;
  while (same_tail < line.size() - same_head && same_tail < shown.size() - same_head &&
         line[line.size() - 1 - same_tail] == shown[shown.size() - 1 - same_tail]) {
    ++same_tail;
  }
  if (col >= line.size() - same_tail) return col - line.size() + shown.size();
  return same_head;
}

Status too_large(const std::string& file, uintmax_t size) {
  return config_error(file + ": file is " + std::to_string(size) + " bytes, more than the " +
                      std::to_string(kMaxYamlBytes >> 20) + " MiB accepted for YAML");
}

}  // namespace

std::string format_location(const std::string& file, std::string_view text, int line, int col,
                            std::string_view message) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (line > 0 && col > 0) out += ":" + std::to_string(col);
  out += ": ";
  out += message;
  if (line <= 0) return out;
  size_t pos = 0;
  for (int i = 1; i < line && pos != std::string_view::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  if (pos == std::string_view::npos || pos >= text.size()) return out;
  size_t end = text.find('\n', pos);
  std::string_view src = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  if (!src.empty() && src.back() == '\r') src.remove_suffix(1);
  constexpr size_t kMaxShown = 200;
  if (src.size() > kMaxShown) return out;
  // The line may hold a connection string: its password is never shown.
  std::string shown = connector::redact_secrets(src);
  out += "\n    ";
  out += shown;
  if (col > 0) out += "\n    " + std::string(redacted_column(src, shown, static_cast<size_t>(col - 1)), ' ') + "^";
  return out;
}

int line_of(const YAML::Node& node) {
  return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

Status error_at(const YamlDocument& doc, const YAML::Node& node, std::string_view message) {
  int line = 0, col = 0;
  if (node.IsDefined() && node.Mark().line >= 0) {
    line = node.Mark().line + 1;
    col = node.Mark().column + 1;
  }
  return config_error(format_location(doc.file, doc.text, line, col, message));
}

Result<YamlDocument> parse_yaml(std::string text, std::string file_name) {
  YamlDocument doc{std::move(file_name), std::move(text), {}};
  if (doc.text.size() > kMaxYamlBytes) {
    return too_large(doc.file, doc.text.size());
  }
  auto [line, col] = find_excess_depth(doc.text);
  if (line > 0) {
    return config_error(format_location(doc.file, doc.text, line, col,
                                        "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels"));
  }
  try {
    doc.root = YAML::Load(doc.text);
  } catch (const YAML::Exception& e) {
    return config_error(format_location(doc.file, doc.text, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return doc;
}

Result<YamlDocument> load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(path + ": cannot read the file");
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxYamlBytes) {  // refuse before reading it all
    return too_large(path, size);
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_yaml(buf.str(), path);
}

}  // namespace csbridge::config
