#include "assess/value_scan.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>

#include "util/strings.h"

namespace csbridge::assess {
namespace {

constexpr std::string_view kReplacement = "\uFFFD";
constexpr std::string_view kCjkShape = "汉";

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

size_t decode_utf8(const unsigned char* p, size_t n, size_t i, char32_t& cp) {
  unsigned char c = p[i];
  size_t len;
  unsigned min_second = 0x80, max_second = 0xBF;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
  else if (c == 0xE0) len = 3, cp = c & 0x0F, min_second = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) len = 3, cp = c & 0x0F;
  else if (c == 0xED) len = 3, cp = c & 0x0F, max_second = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) len = 3, cp = c & 0x0F;
  else if (c == 0xF0) len = 4, cp = c & 0x07, min_second = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) len = 4, cp = c & 0x07;
  else if (c == 0xF4) len = 4, cp = c & 0x07, max_second = 0x8F;
  else return 0;
  if (i + len > n || p[i + 1] < min_second || p[i + 1] > max_second) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  return len;
}

namespace {

bool is_cjk_ideograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

constexpr char32_t kIdeographicSpace = 0x3000;

// The shape character of each ASCII byte (see Shape): a look-up, not a chain
// of branches that random text (hex digests, codes) keeps mispredicting.
constexpr std::array<char, 0x80> kAsciiShape = [] {
  std::array<char, 0x80> t{};
  for (size_t c = 0; c < t.size(); ++c) {
    char out = static_cast<char>(c);
    if (is_digit(out)) out = '9';
    else if (c >= 'a' && c <= 'z') out = 'a';
    else if (c >= 'A' && c <= 'Z') out = 'A';
    else if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') out = ' ';
    t[c] = out;
  }
  return t;
}();

}  // namespace

Shape::Shape(std::string_view value) {
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    const size_t n = value.size();
    size_t i = 0;
    for (size_t chars = 0; i < n && chars < kShapeChars; ++chars) {
      const unsigned char c = p[i];
      if (c < 0x80) {
        buffer_[size_++] = kAsciiShape[c];
        ++i;
        continue;
      }
      char32_t cp = 0;
      const size_t len = decode_utf8(p, n, i, cp);
      if (len == 0) {
        append(kReplacement);
        ++i;
      } else if (is_cjk_ideograph(cp)) {
        append(kCjkShape);
        i += len;
      } else if (cp == kIdeographicSpace) {
        buffer_[size_++] = ' ';
        i += len;
      } else {
        append(value.substr(i, len));
        i += len;
      }
    }
    if (i < n) append(kEllipsis);
}

void Shape::append(std::string_view s) {
  std::copy(s.begin(), s.end(), buffer_.begin() + size_);
  size_ += s.size();
}

namespace {

constexpr uint64_t kByteOnes = 0x0101010101010101;
constexpr uint64_t kByteHighBits = 0x8080808080808080;

uint64_t load_word(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Bit 7 of each byte of the result is set where that byte of `w` is zero
// (exact as to whether any byte is: false positives only follow a true zero).
uint64_t zero_bytes(uint64_t w) { return (w - kByteOnes) & ~w & kByteHighBits; }

// Sum of the bytes of `w` when it is below 256.
uint64_t byte_sum(uint64_t w) { return (w * kByteOnes) >> 56; }

}  // namespace

ByteScan scan_bytes(std::string_view v) {
  // Per-byte continuation counters are summed every kWordsPerSum words, before a lane can pass 255/8.
  constexpr size_t kWordsPerSum = 31;
  const size_t n = v.size();
  size_t continuation = 0, i = 0;
  uint64_t high = 0, digits = 0, ats = 0, nuls = 0;
  while (i + sizeof(uint64_t) <= n) {
    uint64_t lanes = 0;
    for (size_t words = 0; words < kWordsPerSum && i + sizeof(uint64_t) <= n; ++words, i += sizeof(uint64_t)) {
      const uint64_t w = load_word(v.data() + i);
      lanes += (w & ~(w << 1) & kByteHighBits) >> 7;  // 10xxxxxx
      high |= w;
      // Per 7-bit byte x: x + 0x50 reaches bit 7 from '0' on, x + 0x46 from '9' + 1 on.
      const uint64_t low7 = w & ~kByteHighBits;
      digits |= (low7 + 0x50 * kByteOnes) & ~(low7 + 0x46 * kByteOnes) & ~w;
      ats |= zero_bytes(w ^ ('@' * kByteOnes));
      nuls |= zero_bytes(w);
    }
    continuation += byte_sum(lanes);
  }
  bool digit = (digits & kByteHighBits) != 0, at = ats != 0, nul = nuls != 0;
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    continuation += (c & 0xC0) == 0x80;
    high |= c;
    digit |= c >= '0' && c <= '9';
    at |= c == '@';
    nul |= c == 0;
  }
  return {n - continuation, (high & kByteHighBits) != 0, digit, at, nul};
}

