#include "connector/api_page.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <unordered_set>
#include <utility>

#include "util/strings.h"

namespace csbridge::connector {
namespace {

using Json = nlohmann::ordered_json;

// ---- The document reader ----

void flatten(const Json& v, std::string& name, ApiRows& out) {
  if (v.is_object() && !name.empty()) {
    size_t mark = name.size();
    for (const auto& [k, member] : v.items()) {
      name += "." + k;
      flatten(member, name, out);
      name.resize(mark);
    }
    return;
  }
  if (v.is_null()) out.add_null(name);
  else if (v.is_string()) out.add(name, v.get_ref<const std::string&>());
  else if (v.is_boolean()) out.add(name, v.get<bool>() ? "true" : "false");
  else out.add(name, v.dump(-1, ' ', false, Json::error_handler_t::replace));
}

// The value at a JSON pointer as text ("" when absent or null).
std::string text_at(const Json& doc, const std::string& pointer) {
  if (pointer.empty()) return "";
  try {
    const Json& v = doc.at(Json::json_pointer(pointer));
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return "";
  } catch (const std::exception&) {
    return "";
  }
}

// ---- The scanner ----

// The reference tokens of JSON pointer `p` ("" is the whole document); nullopt when `p` is not a
// JSON pointer (it points at nothing).
std::optional<std::vector<std::string>> pointer_tokens(std::string_view p) {
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p[0] != '/') return std::nullopt;
  for (std::string_view raw : util::split(p.substr(1), '/')) {
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return std::nullopt;
      token += raw[++i] == '0' ? '~' : '/';
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// A number literal (valid JSON) as the document reader writes it back. Integers that surely fit
// 64 bits are written as they are; others (fractions, exponents, -0, long digit runs) go through
// the same library the document reader uses, so both agree on every form. false for a number that
// library refuses (a fraction or exponent past the range of a double: not JSON to it).
bool append_number(std::string& out, std::string_view literal) {
  size_t i = literal.starts_with('-') ? 1 : 0;
  size_t digits = literal.size() - i;
  bool plain = digits >= 1 && digits <= 18 && (literal[i] != '0' || (digits == 1 && i == 0));
  for (size_t k = i; plain && k < literal.size(); ++k) plain = literal[k] >= '0' && literal[k] <= '9';
  if (plain) {
    out += literal;
    return true;
  }
  Json number = Json::parse(literal, nullptr, false);
  if (number.is_discarded()) return false;
  out += number.dump();
  return true;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

unsigned hex_value(char c) { return static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); }

class Scanner {
 public:
  Scanner(std::string_view text, ApiPage& page) : text_(text), page_(page) {}

  PageScanResult run(std::string_view records, const std::vector<std::string>& pointers) {
    page_ = ApiPage();
    page_.values.assign(pointers.size(), "");
    if (pointers.size() + 1 > 64) return left("more paging pointers than the scanner follows");
    if (auto tokens = pointer_tokens(records)) targets_.push_back({std::move(*tokens), true, 0});
    for (size_t i = 0; i < pointers.size(); ++i) {
      if (pointers[i].empty()) continue;  // the whole document is never a paging value
      if (auto tokens = pointer_tokens(pointers[i])) targets_.push_back({std::move(*tokens), false, i});
    }
    if (text_.starts_with("\xEF")) return left("a byte order mark");
    uint64_t all = targets_.size() == 64 ? ~uint64_t{0} : (uint64_t{1} << targets_.size()) - 1;
    skip_ws();
    if (!value(0, all)) return result_;
    skip_ws();
    if (pos_ < text_.size()) {
      syntax("text after the end of the document");
      return result_;
    }
    return {};
  }

 private:
  struct Target {
    std::vector<std::string> tokens;
    bool records = false;
    size_t value = 0;  // index into page_.values
  };
  // The keys of the object open at one depth, to find a repeated key.
  struct Keys {
    std::vector<std::string> list;
    size_t count = 0;
    std::unordered_set<std::string> many;  // all of them, once there are more than kLinear
  };
  static constexpr size_t kLinear = 32;

  bool syntax(std::string message) {
    result_ = {PageScan::kSyntaxError, pos_, std::move(message)};
    return false;
  }
  PageScanResult left(std::string message) {
    result_ = {PageScan::kLeftToDocument, pos_, std::move(message)};
    return result_;
  }
  bool leave(std::string message) {
    left(std::move(message));
    return false;
  }
  bool expected(const char* what) {
    return syntax(pos_ >= text_.size() ? std::string("unexpected end, expected ") + what : std::string("expected ") + what);
  }

  int peek() const { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1; }
  void skip_ws() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  bool enter(int depth) {
    if (depth >= kMaxPageScanDepth) return leave("nesting deeper than " + std::to_string(kMaxPageScanDepth));
    if (static_cast<size_t>(depth) >= keys_.size()) keys_.resize(depth + 1);
    Keys& k = keys_[depth];
    if (k.count >= kLinear) k.many.clear();
    k.count = 0;
    return true;
  }

  // Notes `key` as a member of the object open at `depth`; false (left to the document reader,
  // which keeps the last value of a repeated key) when the object had it already.
  bool new_key(int depth, const std::string& key) {
    Keys& k = keys_[depth];
    if (k.count >= kLinear) {
      if (!k.many.insert(key).second) return leave("an object repeats the key \"" + key + "\"");
      ++k.count;
      return true;
    }
    for (size_t i = 0; i < k.count; ++i) {
      if (k.list[i] == key) return leave("an object repeats the key \"" + key + "\"");
    }
    if (k.count < k.list.size()) k.list[k.count] = key;
    else k.list.push_back(key);
    if (++k.count == kLinear) k.many.insert(k.list.begin(), k.list.begin() + kLinear);
    return true;
  }

  // The string at pos_, unescaped, appended to `out`.
  bool string(std::string& out) {
    ++pos_;
    size_t run = pos_;
    while (pos_ < text_.size()) {
      pos_ += util::json_plain_run(text_.data() + pos_, text_.size() - pos_);
      if (pos_ >= text_.size()) break;
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        out.append(text_.data() + run, pos_ - run);
        ++pos_;
        return true;
      }
      if (c < 0x20) return syntax("a control character in a string");
      if (c != '\\') {
        ++pos_;
        continue;
      }
      out.append(text_.data() + run, pos_ - run);
      if (!escape(out)) return false;
      run = pos_;
    }
    return syntax("unexpected end in a string");
  }

  // The escape at pos_ (a backslash), decoded into `out`.
  bool escape(std::string& out) {
    char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = 0;
        if (!hex4(pos_ + 2, cp)) return syntax("\\u not followed by four hex digits");
        if (cp >= 0xDC00 && cp <= 0xDFFF) return syntax("a low surrogate without a high one");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          if (text_.substr(pos_ + 6, 2) != "\\u" || !hex4(pos_ + 8, low) || low < 0xDC00 || low > 0xDFFF) {
            return syntax("a high surrogate not followed by a low one");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          pos_ += 6;
        }
        util::append_utf8(out, static_cast<char32_t>(cp));
        pos_ += 6;
        return true;
      }
      default:
        return syntax("an invalid escape in a string");
    }
    pos_ += 2;
    return true;
  }

