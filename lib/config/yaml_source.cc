#include "config/yaml_source.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "connector/connection_string.h"
#include "util/encoding.h"

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

// A YAML construct that spans lines: a flow collection or a quoted scalar.
struct Construct {
  const char* what = nullptr;  // "flow sequence", "flow mapping", "quoted scalar"; nullptr: none
  bool quote = false;
  int line = 0, col = 0;       // 1-based, where it began
  int end_line = 0;            // where it closed (0: open)
};

// What the YAML text up to byte `end` leaves open: the innermost flow
// collection or quoted scalar begun before `end` and not closed by it, so that
// an error yaml-cpp reports where it gave up (often the end of the file) can
// also name where the unclosed construct began, as libyaml does. `closed` is
// set to the last quoted scalar that closed on a later line than it began
// (a missing quote pairs with the next one). A scan of the surface syntax, not
// a parser: comments, block scalars (| and >), anchors and tags are skipped.
class ConstructScanner {
 public:
  explicit ConstructScanner(std::string_view text) : text_(text) {}

  Construct open_at(size_t end, Construct* closed) {
    end = std::min(end, text_.size());
    while (pos_ < end) step();
    if (closed != nullptr) *closed = closed_;
    if (quote_.what != nullptr) return quote_;
    return flow_.empty() ? Construct{} : flow_.back();
  }

 private:
  Construct here(const char* what, bool quote) const {
    return {what, quote, line_, static_cast<int>(pos_ - line_start_) + 1, 0};
  }
  bool space_at(size_t i) const { return i >= text_.size() || text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r'; }

  void newline() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
    if (quote_.what == nullptr && flow_.empty()) value_start_ = true;
    if (block_indent_ >= 0) skip_block_scalar();
  }

  // The lines of a block scalar: blank or indented more than the line that introduced it.
  void skip_block_scalar() {
    while (pos_ < text_.size()) {
      size_t eol = text_.find('\n', pos_);
      std::string_view line = text_.substr(pos_, eol == std::string_view::npos ? std::string_view::npos : eol - pos_);
      size_t indent = line.find_first_not_of(' ');
      bool blank = indent == std::string_view::npos || line[indent] == '\r';
      if (!blank && static_cast<int>(indent) <= block_indent_) break;
      if (eol == std::string_view::npos) {
        pos_ = text_.size();
        break;
      }
      pos_ = eol + 1;
      ++line_;
      line_start_ = pos_;
    }
    block_indent_ = -1;
  }

  void step_quoted(char c) {
    if (c == '\n') return newline();
    if (quote_char_ == '"' && c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n') {
      pos_ += 2;  // an escaped character (an escaped line break is left to newline())
      return;
    }
    if (c == quote_char_) {
      if (quote_char_ == '\'' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\'') {
        pos_ += 2;
        return;
      }
      if (line_ > quote_.line) {
        closed_ = quote_;
        closed_.end_line = line_;
      }
      quote_ = {};
      value_start_ = false;
    }
    ++pos_;
  }

  void step() {
    const char c = text_[pos_];
    if (quote_.what != nullptr) return step_quoted(c);
    if (c == '\n') return newline();
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
      return;
    }
    if (c == '#' && (pos_ == line_start_ || space_at(pos_ - 1))) {
      size_t eol = text_.find('\n', pos_);
      pos_ = eol == std::string_view::npos ? text_.size() : eol;
      return;
    }
    const bool in_flow = !flow_.empty();
    if (value_start_ && (c == '"' || c == '\'')) {
      quote_ = here("quoted scalar", true);
      quote_char_ = c;
      ++pos_;
      return;
    }
    if (value_start_ && (c == '[' || c == '{')) {
      flow_.push_back(here(c == '[' ? "flow sequence" : "flow mapping", false));
      ++pos_;
      return;
    }
    if (in_flow && (c == ']' || c == '}')) {
      flow_.pop_back();
      value_start_ = false;
      ++pos_;
      return;
    }
    if (value_start_ && (c == '|' || c == '>') && !in_flow) {
      size_t indent = text_.substr(line_start_).find_first_not_of(" -");
      block_indent_ = static_cast<int>(std::min(indent, text_.substr(line_start_).find_first_not_of(' ')));
      size_t eol = text_.find('\n', pos_);
      pos_ = eol == std::string_view::npos ? text_.size() : eol;
      return;
    }
    if (value_start_ && (c == '&' || c == '!' || c == '*')) {  // an anchor, tag or alias: a token, then the value
      while (pos_ < text_.size() && !space_at(pos_) && !(in_flow && (text_[pos_] == ',' || text_[pos_] == ']' || text_[pos_] == '}'))) ++pos_;
      value_start_ = c != '*';
      return;
    }
    if ((c == '-' || c == '?' || c == ':') && space_at(pos_ + 1)) value_start_ = true;
    else if (in_flow && (c == ',' || (c == ':' && pos_ + 1 < text_.size() && std::strchr(",[]{}", text_[pos_ + 1])))) value_start_ = true;
    else value_start_ = false;
    ++pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  bool value_start_ = true;
  int block_indent_ = -1;
  char quote_char_ = 0;
  Construct quote_;
  Construct closed_;
  std::vector<Construct> flow_;
};

