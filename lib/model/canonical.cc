#include "model/canonical.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace csbridge::model {
namespace {

using model::FieldType;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Sign, integer digits without leading zeros, fraction without trailing zeros.
bool append_number(std::string_view v, bool allow_fraction, std::string& out) {
  std::string_view s = util::trim(v);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (dot != std::string_view::npos && !allow_fraction) return false;
  if (whole.empty() && frac.empty()) return false;
  if (!std::all_of(whole.begin(), whole.end(), is_digit) || !std::all_of(frac.begin(), frac.end(), is_digit)) {
    return false;
  }
  while (!whole.empty() && whole.front() == '0') whole.remove_prefix(1);
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (whole.empty() && frac.empty()) {
    out += '0';
    return true;
  }
  if (negative) out += '-';
  if (whole.empty()) out += '0';
  else out.append(whole);
  if (!frac.empty()) {
    out += '.';
    out.append(frac);
  }
  return true;
}

bool append_boolean(std::string_view v, std::string& out) {
  std::string lower = util::to_lower(util::trim(v));
  if (lower == "true" || lower == "t" || lower == "1" || lower == "yes" || lower == "y" || lower == "on") {
    out += "true";
  } else if (lower == "false" || lower == "f" || lower == "0" || lower == "no" || lower == "n" || lower == "off") {
    out += "false";
  } else {
    return false;
  }
  return true;
}

int digits(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

void append_2(std::string& out, int v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

// "YYYY-MM-DD[ T]HH:MM[:SS[.f…]][Z|±HH[:MM]|±HHMM]" → UTC canonical form.
bool append_timestamp(std::string_view v, std::string& out) {
  std::string_view s = util::trim(v);
  if (s.size() < 16 || !is_digit(s[0]) || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':') {
    return false;
  }
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}) {
    if (!is_digit(s[i])) return false;
  }
  int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = 0;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (pos + 3 > s.size() || !is_digit(s[pos + 1]) || !is_digit(s[pos + 2])) return false;
    second = digits(s, pos + 1, 2);
    pos += 3;
  }
  std::string_view frac;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    frac = s.substr(start, pos - start);
  }
  int offset_minutes = 0;
  std::string_view zone = util::trim(s.substr(pos));
  if (zone == "Z" || zone == "z" || zone == "UTC") {
  } else if (!zone.empty()) {
    if (zone[0] != '+' && zone[0] != '-') return false;
    int sign = zone[0] == '-' ? -1 : 1;
    std::string z;
    for (char c : zone.substr(1)) {
      if (is_digit(c)) z += c;
      else if (c != ':') return false;
    }
    if (z.size() != 2 && z.size() != 4) return false;
    offset_minutes = sign * (digits(z, 0, 2) * 60 + (z.size() == 4 ? digits(z, 2, 2) : 0));
  }
  int64_t seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                    hour * 3600 + minute * 60 + second - offset_minutes * 60;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t rest = seconds - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) return false;
  out += static_cast<char>('0' + y / 1000);
  out += static_cast<char>('0' + y / 100 % 10);
  append_2(out, static_cast<int>(y % 100));
  out += '-';
  append_2(out, static_cast<int>(m));
  out += '-';
  append_2(out, static_cast<int>(d));
  out += ' ';
  append_2(out, static_cast<int>(rest / 3600));
  out += ':';
  append_2(out, static_cast<int>(rest / 60 % 60));
  out += ':';
  append_2(out, static_cast<int>(rest % 60));
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  if (!frac.empty()) {
    out += '.';
    out.append(frac);
  }
  return true;
}

// A small JSON canonicaliser: compact, keys sorted, strings decoded and re-escaped.
class JsonCanon {
 public:
  explicit JsonCanon(std::string_view in) : in_(in) {}

