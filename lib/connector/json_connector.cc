#include "connector/json_connector.h"

#include "connector/file_source.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

const std::vector<std::string> kJsonOptions = {"encoding", "record"};
const std::vector<std::string> kJsonlOptions = {"encoding"};
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

struct JsonOptions {
  util::Encoding encoding = util::Encoding::kUtf8;
  std::string record;  // the member of a top-level object holding the records
};

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

unsigned hex4(std::string_view s) {
  unsigned v = 0;
  for (char c : s.substr(0, 4)) v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return v;
}

// Replaces JSON escapes in `s` (already validated by the scanner) and appends the text to `out`.
void append_unescaped(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = hex4(s.substr(i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(s.substr(i + 3)) - 0xDC00);
          i += 6;
        }
        util::append_utf8(out, cp);
        break;
      }
      default: out += e; break;  // '"', '\\', '/'
    }
  }
}

// A JSON reader written for this backend rather than a general-purpose
// parser, because it must keep what those lose: number literals as written,
// byte offsets of records and errors, and strings in a declared legacy
// encoding, which are decoded before unescaping (a GBK character's second
// byte may be '\\'). Nesting is capped at kMaxNestingDepth.
class JsonParser {
 public:
  JsonParser(std::string_view text, util::Encoding encoding)
      : text_(text), encoding_(encoding), double_byte_(is_double_byte(encoding)) {}

  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  bool at_end() const { return pos_ >= text_.size(); }
  int peek() const { return at_end() ? -1 : static_cast<unsigned char>(text_[pos_]); }
  void skip_ws() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // The syntax error that stopped parsing, and where.
  size_t error_offset() const { return error_offset_; }
  const std::string& error() const { return error_; }
  bool fail(size_t offset, std::string message) {
    error_offset_ = offset;
    error_ = std::move(message);
    return false;
  }
  bool fail_here(const std::string& expected) {
    if (at_end()) return fail(pos_, "unexpected end of the document, expected " + expected);
    return fail(pos_, "expected " + expected + ", found " + describe_byte(static_cast<unsigned char>(text_[pos_])));
  }

  // The first string of the current record that did not decode (the record
  // is rejected; parsing goes on to find its end).
  const std::string& decode_error() const { return decode_error_; }
  void clear_decode_error() { decode_error_.clear(); }