  bool hex4(size_t at, unsigned& cp) const {
    if (at + 4 > text_.size()) return false;
    cp = 0;
    for (size_t i = at; i < at + 4; ++i) {
      if (!is_hex(text_[i])) return false;
      cp = cp * 16 + hex_value(text_[i]);
    }
    return true;
  }

  // true, false, null or a number at pos_; `number` says which.
  bool scalar(std::string_view& literal, bool& number) {
    number = false;
    for (std::string_view word : {"true", "false", "null"}) {
      if (text_.substr(pos_, word.size()) == word) {
        literal = word;
        pos_ += word.size();
        return true;
      }
    }
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      return expected("a value");
    }
    if (peek() == '.') {
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return expected("a digit after '.'");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) return expected("a digit in the exponent");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    literal = text_.substr(start, pos_ - start);
    number = true;
    return true;
  }

  // The targets of `live` that go on below the value at `depth` through member `key` (or element
  // `index` of an array, key null).
  uint64_t descend(uint64_t live, int depth, const std::string* key, size_t index) const {
    uint64_t out = 0;
    std::string index_text;
    for (size_t t = 0; live != 0 && t < targets_.size(); ++t) {
      if (!(live & (uint64_t{1} << t))) continue;
      const std::string& token = targets_[t].tokens[depth];
      if (key ? token == *key : token == (index_text.empty() ? index_text = std::to_string(index) : index_text)) {
        out |= uint64_t{1} << t;
      }
    }
    return out;
  }

  // Any value at pos_, looking for the targets in `live` (those whose first `depth` tokens led here).
  bool value(int depth, uint64_t live) {
    uint64_t here = 0, below = 0;
    bool records_here = false;
    for (size_t t = 0; live != 0 && t < targets_.size(); ++t) {
      if (!(live & (uint64_t{1} << t))) continue;
      if (targets_[t].tokens.size() == static_cast<size_t>(depth)) {
        here |= uint64_t{1} << t;
        records_here |= targets_[t].records;
      } else {
        below |= uint64_t{1} << t;
      }
    }
    int c = peek();
    if (records_here) {
      if (c == '[') {
        page_.list = ApiPage::List::kArray;
        return records(depth, below);
      }
      page_.list = c == 'n' ? ApiPage::List::kNull : ApiPage::List::kOther;
    }
    if (c == '{') return object(depth, below);
    if (c == '[') return array(depth, below);
    if (c == '"') {
      text_buffer_.clear();
      if (!string(text_buffer_)) return false;
      set_values(here, text_buffer_);
      return true;
    }
    std::string_view literal;
    bool number = false;
    if (!scalar(literal, number)) return false;
    if (!number) return true;
    std::string text;
    if (!append_number(text, literal)) return leave("a number out of range");
    set_values(here, text);
    return true;
  }

  void set_values(uint64_t here, const std::string& text) {
    for (size_t t = 0; here != 0 && t < targets_.size(); ++t) {
      if ((here & (uint64_t{1} << t)) && !targets_[t].records) page_.values[targets_[t].value] = text;
    }
  }

  // The members of the object at pos_, each value read by `member(key)` (pos_ at the value).
  template <typename Member>
  bool members(int depth, Member member) {
    if (!enter(depth)) return false;
    ++pos_;
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    std::string key;
    for (;;) {
      skip_ws();
      if (peek() != '"') return expected("a string as object key");
      key.clear();
      if (!string(key) || !new_key(depth, key)) return false;
      skip_ws();
      if (peek() != ':') return expected("':' after an object key");
      ++pos_;
      skip_ws();
      if (!member(key)) return false;
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return expected("',' or '}' after an object member");
    }
  }

  // The elements of the array at pos_, each read by `element(index)` (pos_ at the element).
  template <typename Element>
  bool elements(int depth, Element element) {
    if (!enter(depth)) return false;
    ++pos_;
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    for (size_t i = 0;; ++i) {
      skip_ws();
      if (!element(i)) return false;
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return expected("',' or ']' after an array element");
    }
  }

  // An object outside the records, looking for the targets in `live`.
  bool object(int depth, uint64_t live) {
    return members(depth, [&](const std::string& key) {
      return value(depth + 1, live ? descend(live, depth, &key, 0) : 0);
    });
  }

  // An array outside the records, looking for the targets in `live`.
  bool array(int depth, uint64_t live) {
    return elements(depth, [&](size_t i) { return value(depth + 1, live ? descend(live, depth, nullptr, i) : 0); });
  }

  // The list of records (an array at pos_); `below` the other targets inside it.
  bool records(int depth, uint64_t below) {
    if (below) return leave("a paging pointer inside the list of records");
    std::string name;
    return elements(depth, [&](size_t i) {
      if (peek() != '{') {
        page_.not_objects.push_back(i);
        return value(depth + 1, 0);
      }
      page_.rows.start_row();
      name.clear();
      return flat_object(depth + 1, name, true);
    });
  }

  // The object at pos_ flattened into the page's current record, its members' names joined to
  // `name` (a record: `top`).
  bool flat_object(int depth, std::string& name, bool top) {
    return members(depth, [&](const std::string& key) {
      size_t mark = name.size();
      if (!top) name += '.';
      name += key;
      if (!flat_member(depth + 1, name)) return false;
      name.resize(mark);
      return true;
    });
  }

  // One member of a record: an object flattened further (but kept as JSON text when its name is
  // "": only a record's own member can be), anything else a column.
  bool flat_member(int depth, std::string& name) {
    ApiRows& rows = page_.rows;
    std::string& text = rows.buffer();  // the value written straight into the page's buffer
    size_t start = text.size();
    int c = peek();
    if (c == '{' && !name.empty()) return flat_object(depth, name, false);
    if (c == '{' || c == '[') {
      if (!json_text(depth, text)) return false;
      rows.add_from(name, start);
      return true;
    }
    if (c == '"') {
      if (!string(text)) return false;
      rows.add_from(name, start);
      return true;
    }
    std::string_view literal;
    bool number = false;
    if (!scalar(literal, number)) return false;
    if (number) {
      if (!append_number(text, literal)) return leave("a number out of range");
      rows.add_from(name, start);
    } else if (literal == "null") {
      rows.add_null(name);
    } else {
      rows.add(name, literal);
    }
    return true;
  }

  // The value at pos_ appended to `out` as compact JSON text, written as the document reader
  // writes it: no spaces, members in their order, strings re-escaped, numbers normalised.
  bool json_text(int depth, std::string& out) {
    int c = peek();
    if (c == '{') {
      out += '{';
      bool first = true;
      bool ok = members(depth, [&](const std::string& key) {
        if (!std::exchange(first, false)) out += ',';
        util::append_json_string(out, key);
        out += ':';
        return json_text(depth + 1, out);
      });
      out += '}';
      return ok;
    }
    if (c == '[') {
      out += '[';
      bool ok = elements(depth, [&](size_t i) {
        if (i > 0) out += ',';
        return json_text(depth + 1, out);
      });
      out += ']';
      return ok;
    }
    if (c == '"') {
      std::string text;
      if (!string(text)) return false;
      util::append_json_string(out, text);
      return true;
    }
    std::string_view literal;
    bool number = false;
    if (!scalar(literal, number)) return false;
    if (number) return append_number(out, literal) || leave("a number out of range");
    out += literal;
    return true;
  }

  std::string_view text_;
  ApiPage& page_;
  size_t pos_ = 0;
  std::vector<Target> targets_;
  std::vector<Keys> keys_;
  std::string text_buffer_;
  PageScanResult result_;
};

}  // namespace

