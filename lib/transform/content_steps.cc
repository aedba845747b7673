// coalesce, decode, html_to_text, size, sha256, id_check: steps over the
// content of messages and attachments (bodies stored with a transfer
// encoding or as HTML, their sizes and digests) and over resident ID numbers.
// Every scanner here reads its input once, front to back: time is linear in
// the value's length whatever the value holds.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/cs_model.h"
#include "pii/detect.h"
#include "transform/step_builders.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace csbridge::transform::internal {
namespace {

constexpr const char* kBadValue = error_code::kBadValue;

// ---- coalesce ----------------------------------------------------------------

// The first of the field's columns that holds something: NULL and "" are
// passed over; all of them NULL or "" gives NULL.
class CoalesceStep final : public Step {
 public:
  std::string_view name() const override { return "coalesce"; }
  int arity() const override { return -1; }
  Result<Kind> output_kind(Kind input) const override { return input; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    for (const Value& v : inputs)
      if (v && !v->empty()) return v;
    return Value();
  }
};

// ---- decode ------------------------------------------------------------------

enum class Encoding { kNone, kBase64, kQuotedPrintable };

// The names a row may give its content's encoding (ASCII case ignored).
// 7bit, 8bit and binary are MIME's names for content stored as it is.
struct EncodingName {
  std::string_view name;
  Encoding encoding;
};
constexpr EncodingName kEncodingNames[] = {
    {"base64", Encoding::kBase64}, {"quoted-printable", Encoding::kQuotedPrintable},
    {"none", Encoding::kNone},     {"7bit", Encoding::kNone},
    {"8bit", Encoding::kNone},     {"binary", Encoding::kNone},
};
// The names the step's argument takes.
constexpr EncodingName kArgumentEncodings[] = {
    {"base64", Encoding::kBase64}, {"quoted-printable", Encoding::kQuotedPrintable}, {"none", Encoding::kNone}};

constexpr size_t kMaxShownEncodingName = 40;

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Base64 (RFC 4648's alphabet) with MIME's line breaks: whitespace anywhere
// is skipped, padding may be left out. False on any other character, on data
// after padding, or on a length no encoder writes.
bool decode_base64(std::string_view s, std::string& out) {
  constexpr int kQuantum = 4;
  uint32_t bits = 0;
  int bit_count = 0;
  size_t data_chars = 0, padding = 0;
  for (char c : s) {
    if (is_ascii_space(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = base64_value(c);
    if (v < 0 || padding > 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    bit_count += 6;
    ++data_chars;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFF);
      bits &= (1u << bit_count) - 1;
    }
  }
  size_t tail = data_chars % kQuantum;
  if (tail == 1) return false;  // six bits cannot make a byte
  if (padding > 0 && (tail == 0 || tail + padding > kQuantum)) return false;
  return true;
}

// Bytes of the line break at s[i] (CRLF or LF), 0 if none.
size_t line_break_at(std::string_view s, size_t i) {
  if (i < s.size() && s[i] == '\n') return 1;
  return i + 1 < s.size() && s[i] == '\r' && s[i + 1] == '\n' ? 2 : 0;
}

size_t skip_blanks(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

// Quoted-printable (RFC 2045 6.7): =XX in either case is the byte XX; '='
// before a line break (or the end) is a soft break and goes; blanks before a
// line break were added in transport and go. False on any other '='.
bool decode_quoted_printable(std::string_view s, std::string& out) {
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == '=') {
      if (i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
        out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
        i += 3;
        continue;
      }
      size_t j = skip_blanks(s, i + 1);
      if (j == n) break;
      size_t eol = line_break_at(s, j);
      if (eol == 0) return false;
      i = j + eol;
    } else if (c == ' ' || c == '\t') {
      size_t j = skip_blanks(s, i);
      if (j < n && line_break_at(s, j) == 0) out.append(s.substr(i, j - i));
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return true;
}

// An encoding name as it may be shown: printable ASCII only (anything else
// becomes '?', so the message stays one line), cut at 40 characters.
std::string shown_encoding(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kMaxShownEncodingName)) out += c >= ' ' && c <= '~' ? c : '?';
  if (name.size() > kMaxShownEncodingName) out += "...";
  return out;
}

class DecodeStep final : public Step {
 public:
  // `fixed`: the encoding of every value; nullopt: each row's second column names it.
  explicit DecodeStep(std::optional<Encoding> fixed) : fixed_(fixed) {}
  std::string_view name() const override { return "decode"; }
  int arity() const override { return fixed_ ? 1 : -1; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    Encoding encoding = Encoding::kNone;
    if (fixed_) {
      encoding = *fixed_;
    } else {
      if (inputs.size() != 2) return wrong_columns(inputs.size());
      if (!inputs[0]) return Value();  // whatever the row says its encoding is
      if (inputs[1]) {
        std::string_view label = util::trim(*inputs[1]);
        const auto* known = std::find_if(std::begin(kEncodingNames), std::end(kEncodingNames),
                                         [&](const EncodingName& e) { return util::equals_icase(label, e.name); });
        if (known != std::end(kEncodingNames)) {
          encoding = known->encoding;
        } else if (!label.empty()) {
          return step_error(kBadValue, name(),
                            "unknown content encoding '" + shown_encoding(label) +
                                "' (known: base64, quoted-printable, 7bit, 8bit, binary, none)");
        }
      }
    }
    const Value& v = inputs[0];
    if (!v || encoding == Encoding::kNone) return v;
    std::string out;
    out.reserve(v->size());
    if (encoding == Encoding::kBase64) {
      if (!decode_base64(*v, out)) return step_error(kBadValue, name(), "not valid base64");
    } else if (!decode_quoted_printable(*v, out)) {
      return step_error(kBadValue, name(), "not valid quoted-printable");
    }
    return Value(std::move(out));
  }

 private:
  // Appends rather than `"…" + std::to_string(…)`, which trips GCC 12's -Wrestrict false positive.
  StepError wrong_columns(size_t columns) const {
    std::string message = "without an argument it reads two columns, the content and its encoding (the field has ";
    message.append(std::to_string(columns)).append("); for one column name the encoding (decode: base64)");
    return step_error(kBadValue, name(), message);
  }

  std::optional<Encoding> fixed_;
};

// ---- html_to_text ---------------------------------------------------------------

// What a tag does to the text around it.
enum class TagEffect {
  kNone,       // inline (span, a, b, font, img, …): nothing
  kLineBreak,  // br: a line break, always
  kBlock,      // div, tr, ul, …: the text after it starts a line
  kParagraph,  // p, h1–h6: a blank line around it
  kListItem,   // li: a line starting "- "
  kCell,       // td, th: a space
  kPre,        // pre: a block whose whitespace is kept
  kDropped,    // script, style, title: dropped with their content
};

struct TagName {
  std::string_view name;
  TagEffect effect;
};
constexpr TagName kTagNames[] = {
    {"br", TagEffect::kLineBreak},    {"p", TagEffect::kParagraph},      {"h1", TagEffect::kParagraph},
    {"h2", TagEffect::kParagraph},    {"h3", TagEffect::kParagraph},     {"h4", TagEffect::kParagraph},
    {"h5", TagEffect::kParagraph},    {"h6", TagEffect::kParagraph},     {"li", TagEffect::kListItem},
    {"td", TagEffect::kCell},         {"th", TagEffect::kCell},          {"pre", TagEffect::kPre},
    {"script", TagEffect::kDropped},  {"style", TagEffect::kDropped},    {"title", TagEffect::kDropped},
    {"div", TagEffect::kBlock},       {"tr", TagEffect::kBlock},         {"table", TagEffect::kBlock},
    {"ul", TagEffect::kBlock},        {"ol", TagEffect::kBlock},         {"dl", TagEffect::kBlock},
    {"dt", TagEffect::kBlock},        {"dd", TagEffect::kBlock},         {"hr", TagEffect::kBlock},
    {"blockquote", TagEffect::kBlock}, {"address", TagEffect::kBlock},   {"article", TagEffect::kBlock},
    {"aside", TagEffect::kBlock},     {"section", TagEffect::kBlock},    {"header", TagEffect::kBlock},
    {"footer", TagEffect::kBlock},    {"nav", TagEffect::kBlock},        {"main", TagEffect::kBlock},
    {"figure", TagEffect::kBlock},    {"form", TagEffect::kBlock},       {"fieldset", TagEffect::kBlock},
    {"center", TagEffect::kBlock},    {"caption", TagEffect::kBlock},
};
constexpr size_t kMaxTagName = 10;  // "blockquote"

TagEffect tag_effect(std::string_view lower_name) {
  for (const TagName& t : kTagNames)
    if (t.name == lower_name) return t.effect;
  return TagEffect::kNone;
}

// Named character references: the five of XML, the no-break space, and the
// typography word processors write into mail.
struct NamedEntity {
  std::string_view name;
  char32_t code_point;
};
constexpr NamedEntity kNamedEntities[] = {
    {"amp", U'&'},       {"lt", U'<'},        {"gt", U'>'},        {"quot", U'"'},      {"apos", U'\''},
    {"nbsp", U'\u00A0'}, {"copy", U'\u00A9'}, {"reg", U'\u00AE'},  {"trade", U'\u2122'}, {"middot", U'\u00B7'},
    {"bull", U'\u2022'}, {"hellip", U'\u2026'}, {"ndash", U'\u2013'}, {"mdash", U'\u2014'}, {"lsquo", U'\u2018'},
    {"rsquo", U'\u2019'}, {"ldquo", U'\u201C'}, {"rdquo", U'\u201D'}, {"laquo", U'\u00AB'}, {"raquo", U'\u00BB'},
    {"yen", U'\u00A5'},  {"times", U'\u00D7'},
};
constexpr size_t kMaxEntityName = 8;
constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kNoBreakSpace = 0xA0;
constexpr std::string_view kNoBreakSpaceUtf8 = "\xC2\xA0";

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// The text an HTML document shows, written as lines. Whitespace outside
// <pre> collapses as a browser collapses it; line breaks come from the
// tags alone; at most one blank line in a row; no blanks at the ends of
// lines or of the text. Bytes other than markup pass through untouched, so
// UTF-8 sequences are never split.
class HtmlText {
 public:
  explicit HtmlText(std::string_view html) : s_(html) { out_.reserve(html.size()); }

  std::string run() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '<') {
        markup();
      } else if (c == '&') {
        entity();
      } else if (s_.substr(i_, kNoBreakSpaceUtf8.size()) == kNoBreakSpaceUtf8) {
        space();
        i_ += kNoBreakSpaceUtf8.size();
      } else {
        character(c);
        ++i_;
      }
    }
    size_t end = out_.find_last_not_of(" \t\n");
    out_.erase(end == std::string::npos ? 0 : end + 1);
    out_.erase(0, out_.find_first_not_of(" \t\n"));  // <pre> may start the text with blanks
    return std::move(out_);
  }

 private:
  // ---- output ----
  void text(char c) {
    if (pending_space_ && !out_.empty() && out_.back() != '\n' && out_.back() != ' ') out_ += ' ';
    pending_space_ = false;
    out_ += c;
  }
  void space() { pending_space_ = true; }
  bool ends_with_blank_line() const { return out_.ends_with("\n\n"); }
  // Drops the blanks that end the current line (those of <pre>, or of an empty "- ").
  void end_line() {
    pending_space_ = false;
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
  }
  void line_break() {
    end_line();
    if (!out_.empty() && !ends_with_blank_line()) out_ += '\n';
  }
  void block_break() {
    end_line();
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
  }
  void paragraph_break() {
    block_break();
    if (!out_.empty() && !ends_with_blank_line()) out_ += '\n';
  }
  // A character of the document's text (or one a reference stands for).
  void character(char c) {
    if (pre_depth_ > 0) {
      if (c == '\n') line_break();
      else if (c != '\r') out_ += c;
    } else if (is_ascii_space(c)) {
      space();
    } else {
      text(c);
    }
  }
  void code_point(char32_t cp) {
    if (cp == kNoBreakSpace) {
      space();
    } else if (cp < 0x80) {
      character(static_cast<char>(cp));
    } else {
      std::string bytes;
      util::append_utf8(bytes, cp);
      for (char b : bytes) text(b);
    }
  }

  // ---- input ----
  // At '<': a tag, a comment or declaration, or a plain '<'.
  void markup() {
    const size_t n = s_.size();
    char next = i_ + 1 < n ? s_[i_ + 1] : '\0';
    if (s_.substr(i_, 4) == "<!--") {
      size_t end = s_.find("-->", i_ + 4);
      i_ = end == std::string_view::npos ? n : end + 3;
    } else if (next == '!' || next == '?') {
      size_t end = s_.find('>', i_ + 2);
      i_ = end == std::string_view::npos ? n : end + 1;
    } else if (is_ascii_letter(next) || (next == '/' && i_ + 2 < n && is_ascii_letter(s_[i_ + 2]))) {
      tag(next == '/');
    } else {
      text('<');
      ++i_;
    }
  }

  void tag(bool closing) {
    size_t p = i_ + (closing ? 2 : 1);
    std::string name;
    while (p < s_.size() && (is_ascii_letter(s_[p]) || is_ascii_digit(s_[p]) || s_[p] == ':' || s_[p] == '-')) {
      if (name.size() <= kMaxTagName) name += ascii_lower(s_[p]);
      ++p;
    }
    bool self_closing = false;
    i_ = tag_end(p, self_closing);
    TagEffect effect = tag_effect(name);
    switch (effect) {
      case TagEffect::kNone: break;
      case TagEffect::kLineBreak: line_break(); break;
      case TagEffect::kBlock: block_break(); break;
      case TagEffect::kParagraph: paragraph_break(); break;
      case TagEffect::kCell: space(); break;
      case TagEffect::kListItem:
        block_break();
        if (!closing) {
          out_ += "- ";
          pending_space_ = false;
        }
        break;
      case TagEffect::kPre:
        block_break();
        if (closing && pre_depth_ > 0) --pre_depth_;
        else if (!closing && !self_closing) ++pre_depth_;
        break;
      case TagEffect::kDropped:
        if (!closing && !self_closing) skip_element(name);
        break;
    }
  }

  // The position after the '>' closing a tag whose attributes start at `p`
  // (a '>' inside a quoted attribute value does not close it); the end of
  // the text when nothing does.
  size_t tag_end(size_t p, bool& self_closing) const {
    char last = '\0';  // the last character outside quotes and blanks
    for (; p < s_.size(); ++p) {
      char c = s_[p];
      if (c == '>') {
        self_closing = last == '/';
        return p + 1;
      }
      if ((c == '"' || c == '\'') && last == '=') {
        size_t close = s_.find(c, p + 1);
        if (close == std::string_view::npos) return s_.size();
        p = close;
        last = c;
      } else if (!is_ascii_space(c)) {
        last = c;
      }
    }
    return s_.size();
  }

  // Past the end tag of a script, style or title element that has just opened.
  void skip_element(std::string_view name) {
    for (size_t p = s_.find("</", i_); p != std::string_view::npos; p = s_.find("</", p + 2)) {
      size_t after = p + 2 + name.size();
      if (after > s_.size() || !util::equals_icase(s_.substr(p + 2, name.size()), name)) continue;
      if (after < s_.size() && !is_ascii_space(s_[after]) && s_[after] != '>' && s_[after] != '/') continue;
      bool unused = false;
      i_ = tag_end(after, unused);
      return;
    }
    i_ = s_.size();
  }

  // At '&': a character reference, or a plain '&' when it is not one.
  void entity() {
    size_t p = i_ + 1;
    if (p < s_.size() && s_[p] == '#') {
      if (numeric_entity(p + 1)) return;
    } else {
      size_t end = p;
      while (end < s_.size() && end - p <= kMaxEntityName && (is_ascii_letter(s_[end]) || is_ascii_digit(s_[end])))
        ++end;
      if (end < s_.size() && s_[end] == ';') {
        std::string_view name = s_.substr(p, end - p);
        for (const NamedEntity& e : kNamedEntities) {
          if (e.name != name) continue;
          i_ = end + 1;
          code_point(e.code_point);
          return;
        }
      }
    }
    text('&');  // an unknown name is kept as written
    ++i_;
  }

  // &#NNN; or &#xHH; from `p` (after the '#'); false when not one.
  bool numeric_entity(size_t p) {
    bool hex = p < s_.size() && (s_[p] == 'x' || s_[p] == 'X');
    if (hex) ++p;
    size_t first = p;
    char32_t value = 0;
    for (; p < s_.size(); ++p) {
      int digit = hex ? hex_value(s_[p]) : (is_ascii_digit(s_[p]) ? s_[p] - '0' : -1);
      if (digit < 0) break;
      if (value <= kMaxCodePoint) value = value * (hex ? 16 : 10) + static_cast<char32_t>(digit);
    }
    if (p == first || p >= s_.size() || s_[p] != ';') return false;
    bool surrogate = value >= 0xD800 && value <= 0xDFFF;
    i_ = p + 1;
    code_point(value == 0 || surrogate || value > kMaxCodePoint ? kReplacement : value);
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string out_;
  bool pending_space_ = false;
  int pre_depth_ = 0;
};