  // Parses the object at pos() into `out`, nested names joined to `path` with '.'.
  // `depth` counts the arrays and objects the object is inside.
  bool parse_object(Record& out, std::string& path, int depth) {
    if (!enter(depth)) return false;
    ++pos_;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      if (!path.empty()) {
        // An empty nested object keeps its column rather than vanishing.
        Field& f = out.add(path);
        f.value = "{}";
        f.kind = ValueType::kJson;
      }
      return true;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') return fail_here("a string as object key");
      size_t key_offset = pos_;
      std::string_view raw;
      if (!scan_string(raw)) return false;
      size_t mark = path.size();
      if (!path.empty()) path += '.';
      append_string(path, raw, [&] { return "key at offset " + std::to_string(key_offset); });
      skip_ws();
      if (peek() != ':') return fail_here("':' after an object key");
      ++pos_;
      skip_ws();
      if (!parse_member(out, path, depth + 1)) return false;
      path.resize(mark);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail_here("',' or '}' after an object member");
    }
  }

  // Parses the value at pos() and appends it to `out` as compact JSON (strings
  // keep their escapes; numbers their literal text). `out` may be null: the
  // value is only checked.
  bool write_value(std::string* out, int depth) {
    int c = peek();
    if (c == '{' || c == '[') {
      if (!enter(depth)) return false;
      const char close = c == '{' ? '}' : ']';
      append(out, static_cast<char>(c));
      ++pos_;
      skip_ws();
      if (peek() == close) {
        append(out, close);
        ++pos_;
        return true;
      }
      for (;;) {
        skip_ws();
        if (close == '}') {
          if (peek() != '"') return fail_here("a string as object key");
          if (!write_value(out, depth + 1)) return false;
          skip_ws();
          if (peek() != ':') return fail_here("':' after an object key");
          append(out, ':');
          ++pos_;
          skip_ws();
        }
        if (!write_value(out, depth + 1)) return false;
        skip_ws();
        if (peek() == ',') {
          append(out, ',');
          ++pos_;
          continue;
        }
        if (peek() == close) {
          append(out, close);
          ++pos_;
          return true;
        }
        return fail_here(close == '}' ? "',' or '}' after an object member" : "',' or ']' after an array element");
      }
    }
    if (c == '"') {
      size_t offset = pos_;
      std::string_view raw;
      if (!scan_string(raw)) return false;
      if (out != nullptr) {
        *out += '"';
        Status decoded = append_decoded(*out, raw, encoding_);
        if (!decoded.is_ok()) {
          note_decode_error("string at offset " + std::to_string(offset), decoded);
          out->append(raw);
        }
        *out += '"';
      }
      return true;
    }
    ValueType kind;
    std::string_view literal;
    if (!scan_scalar(literal, kind)) return false;
    if (out != nullptr) out->append(literal);
    return true;
  }

  // Parses a string at pos() (a key of the top-level object) into `out`.
  bool parse_key(std::string& out) {
    if (peek() != '"') return fail_here("a string as object key");
    std::string_view raw;
    if (!scan_string(raw)) return false;
    append_string(out, raw, [] { return std::string("key"); });
    return true;
  }

  // "an array", "a number", …: what the value at pos() is, for messages.
  std::string kind_here() const {
    switch (peek()) {
      case '[': return "an array";
      case '"': return "a string";
      case 't':
      case 'f': return "a boolean";
      case 'n': return "null";
      case '{': return "an object";
      case '-': return "a number";
      default: return peek() >= '0' && peek() <= '9' ? "a number" : "not a JSON value";
    }
  }

 private:
  bool enter(int depth) {
    if (depth >= kMaxNestingDepth) {
      return fail(pos_, "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    }
    return true;
  }

  static void append(std::string* out, char c) {
    if (out != nullptr) *out += c;
  }

  void note_decode_error(const std::string& what, const Status& status) {
    if (decode_error_.empty()) decode_error_ = what + ": " + status.message();
  }

  template <typename What>
  void append_string(std::string& out, std::string_view raw, What what) {
    if (util::find_invalid_utf8(raw) == std::string_view::npos) {
      append_unescaped(out, raw);
      return;
    }
    std::string decoded;
    Status status = append_decoded(decoded, raw, encoding_);
    if (!status.is_ok()) {
      note_decode_error(what(), status);
      return;
    }
    append_unescaped(out, decoded);
  }

  bool parse_member(Record& out, std::string& path, int depth) {
    int c = peek();
    if (c == '{') return parse_object(out, path, depth);
    Field& f = out.add(path);
    if (c == '[') {
      f.kind = ValueType::kJson;
      return write_value(&f.value, depth);
    }
    if (c == '"') {
      std::string_view raw;
      if (!scan_string(raw)) return false;
      append_string(f.value, raw, [&] { return "field \"" + path + "\""; });
      return true;
    }
    std::string_view literal;
    if (!scan_scalar(literal, f.kind)) return false;
    if (f.kind == ValueType::kUnknown) {
      f.is_null = true;
    } else {
      f.value.assign(literal);
    }
    return true;
  }

  // A number, true, false or null at pos(); kind kUnknown for null.
  bool scan_scalar(std::string_view& literal, ValueType& kind) {
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word) {
        literal = word;
        kind = word == "null" ? ValueType::kUnknown : ValueType::kBoolean;
        pos_ += word.size();
        return true;
      }
    }
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    size_t digits = pos_;
    while (peek() >= '0' && peek() <= '9') ++pos_;
    if (pos_ == digits) {
      pos_ = start;
      return fail_here("a value");
    }
    if (text_[digits] == '0' && pos_ - digits > 1) return fail(digits, "invalid number: leading zero");
    if (peek() == '.') {
      size_t frac = ++pos_;
      while (peek() >= '0' && peek() <= '9') ++pos_;
      if (pos_ == frac) return fail_here("a digit after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      size_t exp = pos_;
      while (peek() >= '0' && peek() <= '9') ++pos_;
      if (pos_ == exp) return fail_here("a digit in the exponent");
    }
    literal = text_.substr(start, pos_ - start);
    kind = classify_text(literal);
    return true;
  }

  // Finds the end of the string at pos() and returns its raw content (escapes kept).
  bool scan_string(std::string_view& raw) {
    size_t start = pos_ + 1;
    size_t end = find_string_end(start, false);
    if (double_byte_ && (end == std::string_view::npos ||
                         util::find_invalid_utf8(text_.substr(start, end - start)) != std::string_view::npos)) {
      // Not UTF-8: scan again stepping over double-byte characters, whose
      // second byte may look like '\\'. Keep the first result if this fails.
      std::string first_error = error_;
      size_t first_offset = error_offset_;
      size_t legacy_end = find_string_end(start, true);
      if (legacy_end != std::string_view::npos) {
        end = legacy_end;
      } else if (end == std::string_view::npos) {
        return fail(first_offset, first_error);
      }
    }
    if (end == std::string_view::npos) return false;
    raw = text_.substr(start, end - start);
    pos_ = end + 1;
    return true;
  }

  // Offset of the closing quote of the string starting at `i`, or npos (error set).
  size_t find_string_end(size_t i, bool double_byte) {
    auto failed = [&](size_t offset, std::string message) {
      fail(offset, std::move(message));
      return std::string_view::npos;
    };
    while (i < text_.size()) {
      auto c = static_cast<unsigned char>(text_[i]);
      if (c == '"') return i;
      if (c < 0x20) return failed(i, "control character " + describe_byte(c) + " in a string");
      if (c == '\\') {
        if (i + 1 >= text_.size()) break;
        char e = text_[i + 1];
        if (e == 'u') {
          if (!valid_unicode_escape(i)) return failed(i, "invalid \\u escape in a string");
          i += is_high_surrogate(i) ? 12 : 6;
        } else if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos) {
          i += 2;
        } else {
          return failed(i, "invalid escape: backslash before " + describe_byte(static_cast<unsigned char>(e)));
        }
        continue;
      }
      // '"' is never the second byte of a double-byte character; '\\' can be.
      bool pair = double_byte && is_lead_byte(c) && i + 1 < text_.size() &&
                  is_trail_byte(static_cast<unsigned char>(text_[i + 1]));
      i += pair ? 2 : 1;
    }
    return failed(text_.size(), "unexpected end of the document in a string");
  }

  bool hex_at(size_t i) const {
    if (i + 4 > text_.size()) return false;
    for (size_t k = i; k < i + 4; ++k) {
      if (!is_hex(text_[k])) return false;
    }
    return true;
  }
  bool is_high_surrogate(size_t i) const {
    unsigned cp = hex4(text_.substr(i + 2));
    return cp >= 0xD800 && cp <= 0xDBFF;
  }
  // "\uXXXX" at i, a surrogate pair written as two of them.
  bool valid_unicode_escape(size_t i) const {
    if (!hex_at(i + 2)) return false;
    unsigned cp = hex4(text_.substr(i + 2));
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
    if (cp < 0xD800 || cp > 0xDBFF) return true;
    if (text_.substr(i + 6, 2) != "\\u" || !hex_at(i + 8)) return false;
    unsigned low = hex4(text_.substr(i + 8));
    return low >= 0xDC00 && low <= 0xDFFF;
  }

  std::string_view text_;
  util::Encoding encoding_;
  bool double_byte_;
  size_t pos_ = 0;
  size_t error_offset_ = 0;
  std::string error_;
  std::string decode_error_;
};