bool is_valid_utf8(std::string_view v) {
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  const size_t n = v.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      while (i + sizeof(uint64_t) <= n && (load_word(v.data() + i) & kByteHighBits) == 0) i += sizeof(uint64_t);
      continue;
    }
    // E1..EC and EE..EF take any two continuation bytes (E0 and ED restrict the second).
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 2 < n && (p[i + 1] & 0xC0) == 0x80 &&
        (p[i + 2] & 0xC0) == 0x80) {
      i += 3;
      continue;
    }
    char32_t cp = 0;
    const size_t len = decode_utf8(p, n, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

namespace {

// Reads 1..max_digits digits at v[pos]; -1 when there are fewer than min_digits.
int read_number(std::string_view v, size_t& pos, size_t min_digits, size_t max_digits) {
  int value = 0;
  size_t n = 0;
  while (pos < v.size() && n < max_digits && is_digit(v[pos])) {
    value = value * 10 + (v[pos] - '0');
    ++pos;
    ++n;
  }
  return n >= min_digits ? value : -1;
}

constexpr int kMaxMonth = 12, kMaxDay = 31, kMaxHour = 24, kMaxMinute = 59, kMaxSecond = 60;

// YYYY-MM-DD or YYYY/MM/DD (legacy exports drop leading zeros: 2023/8/5),
// optionally followed by ' ' or 'T', HH:MM[:SS[.fraction]] and a zone (Z, ±HH[:MM]).
DateTime parse_date_time(std::string_view v) {
  size_t pos = 0;
  const int year = read_number(v, pos, 4, 4);
  if (year < 0 || pos >= v.size() || (v[pos] != '-' && v[pos] != '/')) return {};
  const char sep = v[pos++];
  const int month = read_number(v, pos, 1, 2);
  if (month < 0 || month > kMaxMonth || pos >= v.size() || v[pos++] != sep) return {};
  const int day = read_number(v, pos, 1, 2);
  if (day < 0 || day > kMaxDay) return {};
  const bool zero = year == 0 || month == 0 || day == 0;
  if (pos == v.size()) return {ValueKind::kDate, zero};
  if (v[pos] != ' ' && v[pos] != 'T') return {};
  ++pos;
  const int hour = read_number(v, pos, 1, 2);
  if (hour < 0 || hour > kMaxHour || pos >= v.size() || v[pos++] != ':') return {};
  const int minute = read_number(v, pos, 2, 2);
  if (minute < 0 || minute > kMaxMinute) return {};
  if (pos < v.size() && v[pos] == ':') {
    ++pos;
    const int second = read_number(v, pos, 2, 2);
    if (second < 0 || second > kMaxSecond) return {};
    if (pos < v.size() && v[pos] == '.') {
      ++pos;
      if (read_number(v, pos, 1, 9) < 0) return {};
    }
  }
  if (pos < v.size() && v[pos] == ' ') ++pos;
  if (pos < v.size() && v[pos] == 'Z') {
    ++pos;
  } else if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) {
    ++pos;
    if (read_number(v, pos, 2, 2) < 0) return {};
    if (pos < v.size() && v[pos] == ':') ++pos;
    if (pos < v.size() && read_number(v, pos, 2, 2) < 0) return {};
  }
  if (pos != v.size()) return {};
  return {ValueKind::kTimestamp, zero};
}

// [+-]digits, or a decimal with '.' and/or an exponent. kOther otherwise.
ValueKind number_kind(std::string_view v) {
  size_t pos = 0;
  if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) ++pos;
  size_t digits = 0;
  while (pos < v.size() && is_digit(v[pos])) ++pos, ++digits;
  bool decimal = false;
  if (pos < v.size() && v[pos] == '.') {
    decimal = true;
    ++pos;
    while (pos < v.size() && is_digit(v[pos])) ++pos, ++digits;
  }
  if (digits == 0) return ValueKind::kOther;
  if (pos < v.size() && (v[pos] == 'e' || v[pos] == 'E')) {
    decimal = true;
    ++pos;
    if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) ++pos;
    size_t exponent_digits = 0;
    while (pos < v.size() && is_digit(v[pos])) ++pos, ++exponent_digits;
    if (exponent_digits == 0) return ValueKind::kOther;
  }
  if (pos != v.size()) return ValueKind::kOther;
  return decimal ? ValueKind::kDecimal : ValueKind::kInteger;
}

}  // namespace