PageScanResult scan_api_page(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                             ApiPage& page) {
  return Scanner(body, page).run(records, pointers);
}

bool read_api_page_document(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                            ApiPage& page) {
  page = ApiPage();
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded()) return false;
  for (const std::string& p : pointers) page.values.push_back(text_at(doc, p));
  const Json* list = &doc;
  if (!records.empty()) {
    try {
      list = &doc.at(Json::json_pointer(std::string(records)));
    } catch (const std::exception&) {
      list = nullptr;  // no records member: an empty page
    }
  }
  if (!list) return true;
  if (list->is_null()) {
    page.list = ApiPage::List::kNull;
    return true;
  }
  if (!list->is_array()) {
    page.list = ApiPage::List::kOther;
    return true;
  }
  page.list = ApiPage::List::kArray;
  size_t i = 0;
  for (const auto& rec : *list) {
    if (!rec.is_object()) {
      page.not_objects.push_back(i);
    } else {
      page.rows.start_row();
      std::string name;
      for (const auto& [k, v] : rec.items()) {
        name = k;
        flatten(v, name, page.rows);
      }
    }
    ++i;
  }
  return true;
}

uint32_t ApiRows::intern(std::string_view name) {
  size_t place = place_++;
  if (place < hints_.size() && hints_[place] != kNull && names_[hints_[place]] == name) return hints_[place];
  // A miss (the first record, or one whose fields differ): by name, so that records of many
  // different fields cost no scan of every name seen.
  auto [it, added] = ids_.try_emplace(std::string(name), static_cast<uint32_t>(names_.size()));
  if (added) names_.emplace_back(name);
  uint32_t id = it->second;
  if (place >= hints_.size()) hints_.resize(place + 1, kNull);
  hints_[place] = id;
  return id;
}