// The records of a JSON document: the elements of its top-level array, or of
// the array member of its top-level object. The document is read whole (up
// to kMaxDocumentBytes); records are parsed one at a time as they are read.
class JsonDocumentSource final : public RecordSource {
 public:
  JsonDocumentSource(const FileTable& table, std::string text, const JsonOptions& options)
      : file_(table.file_name()), text_(std::move(text)), options_(options), parser_(text_, options.encoding) {}

  Status start() {
    if (std::string_view(text_).starts_with(kUtf8Bom)) parser_.set_pos(kUtf8Bom.size());
    parser_.skip_ws();
    if (parser_.peek() == '[') return enter_records(kTopLevelArrayDepth);
    if (parser_.peek() != '{') {
      if (parser_.at_end()) return syntax_error(parser_.pos(), "the document is empty");
      size_t offset = parser_.pos();
      std::string kind = parser_.kind_here();
      if (!parser_.write_value(nullptr, 0)) return parse_failure();
      return syntax_error(offset, "the document is " + kind + "; expected an array of records or an object holding one");
    }
    in_object_ = true;
    // Find the member holding the records: the one named by record=, else the only array.
    std::vector<std::pair<std::string, size_t>> arrays;
    parser_.set_pos(parser_.pos() + 1);
    parser_.skip_ws();
    if (parser_.peek() == '}') {
      parser_.set_pos(parser_.pos() + 1);
    } else {
      for (;;) {
        parser_.skip_ws();
        std::string key;
        if (!parser_.parse_key(key)) return parse_failure();
        parser_.skip_ws();
        if (parser_.peek() != ':') {
          parser_.fail_here("':' after an object key");
          return parse_failure();
        }
        parser_.set_pos(parser_.pos() + 1);
        parser_.skip_ws();
        if (parser_.peek() == '[') {
          if (!options_.record.empty() && key == options_.record) return enter_records(kMemberArrayDepth);
          arrays.emplace_back(key, parser_.pos());
        } else if (!options_.record.empty() && key == options_.record) {
          return data_error(file_ + ": member '" + key + "' is " + parser_.kind_here() + ", not an array of records");
        }
        if (!parser_.write_value(nullptr, 1)) return parse_failure();
        parser_.skip_ws();
        if (parser_.peek() == ',') {
          parser_.set_pos(parser_.pos() + 1);
          continue;
        }
        if (parser_.peek() == '}') {
          parser_.set_pos(parser_.pos() + 1);
          break;
        }
        parser_.fail_here("',' or '}' after an object member");
        return parse_failure();
      }
    }
    std::vector<std::string> names;
    for (const auto& [name, offset] : arrays) names.push_back(name);
    if (!options_.record.empty()) {
      return not_found(file_ + ": the top-level object has no member '" + options_.record + "'" +
                       (names.empty() ? "" : "; array members: " + util::join(names, ", ")));
    }
    if (arrays.size() != 1) {
      return data_error(file_ + ": the top-level object has " +
                        (arrays.empty() ? std::string("no array member")
                                        : std::to_string(arrays.size()) + " array members (" + util::join(names, ", ") +
                                              "); choose one with record=KEY"));
    }
    parser_.set_pos(arrays[0].second);
    return enter_records(kMemberArrayDepth);
  }

