#include "assess/name_tokens.h"

#include <cctype>

#include "util/strings.h"

namespace csbridge::assess {
namespace {

bool is_ascii_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_ascii_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }

constexpr std::string_view kDroppedPrefixes[] = {"tbl", "tb", "t"};

}  // namespace

std::string singular(std::string_view word) {
  std::string w(word);
  auto ends = [&w](std::string_view s) { return w.size() > s.size() && w.compare(w.size() - s.size(), s.size(), s) == 0; };
  if (w.size() <= 3) return w;
  if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("sses") || ends("shes") || ends("ches") || ends("xes") || ends("uses") || ends("sses")) {
    return w.substr(0, w.size() - 2);
  }
  if (ends("ss") || ends("us") || ends("is")) return w;
  if (ends("s")) return w.substr(0, w.size() - 1);
  return w;
}

std::vector<std::string> name_tokens(std::string_view id) {
  std::vector<std::string> words;
  std::string cur;
  enum class Kind { kNone, kLower, kUpper, kDigit, kWide } kind = Kind::kNone;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(util::to_lower(cur));
    cur.clear();
  };
  for (size_t i = 0; i < id.size();) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c >= 0x80) {  // a UTF-8 sequence: CJK and friends stay together
      size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (kind != Kind::kWide) flush();
      cur.append(id.substr(i, len));
      kind = Kind::kWide;
      i += len;
      continue;
    }
    char ch = static_cast<char>(c);
    if (!is_ascii_alpha(ch) && !is_ascii_digit(ch)) {
      flush();
      kind = Kind::kNone;
      ++i;
      continue;
    }
    Kind k = is_ascii_digit(ch) ? Kind::kDigit : is_upper(ch) ? Kind::kUpper : Kind::kLower;
    bool boundary = kind == Kind::kWide || kind == Kind::kNone || (k == Kind::kDigit) != (kind == Kind::kDigit) ||
                    (k == Kind::kUpper && kind == Kind::kLower) ||
                    // "HTTPServer": the last capital before a lower-case letter starts a word
                    (k == Kind::kUpper && kind == Kind::kUpper && i + 1 < id.size() && std::islower(static_cast<unsigned char>(id[i + 1])));
    if (boundary) flush();
    cur += ch;
    kind = k;
    ++i;
  }
  flush();
  if (words.size() > 1) {
    for (std::string_view p : kDroppedPrefixes) {
      if (words.front() == p) {
        words.erase(words.begin());
        break;
      }
    }
  }
  for (std::string& w : words) {
    if (is_ascii_alpha(w[0])) w = singular(w);
  }
  return words;
}

bool has_token(std::string_view identifier, std::string_view token) {
  if (!token.empty() && static_cast<unsigned char>(token[0]) >= 0x80) {
    return identifier.find(token) != std::string_view::npos;
  }
  for (const std::string& w : name_tokens(identifier)) {
    if (w == token) return true;
  }
  return false;
}

}  // namespace csbridge::assess