// The kind of a short ASCII value.
DateTime value_kind(std::string_view v) {
  if (v.empty()) return {};
  if (util::equals_icase(v, "true") || util::equals_icase(v, "false")) return {ValueKind::kBoolean, false};
  if (ValueKind number = number_kind(v); number != ValueKind::kOther) return {number, false};
  return parse_date_time(v);
}

namespace {

std::optional<PlainDecimal> plain_decimal(std::string_view v) {
  PlainDecimal d;
  size_t pos = 0;
  if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) d.negative = v[pos++] == '-';
  const size_t integer_start = pos;
  while (pos < v.size() && is_digit(v[pos])) ++pos;
  d.integer = v.substr(integer_start, pos - integer_start);
  if (pos < v.size() && v[pos] == '.') {
    const size_t fraction_start = ++pos;
    while (pos < v.size() && is_digit(v[pos])) ++pos;
    d.fraction = v.substr(fraction_start, pos - fraction_start);
  }
  if (pos != v.size() || (d.integer.empty() && d.fraction.empty())) return std::nullopt;
  while (!d.integer.empty() && d.integer.front() == '0') d.integer.remove_prefix(1);
  while (!d.fraction.empty() && d.fraction.back() == '0') d.fraction.remove_suffix(1);
  if (d.integer.empty() && d.fraction.empty()) d.negative = false;  // -0 == 0
  return d;
}

int sign_of(int c) { return (c > 0) - (c < 0); }

int compare_plain(const PlainDecimal& a, const PlainDecimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int magnitude = sign_of(static_cast<int>(a.integer.size()) - static_cast<int>(b.integer.size()));
  if (magnitude == 0) magnitude = sign_of(a.integer.compare(b.integer));
  if (magnitude == 0) magnitude = sign_of(a.fraction.compare(b.fraction));
  return a.negative ? -magnitude : magnitude;
}

std::optional<double> parse_double(std::string_view v) {
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size() || d != d) return std::nullopt;
  return d;
}

}  // namespace

NumericKey numeric_key(std::string_view v) {
  NumericKey key;
  if (auto plain = plain_decimal(v)) {
    key.form = NumericKey::Form::kPlain;
    key.plain = *plain;
  } else if (auto real = parse_double(v)) {
    key.form = NumericKey::Form::kReal;
    key.real = *real;
  }
  return key;
}

int compare_numeric(const NumericKey& a, std::string_view a_text, const NumericKey& b, std::string_view b_text) {
  using Form = NumericKey::Form;
  if (a.form == Form::kPlain && b.form == Form::kPlain) return compare_plain(a.plain, b.plain);
  if (a.form != Form::kText && b.form != Form::kText) {
    const double da = a.form == Form::kReal ? a.real : parse_double(a_text).value_or(0);
    const double db = b.form == Form::kReal ? b.real : parse_double(b_text).value_or(0);
    return (da > db) - (da < db);
  }
  if (a.form != Form::kText || b.form != Form::kText) return a.form != Form::kText ? -1 : 1;
  return sign_of(a_text.compare(b_text));
}

}  // namespace csbridge::assess