// The message of a yaml-cpp syntax error at `mark`, naming where an unclosed
// construct began when that was on an earlier line (as libyaml does: "while
// parsing a flow sequence started at line 3, column 11"), then that line
// located on its own, so that an editor jumps to it.
Status syntax_error(const YamlDocument& doc, const YAML::Mark& mark, const std::string& message) {
  const int line = mark.line + 1, col = mark.column + 1;
  Construct closed;
  ConstructScanner scanner(doc.text);
  Construct open = scanner.open_at(mark.pos >= 0 ? static_cast<size_t>(mark.pos) : doc.text.size(), &closed);
  auto at = [](const Construct& c) { return "line " + std::to_string(c.line) + ", column " + std::to_string(c.col); };
  std::string why = message, where;
  if (open.what != nullptr && open.line < line) {
    why += std::string(", while ") + (open.quote ? "scanning" : "parsing") + " a " + open.what + " started at " + at(open);
    where = format_location(doc.file, doc.text, open.line, open.col, std::string("the ") + open.what + " begins here");
  } else if (open.what == nullptr && closed.what != nullptr && closed.end_line == line && closed.line < line) {
    why += ", after a quoted scalar that started at " + at(closed) + " and ends on this line (is a quote missing?)";
    where = format_location(doc.file, doc.text, closed.line, closed.col, "the quoted scalar begins here");
  }
  std::string out = format_location(doc.file, doc.text, line, col, why);
  if (!where.empty()) out += "\n" + where;
  return config_error(std::move(out));
}

// Whether a scalar of `node` (visiting at most `budget` nodes) begins at 0-based `line`/`col`.
// The text nests at most kMaxYamlDepth deep (checked before parsing), so a path deeper than
// that runs through an alias: the scalar it would reach is also reached where its anchor is,
// and an alias inside its own anchor (`a: &x [*x]`) is a cycle that would never end.
bool scalar_at(const YAML::Node& node, int line, int col, int& budget, int depth = 0) {
  if (--budget < 0 || depth > kMaxYamlDepth + 1) return false;
  if (node.IsScalar()) return node.Mark().line == line && node.Mark().column == col;
  if (node.IsSequence()) {
    for (const YAML::Node& child : node) {
      if (scalar_at(child, line, col, budget, depth + 1)) return true;
    }
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      if (scalar_at(kv.first, line, col, budget, depth + 1) || scalar_at(kv.second, line, col, budget, depth + 1)) {
        return true;
      }
    }
  }
  return false;
}

// yaml-cpp accepts a quoted scalar that the end of the file closes ("a: "x" and
// the rest of the file become one string): an error at its opening quote.
Status unclosed_quote_at_end(const YamlDocument& doc) {
  ConstructScanner scanner(doc.text);
  Construct open = scanner.open_at(doc.text.size(), nullptr);
  if (!open.quote) return Status::ok();
  int budget = 100000;
  if (!scalar_at(doc.root, open.line - 1, open.col - 1, budget)) return Status::ok();
  return config_error(format_location(doc.file, doc.text, open.line, open.col,
                                      "quoted scalar not closed: its quote runs to the end of the file"));
}

// 1-based line and (byte) column of `offset` in `text`.
std::pair<int, int> line_and_column(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(line_start), '\n'));
  return {line, static_cast<int>(offset - line_start) + 1};
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
  size_t caret = col > 0 ? redacted_column(src, shown, static_cast<size_t>(col - 1)) : 0;
  if (util::find_invalid_utf8(shown) != std::string::npos) {
    // Bytes that are not UTF-8 are shown as \xNN (four columns each), the caret moved with them.
    caret = util::escape_invalid_utf8(std::string_view(shown).substr(0, std::min(caret, shown.size()))).size();
    shown = util::escape_invalid_utf8(shown);
  }
  out += "\n    ";
  out += shown;
  if (col > 0) out += "\n    " + std::string(caret, ' ') + "^";
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
  if (size_t bad = util::find_invalid_utf8(doc.text); bad != std::string::npos) {
    auto [bad_line, bad_col] = line_and_column(doc.text, bad);
    return config_error(format_location(doc.file, doc.text, bad_line, bad_col,
                                        "invalid UTF-8 (bytes " + util::hex_bytes(doc.text, bad, 4) +
                                            "): YAML files are read as UTF-8; convert this one (e.g. iconv -f GBK -t UTF-8)"));
  }
  auto [line, col] = find_excess_depth(doc.text);
  if (line > 0) {
    return config_error(format_location(doc.file, doc.text, line, col,
                                        "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels"));
  }
  try {
    doc.root = YAML::Load(doc.text);
  } catch (const YAML::Exception& e) {
    return syntax_error(doc, e.mark, e.msg);
  }
  CSB_RETURN_IF_ERROR(unclosed_quote_at_end(doc));
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