  std::string location() const override { return file_ + ":offset " + std::to_string(record_offset_); }

  Result<bool> next(Record& out, std::vector<RejectedRecord>& rejects) override {
    while (!done_) {
      parser_.skip_ws();
      if (!first_ || parser_.peek() == ']') {
        if (parser_.peek() == ']') {
          parser_.set_pos(parser_.pos() + 1);
          CSB_RETURN_IF_ERROR(finish());
          return false;
        }
        if (parser_.peek() != ',') {
          parser_.fail_here("',' or ']' after a record");
          return parse_failure();
        }
        parser_.set_pos(parser_.pos() + 1);
        parser_.skip_ws();
      }
      first_ = false;
      record_offset_ = parser_.pos();
      if (parser_.peek() != '{') {
        std::string kind = parser_.kind_here();
        if (!parser_.write_value(nullptr, records_depth_)) return parse_failure();
        rejects.push_back({location(), "record is " + kind + ", not an object"});
        continue;
      }
      out.clear();
      path_.clear();
      parser_.clear_decode_error();
      if (!parser_.parse_object(out, path_, records_depth_)) return parse_failure();
      if (parser_.decode_error().empty()) return true;
      rejects.push_back({location(), parser_.decode_error()});
    }
    return false;
  }

 private:
  // How many arrays/objects enclose a record.
  static constexpr int kTopLevelArrayDepth = 1;
  static constexpr int kMemberArrayDepth = 2;

  Status enter_records(int depth) {
    records_depth_ = depth;
    parser_.set_pos(parser_.pos() + 1);
    return Status::ok();
  }

  // After the records' array: the rest of the document must be well-formed too.
  Status finish() {
    done_ = true;
    if (in_object_ && !skip_rest_of_object()) return parse_failure();
    parser_.skip_ws();
    if (!parser_.at_end()) return syntax_error(parser_.pos(), "unexpected text after the document");
    return Status::ok();
  }

  bool skip_rest_of_object() {
    for (;;) {
      parser_.skip_ws();
      if (parser_.peek() == '}') {
        parser_.set_pos(parser_.pos() + 1);
        return true;
      }
      if (parser_.peek() != ',') return parser_.fail_here("',' or '}' after an object member");
      parser_.set_pos(parser_.pos() + 1);
      parser_.skip_ws();
      std::string key;
      if (!parser_.parse_key(key)) return false;
      parser_.skip_ws();
      if (parser_.peek() != ':') return parser_.fail_here("':' after an object key");
      parser_.set_pos(parser_.pos() + 1);
      parser_.skip_ws();
      if (!parser_.write_value(nullptr, 1)) return false;
    }
  }

  Status syntax_error(size_t offset, const std::string& message) const {
    return data_error(file_ + ":" + line_col(text_, offset) + " (offset " + std::to_string(offset) + "): " + message);
  }
  // The parser's error as a Status naming the file and the position.
  Status parse_failure() const {
    return syntax_error(parser_.error_offset(), parser_.error());
  }

  std::string file_;
  std::string text_;
  JsonOptions options_;
  JsonParser parser_;
  std::string path_;
  bool in_object_ = false;
  int records_depth_ = kTopLevelArrayDepth;
  bool first_ = true;
  bool done_ = false;
  size_t record_offset_ = 0;
};