std::optional<std::string_view> ApiRows::find(size_t r, std::string_view name) const {
  for (size_t c = begin(r); c < end(r); ++c) {
    if (this->name(cells_[c]) == name) return is_null(cells_[c]) ? std::nullopt : std::optional(value(cells_[c]));
  }
  return std::nullopt;
}

ApiRows ApiRows::with_cell(std::string_view name, std::string_view value) const {
  ApiRows out;
  out.text_ = text_;
  out.names_ = names_;
  out.ids_ = ids_;
  out.cells_.reserve(cells_.size() + size());
  for (size_t r = 0; r < size(); ++r) {
    out.starts_.push_back(out.cells_.size());
    out.cells_.insert(out.cells_.end(), cells_.begin() + static_cast<std::ptrdiff_t>(begin(r)),
                      cells_.begin() + static_cast<std::ptrdiff_t>(end(r)));
    out.place_ = end(r) - begin(r);
    out.add(name, value);
  }
  return out;
}

ApiRow ApiRows::row(size_t r) const {
  ApiRow out;
  for (size_t c = begin(r); c < end(r); ++c) {
    const Cell& cell = cells_[c];
    out.emplace_back(std::string(name(cell)),
                     is_null(cell) ? std::nullopt : std::optional<std::string>(std::string(value(cell))));
  }
  return out;
}

std::vector<ApiRow> ApiRows::all() const {
  std::vector<ApiRow> out;
  for (size_t r = 0; r < size(); ++r) out.push_back(row(r));
  return out;
}

std::string read_api_page(std::string_view body, std::string_view records, const std::vector<std::string>& pointers,
                          ApiPage& page) {
  PageScanResult scan = scan_api_page(body, records, pointers, page);
  // A page the scanner does not take on (or finds no JSON) is read again whole: the message for a
  // malformed page stays the document reader's, and pages of rare forms read as they always have.
  if (scan.outcome != PageScan::kOk && !read_api_page_document(body, records, pointers, page)) {
    return "not JSON (" + std::to_string(body.size()) + " bytes)";
  }
  if (page.list == ApiPage::List::kOther) {
    return "'" + (records.empty() ? std::string("the body") : std::string(records)) + "' is not an array of records";
  }
  return "";
}

}  // namespace csbridge::connector