  bool run(std::string& out) {
    if (!value(out, 0)) return false;
    skip_ws();
    return pos_ == in_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  void skip_ws() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) ++pos_;
  }

  bool value(std::string& out, int depth) {
    if (depth > kMaxDepth) return false;
    skip_ws();
    if (pos_ >= in_.size()) return false;
    char c = in_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string s;
      if (!string(s)) return false;
      escape(s, out);
      return true;
    }
    size_t start = pos_;
    while (pos_ < in_.size() && std::strchr(",]} \t\r\n", in_[pos_]) == nullptr) ++pos_;
    std::string_view atom = in_.substr(start, pos_ - start);
    if (atom == "true" || atom == "false" || atom == "null") {
      out.append(atom);
      return true;
    }
    size_t before = out.size();
    if (append_number(atom, true, out)) return true;
    out.resize(before);
    out.append(atom);  // exponent forms: kept as written
    return !atom.empty();
  }

  bool object(std::string& out, int depth) {
    ++pos_;
    std::vector<std::pair<std::string, std::string>> members;
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == '}') {
      ++pos_;
      out += "{}";
      return true;
    }
    while (true) {
      skip_ws();
      std::string key, val;
      if (pos_ >= in_.size() || in_[pos_] != '"' || !string(key)) return false;
      skip_ws();
      if (pos_ >= in_.size() || in_[pos_] != ':') return false;
      ++pos_;
      if (!value(val, depth + 1)) return false;
      members.emplace_back(std::move(key), std::move(val));
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == '}') {
        ++pos_;
        break;
      }
      return false;
    }
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      escape(members[i].first, out);
      out += ':';
      out += members[i].second;
    }
    out += '}';
    return true;
  }

  bool array(std::string& out, int depth) {
    ++pos_;
    out += '[';
    skip_ws();
    if (pos_ < in_.size() && in_[pos_] == ']') {
      ++pos_;
      out += ']';
      return true;
    }
    for (bool first = true;; first = false) {
      if (!first) out += ',';
      if (!value(out, depth + 1)) return false;
      skip_ws();
      if (pos_ < in_.size() && in_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < in_.size() && in_[pos_] == ']') {
        ++pos_;
        out += ']';
        return true;
      }
      return false;
    }
  }

  bool hex4(uint32_t& cp) {
    if (pos_ + 4 > in_.size()) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[pos_++];
      cp <<= 4;
      if (is_digit(c)) cp |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') cp |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') cp |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  bool string(std::string& s) {
    ++pos_;
    while (pos_ < in_.size()) {
      char c = in_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        s += c;
        continue;
      }
      if (pos_ >= in_.size()) return false;
      char e = in_[pos_++];
      switch (e) {
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 6 <= in_.size() && in_[pos_] == '\\' && in_[pos_ + 1] == 'u') {
            pos_ += 2;
            uint32_t lo;
            if (!hex4(lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          util::append_utf8(s, static_cast<char32_t>(cp));
          break;
        }
        default: s += e;
      }
    }
    return false;
  }

  static void escape(std::string_view s, std::string& out) { util::append_json_string(out, s); }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

void append_canonical(FieldType type, std::string_view value, std::string& out) {
  size_t before = out.size();
  bool ok = true;
  switch (type) {
    case FieldType::kId:
    case FieldType::kInteger:
    case FieldType::kBigint:
      ok = append_number(value, false, out);
      break;
    case FieldType::kDecimal:
      ok = append_number(value, true, out);
      break;
    case FieldType::kBoolean:
      ok = append_boolean(value, out);
      break;
    case FieldType::kTimestamp:
      ok = append_timestamp(value, out);
      break;
    case FieldType::kDate:
      out.append(value.substr(0, std::min<size_t>(value.size(), value.size() >= 10 && value[4] == '-' ? 10 : value.size())));
      break;
    case FieldType::kJson:
      ok = JsonCanon(value).run(out);
      break;
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kEnum: {
      std::string_view v = value;
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      out.append(v);
      break;
    }
  }
  if (!ok) {
    out.resize(before);
    out.append(value);
  }
}

std::string canonical(FieldType type, std::string_view value) {
  std::string out;
  append_canonical(type, value, out);
  return out;
}

void Fingerprint::add_null() { buffer_ += '\0'; }

void Fingerprint::add(FieldType type, std::string_view value) {
  scratch_.clear();
  append_canonical(type, value, scratch_);
  buffer_ += '\1';
  uint32_t n = static_cast<uint32_t>(scratch_.size());
  buffer_.append(reinterpret_cast<const char*>(&n), sizeof n);
  buffer_ += scratch_;
}

uint64_t Fingerprint::digest() const { return XXH3_64bits(buffer_.data(), buffer_.size()); }

}  // namespace csbridge::model