// One record per line; a line that is not a JSON object is rejected with its
// line number and the rest is read. Streams with bounded memory.
class JsonLinesSource final : public RecordSource {
 public:
  JsonLinesSource(const FileTable& table, const JsonOptions& options, ByteReader in)
      : file_(table.file_name()), options_(options), in_(std::move(in)) {}

  std::string location() const override { return file_ + ":" + std::to_string(line_no_); }

  Result<bool> next(Record& out, std::vector<RejectedRecord>& rejects) override {
    for (;;) {
      CSB_ASSIGN_OR_RETURN(bool more, read_line());
      if (!more) return false;
      if (too_long_) {
        rejects.push_back({location(), "line is longer than the limit of " + std::to_string(kMaxRecordBytes) +
                                           " bytes"});
        continue;
      }
      std::string_view line(line_);
      if (line.ends_with('\r')) line.remove_suffix(1);
      JsonParser parser(line, options_.encoding);
      if (line_no_ == 1 && line.starts_with(kUtf8Bom)) parser.set_pos(kUtf8Bom.size());
      parser.skip_ws();
      if (parser.at_end()) continue;
      if (parser.peek() != '{') {
        std::string kind = parser.kind_here();
        rejects.push_back({location(), parser.write_value(nullptr, 0) ? "record is " + kind + ", not an object"
                                                                      : column_error(parser)});
        continue;
      }
      out.clear();
      path_.clear();
      if (!parser.parse_object(out, path_, 0)) {
        rejects.push_back({location(), column_error(parser)});
        continue;
      }
      parser.skip_ws();
      if (!parser.at_end()) {
        parser.fail(parser.pos(), "unexpected text after the record");
        rejects.push_back({location(), column_error(parser)});
        continue;
      }
      if (!parser.decode_error().empty()) {
        rejects.push_back({location(), parser.decode_error()});
        continue;
      }
      return true;
    }
  }

 private:
  static std::string column_error(const JsonParser& parser) {
    return "column " + std::to_string(parser.error_offset() + 1) + ": " + parser.error();
  }

  // Reads the next line into line_ (without its '\n'); false at the end of the file.
  Result<bool> read_line() {
    line_.clear();
    too_long_ = false;
    int c = in_.get();
    if (c < 0) {
      CSB_RETURN_IF_ERROR(in_.status());
      return false;
    }
    ++line_no_;
    for (; c >= 0 && c != '\n'; c = in_.get()) {
      if (line_.size() < kMaxRecordBytes) {
        line_.push_back(static_cast<char>(c));
      } else {
        too_long_ = true;
      }
    }
    CSB_RETURN_IF_ERROR(in_.status());
    return true;
  }

  std::string file_;
  JsonOptions options_;
  ByteReader in_;
  std::string line_;
  std::string path_;
  uint64_t line_no_ = 0;
  bool too_long_ = false;
};

}  // namespace

Result<std::unique_ptr<Connector>> open_json(const ConnectionString& conn) {
  bool lines = conn.scheme == Scheme::kJsonl;
  std::string backend = lines ? "jsonl" : "json";
  CSB_RETURN_IF_ERROR(check_options(conn, lines ? kJsonlOptions : kJsonOptions, backend));
  JsonOptions options;
  CSB_ASSIGN_OR_RETURN(options.encoding, encoding_option(conn));
  options.record = conn.option("record");
  if (lines) {
    SourceFactory factory = [options](const FileTable& table) -> Result<std::unique_ptr<RecordSource>> {
      CSB_ASSIGN_OR_RETURN(ByteReader in, ByteReader::open(table.path));
      return std::unique_ptr<RecordSource>(std::make_unique<JsonLinesSource>(table, options, std::move(in)));
    };
    return open_file_connector(conn, {"jsonl", "JSON Lines", {".jsonl", ".ndjson"}}, std::move(factory));
  }
  SourceFactory factory = [options](const FileTable& table) -> Result<std::unique_ptr<RecordSource>> {
    CSB_ASSIGN_OR_RETURN(std::string text,
                         read_whole_file(table, "json", "; JSON Lines (jsonl:) are read as a stream instead"));
    auto source = std::make_unique<JsonDocumentSource>(table, std::move(text), options);
    CSB_RETURN_IF_ERROR(source->start());
    return std::unique_ptr<RecordSource>(std::move(source));
  };
  return open_file_connector(conn, {"json", "JSON", {".json"}}, std::move(factory));
}

}  // namespace csbridge::connector