class HtmlToTextStep final : public Step {
 public:
  std::string_view name() const override { return "html_to_text"; }
  Result<Kind> output_kind(Kind input) const override {
    if (input == Kind::kJson) return cannot_take(name(), input);
    return Kind::kText;
  }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    return Value(HtmlText(*v).run());
  }
};

// ---- size / sha256 ----------------------------------------------------------------

class SizeStep final : public Step {
 public:
  std::string_view name() const override { return "size"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kInteger; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    return Value(std::to_string(v->size()));
  }
};

class Sha256Step final : public Step {
 public:
  std::string_view name() const override { return "sha256"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    return Value(util::to_hex(util::sha256(*v)));
  }
};

// ---- id_check -------------------------------------------------------------------

// A resident identity number (GB 11643-1999): 17 digits, a plausible region
// and birth date, and the check character the digits give (0–9 or X). The
// value comes out trimmed with its x upper-cased; the 15-digit numbers of
// before 1999 pass as they are when the step allows them. "" is NULL, as
// legacy systems write "" for "unknown".
class IdCheckStep final : public Step {
 public:
  explicit IdCheckStep(bool accept_15) : accept_15_(accept_15) {}
  std::string_view name() const override { return "id_check"; }
  model::PiiClass reads_pii() const override { return model::PiiClass::kNationalId; }
  Result<Kind> output_kind(Kind input) const override {
    if (input != Kind::kAny && input != Kind::kText && input != Kind::kInteger) return cannot_take(name(), input);
    return Kind::kText;
  }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = util::trim(*v);
    if (s.empty()) return Value();
    switch (pii::check_resident_id(s)) {
      case pii::IdCheck::kValid: {
        std::string out(s);
        if (out.back() == 'x') out.back() = 'X';
        return Value(std::move(out));
      }
      case pii::IdCheck::kBadChecksum:
        return step_error(kBadValue, name(), "check character does not match");
      case pii::IdCheck::kLegacy15:
        if (accept_15_) return Value(std::string(s));
        return step_error(kBadValue, name(), "a 15-digit ID of before 1999 ({accept_15: true} lets it pass)");
      case pii::IdCheck::kNotId: break;
    }
    return step_error(kBadValue, name(), "not an 18-character resident ID");
  }

 private:
  bool accept_15_;
};

}  // namespace

BuildResult build_coalesce(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<CoalesceStep>());
}

BuildResult build_decode(const StepArgs& a) {
  if (a.absent()) return std::unique_ptr<Step>(std::make_unique<DecodeStep>(std::nullopt));
  constexpr std::string_view kExpected =
      "expected base64, quoted-printable or none (without an argument the encoding is read from the field's "
      "second column)";
  if (!a.args.IsScalar()) return a.error(kExpected);
  const std::string& word = a.args.Scalar();
  std::vector<std::string> names;
  for (const EncodingName& e : kArgumentEncodings) {
    if (util::equals_icase(word, e.name)) return std::unique_ptr<Step>(std::make_unique<DecodeStep>(e.encoding));
    names.emplace_back(e.name);
  }
  std::string hint = util::closest_match(util::to_lower(word), names);
  if (!hint.empty()) return a.error("unknown encoding '" + word + "', did you mean '" + hint + "'?");
  return a.error(std::string(kExpected) + ", got '" + word + "'");
}

BuildResult build_html_to_text(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<HtmlToTextStep>());
}

BuildResult build_size(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<SizeStep>());
}

BuildResult build_sha256(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<Sha256Step>());
}

BuildResult build_id_check(const StepArgs& a) {
  bool accept_15 = false;
  if (a.args.IsMap()) {
    CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"accept_15"}));
    if (std::optional<YAML::Node> node = member(a.args, "accept_15")) {
      CSB_ASSIGN_OR_RETURN(accept_15, bool_arg(a, *node, "'accept_15'"));
    }
  } else if (!a.absent()) {
    return a.error("expected no argument or {accept_15: true}");
  }
  return std::unique_ptr<Step>(std::make_unique<IdCheckStep>(accept_15));
}

}  // namespace csbridge::transform::internal
