#include "pii/detect.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

#include "pii/chinese_names.h"
#include "util/strings.h"

namespace csbridge::pii {
namespace {

using model::PiiClass;

// docs/personal-data.md: the allocated mobile prefixes, applied after normalize_phone:
// 1(?:3\d|4[5-9]|5[0-35-9]|6[25-7]|7[0-8]|8\d|9[0-35-9])\d{8}. Checked by
// hand (kMobileThirdDigits), not by a regex: it runs once per phone value.
// Per second digit, bit d set when third digit d is allocated.
constexpr std::array<uint16_t, 10> kMobileThirdDigits = {
    0, 0, 0,
    0b11'1111'1111,  // 13x
    0b11'1110'0000,  // 145–149
    0b11'1110'1111,  // 150–153, 155–159
    0b00'1110'0100,  // 162, 165–167
    0b01'1111'1111,  // 170–178
    0b11'1111'1111,  // 18x
    0b11'1110'1111,  // 190–193, 195–199
};
// ASCII local@domain.tld; no leading, trailing or doubled dot in the local
// part, labels not starting or ending with '-'.
constexpr const char* kEmailPattern =
    R"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@)"
    R"([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})";

constexpr size_t kMobileDigits = 11;
constexpr size_t kIdLength = 18;
constexpr size_t kLegacyIdLength = 15;
constexpr size_t kIdRegionDigits = 6;
constexpr size_t kIdDateDigits = 8;
constexpr size_t kIdTailChars = 4;  // sequence + check character
constexpr int kIdMinYear = 1900;
constexpr int kIdMaxYear = 2099;
constexpr int kLegacyIdCentury = 1900;
constexpr std::array<int, 17> kIdWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kIdCheckChars = "10X98765432";
constexpr size_t kCardMinDigits = 13;
constexpr size_t kCardMaxDigits = 19;
// In free text only 16–19 digit cards are looked for: 13–15 digit runs are
// far more often order or account numbers than (rare, non-UnionPay) cards.
constexpr size_t kTextCardMinDigits = 16;
constexpr size_t kCardGroupDigits = 4;
constexpr size_t kMinSubscriberDigits = 7;
constexpr size_t kMaxSubscriberDigits = 8;
constexpr size_t kMinSubscriberPart = 3;  // a subscriber written in two parts: 888 6666, 8888 6666
constexpr size_t kMaxSubscriberPart = 4;
constexpr size_t kMaxExtensionDigits = 6;
constexpr std::string_view kIntlPrefix = "86";
constexpr std::string_view kIntlDialPrefix = "0086";
// The longest grouping a match may span: a 19-digit card written 4-4-4-4-3.
constexpr size_t kMaxSpanGroups = 5;
// No class is longer than this many digits (a 0086-prefixed mobile is 15,
// a card 19); longer spans are rejected before their digits are copied.
constexpr size_t kMaxSpanDigits = 19;
// Digit groups read per token; a longer chain of space-separated numbers is
// cut and read on as a new token (see match_token).
constexpr size_t kMaxTokenGroups = 32;
// Full-width parentheses as UTF-8.
constexpr std::string_view kWideOpenParen = "\xEF\xBC\x88";
constexpr std::string_view kWideCloseParen = "\xEF\xBC\x89";

struct Patterns {
  RE2 email{kEmailPattern};
};

// Compiled once per process, shared by every Detector and the free functions.
const Patterns& patterns() {
  static const Patterns kPatterns;
  return kPatterns;
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_ascii_alnum(char c) { return is_digit(c) || is_ascii_alpha(c); }
constexpr bool is_check_char(char c) { return c == 'X' || c == 'x'; }
constexpr bool is_phone_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')'; }
constexpr bool is_group_separator(char c) { return c == ' ' || c == '-'; }
constexpr bool is_email_local_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr bool is_email_domain_char(char c) { return is_ascii_alnum(c) || c == '.' || c == '-'; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

int digits_value(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool is_plausible_date(int year, int month, int day) {
  constexpr std::array<int, 12> kDaysInMonth = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < kIdMinYear || year > kIdMaxYear || month < 1 || month > 12 || day < 1) return false;
  int days = kDaysInMonth[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
  return day <= days;
}

// Region codes start with 1–8 (北京 11 … 台港澳 71, 81, 82).
bool is_plausible_region(char first) { return first >= '1' && first <= '8'; }

// Length of the area code (with its 0) that landline digits start with, 0 if
// none: 010 and 02x are the two-digit codes, every other code has three.
size_t area_code_length(std::string_view digits) {
  constexpr size_t kShortCode = 3, kLongCode = 4;
  if (digits.size() < kShortCode || digits[0] != '0') return 0;
  size_t len = digits[1] == '1' ? (digits[2] == '0' ? kShortCode : 0)
               : digits[1] == '2'                   ? kShortCode
               : digits[1] >= '3' && digits[1] <= '9' ? kLongCode
                                                      : 0;
  return len <= digits.size() ? len : 0;
}

bool is_subscriber(std::string_view digits) {
  return digits.size() >= kMinSubscriberDigits && digits.size() <= kMaxSubscriberDigits && digits[0] != '0';
}

bool is_extension(std::string_view digits) {
  return !digits.empty() && digits.size() <= kMaxExtensionDigits && all_digits(digits);
}

// Area code and subscriber of a landline without extension.
std::optional<Landline> parse_landline_number(std::string_view value) {
  std::string digits = normalize_phone(value);
  if (digits.empty()) return std::nullopt;
  // "+86 571 8888 6666" drops the trunk 0 that the area code needs.
  bool international = value.substr(0, 1) == "+" || value.substr(0, kIntlDialPrefix.size()) == kIntlDialPrefix;
  if (international && digits[0] != '0') digits = "0" + digits;
  size_t area = area_code_length(digits);
  if (area == 0 || !is_subscriber(std::string_view(digits).substr(area))) return std::nullopt;
  return Landline{digits.substr(0, area), digits.substr(area), ""};
}

// ---- free-text scanning ----------------------------------------------------

// One run of digits of a number token, as written: "138-1234-5678" has three.
// No default member initialisers: a Token holds kMaxTokenGroups of these and
// is set up per text, so read_groups assigns every field it uses instead.
struct Group {
  size_t begin;
  size_t end;        // past the last digit, or past the check character
  char separator;    // ' ' or '-' before this group; 0 for the first
  bool check_char;   // ends with the X of a resident ID
};

enum class Lead { kNone, kPlus, kParen };  // what the token starts with

// A number token: its digit groups and how it starts.
struct Token {
  size_t start = 0;  // offset of '+', '(' or the first digit
  Lead lead = Lead::kNone;
  std::array<Group, kMaxTokenGroups> groups;
  size_t count = 0;
  size_t end = 0;             // past the last group
  bool tail_blocked = false;  // the last group runs into an ASCII letter or a mask
  bool cut = false;           // more groups follow than a token holds
};

struct Found {
  PiiClass pii = PiiClass::kNone;
  bool valid = true;
};

// The digits of groups [s, e) run together, with their lengths.
struct Span {
  std::array<char, kMaxSpanDigits> buffer;
  std::array<size_t, kMaxSpanGroups> lens;
  size_t count = 0;
  size_t total = 0;
  bool check_char = false;
  std::string_view digits() const { return {buffer.data(), total}; }
  bool shape_is(std::initializer_list<size_t> shape) const {
    return shape.size() == count && std::equal(shape.begin(), shape.end(), lens.begin());
  }
};

// Mobile shapes as people write them: 13812345678, 138 12345678,
// 1381234 5678, 138-1234-5678.
bool is_mobile_shape(const size_t* lens, size_t count) {
  auto is = [&](std::initializer_list<size_t> shape) {
    return shape.size() == count && std::equal(shape.begin(), shape.end(), lens);
  };
  return is({kMobileDigits}) || is({3, 8}) || is({7, 4}) || is({3, 4, 4});
}

// A mobile, optionally after 86 / 0086 (+86 when the token starts with '+'),
// whether the prefix is its own group ("+86 138…") or fused ("+86138…").
bool is_mobile_span(const Span& span, Lead lead) {
  std::string_view d = span.digits();
  size_t strip = d.substr(0, kIntlDialPrefix.size()) == kIntlDialPrefix ? kIntlDialPrefix.size()
                 : d.substr(0, kIntlPrefix.size()) == kIntlPrefix     ? kIntlPrefix.size()
                                                                      : 0;
  if (lead == Lead::kPlus && strip != kIntlPrefix.size()) return false;
  std::array<size_t, kMaxSpanGroups> lens = span.lens;
  const size_t* first = lens.data();
  size_t count = span.count;
  if (strip > 0) {
    if (lens[0] == strip) {
      ++first;
      --count;
    } else if (lens[0] > strip) {
      lens[0] -= strip;
    } else {
      return false;
    }
  }
  return count > 0 && is_mobile_shape(first, count) && is_mobile(d.substr(strip));
}

// 0571-88886666, 0571 8888 6666, 021-1234-5678-123, 057188886666, (010)12345678:
// an area-code group (or area code fused with the subscriber), the subscriber
// in one or two groups, then an optional extension after '-'.
bool is_landline_span(const Span& span, const Group* groups) {
  std::string_view d = span.digits();
  size_t area = area_code_length(d);
  if (area == 0) return false;
  size_t next = 1;
  size_t sub_len = 0;
  if (span.lens[0] > area) {
    sub_len = span.lens[0] - area;
  } else if (span.lens[0] == area && span.count > 1) {
    sub_len = span.lens[1];
    next = 2;
    // 1234 5678 / 888 6666 / 8888 666: a subscriber split once.
    auto is_part = [](size_t len) { return len >= kMinSubscriberPart && len <= kMaxSubscriberPart; };
    if (!is_subscriber(d.substr(area, sub_len)) && span.count > 2 && is_part(span.lens[1]) && is_part(span.lens[2])) {
      sub_len += span.lens[2];
      next = 3;
    }
  } else {
    return false;
  }
  if (!is_subscriber(d.substr(area, sub_len))) return false;
  if (next == span.count) return true;
  return next + 1 == span.count && groups[next].separator == '-' && span.lens[next] <= kMaxExtensionDigits;
}

// A landline in E.164, as the phone step writes it: +86, the area code
// without its trunk 0, the subscriber (+8675523359790, +86 755 2335 9790,
// +86-10-12345678). Read as the national number with the trunk 0 put back;
// "+86 0755 …" (the 0 written anyway) is read as written.
bool is_e164_landline_span(const Span& span, const Group* groups) {
  std::string_view d = span.digits();
  if (d.substr(0, kIntlPrefix.size()) != kIntlPrefix || span.lens[0] < kIntlPrefix.size()) return false;
  size_t first = span.lens[0] == kIntlPrefix.size() ? 1 : 0;  // "+86 755 …" or "+86755…"
  if (first == span.count) return false;
  std::string_view national = d.substr(kIntlPrefix.size());
  bool trunk = !national.empty() && national[0] != '0';
  Span local{};  // zeroed: GCC 12 cannot see that every lens entry read is set
  local.total = national.size() + (trunk ? 1 : 0);
  if (local.total > kMaxSpanDigits) return false;
  local.buffer[0] = '0';
  std::copy(national.begin(), national.end(), local.buffer.begin() + (trunk ? 1 : 0));
  local.count = span.count - first;
  std::copy_n(span.lens.begin() + first, local.count, local.lens.begin());
  if (first == 0) local.lens[0] -= kIntlPrefix.size();
  if (trunk) ++local.lens[0];
  return is_landline_span(local, groups + first);
}

bool is_card_span(const Span& span) {
  if (span.total < kTextCardMinDigits || span.total > kCardMaxDigits) return false;
  for (size_t k = 0; k + 1 < span.count; ++k)
    if (span.lens[k] != kCardGroupDigits) return false;
  if (span.count > 1 && span.lens[span.count - 1] > kCardGroupDigits) return false;
  return luhn_valid(span.digits());
}

// What groups [s, e) of a token are, if anything. `lead` applies to a span
// starting at the token's first group only.
std::optional<Found> classify_span(std::string_view text, const Group* groups, size_t s, size_t e, Lead lead) {
  Span span;
  span.count = e - s;
  for (size_t k = s; k < e; ++k) {
    size_t len = groups[k].end - groups[k].begin;
    if (span.total + len > kMaxSpanDigits) return std::nullopt;
    std::copy_n(text.data() + groups[k].begin, len, span.buffer.data() + span.total);
    span.lens[k - s] = len;
    span.total += len;
  }
  span.check_char = groups[e - 1].check_char;

  if (lead == Lead::kParen) {
    if (is_landline_span(span, groups + s)) return Found{PiiClass::kPhone, true};
    return std::nullopt;
  }
  bool id_shape = span.shape_is({kIdLength}) || span.shape_is({kIdRegionDigits, kIdDateDigits, kIdTailChars});
  IdCheck id = id_shape ? check_resident_id(span.digits()) : IdCheck::kNotId;
  if (span.check_char) {
    if (id == IdCheck::kValid || id == IdCheck::kBadChecksum)
      return Found{PiiClass::kNationalId, id == IdCheck::kValid};
    return std::nullopt;
  }
  if (is_mobile_span(span, lead)) return Found{PiiClass::kPhone, true};
  if (lead == Lead::kPlus) {
    if (is_e164_landline_span(span, groups + s)) return Found{PiiClass::kPhone, true};
    return std::nullopt;
  }
  if (is_landline_span(span, groups + s)) return Found{PiiClass::kPhone, true};
  if (id == IdCheck::kValid) return Found{PiiClass::kNationalId, true};
  if (is_card_span(span)) return Found{PiiClass::kBankCard, true};
  // An 18-digit run with a region and a real birth date, failing only its
  // check character, is far likelier a mistyped ID than anything else.
  if (id == IdCheck::kBadChecksum) return Found{PiiClass::kNationalId, false};
  if (span.shape_is({kLegacyIdLength}) && check_resident_id(span.digits()) == IdCheck::kLegacy15)
    return Found{PiiClass::kNationalId, true};
  return std::nullopt;
}

// Bytes of an opening / closing parenthesis (ASCII or full-width) at `p`, 0 if none.
size_t paren_at(std::string_view text, size_t p, char ascii, std::string_view wide) {
  if (p < text.size() && text[p] == ascii) return 1;
  return text.substr(p, wide.size()) == wide ? wide.size() : 0;
}

// Masks write at least three '*' (138****5678, 1***@qq.com, 0571-********,
// or a value masked whole); markdown's **bold** has two. Digits touching
// such a run are what is left of a masked value: they never start or end a
// number, so that masking a text twice equals masking it once and a text
// already masked upstream is left as it is.
constexpr size_t kMinMaskRun = 3;

// Whether the digit at `p` comes right after a mask.
bool follows_mask(std::string_view text, size_t p) {
  size_t k = p;
  while (k > 0 && text[k - 1] == '*') --k;
  return p - k >= kMinMaskRun;
}

// Whether the digits ending before `p` run into a mask (or into "-****", a
// landline's masked subscriber).
bool precedes_mask(std::string_view text, size_t p) {
  if (p < text.size() && text[p] == '-') ++p;
  size_t k = p;
  while (k < text.size() && text[k] == '*') ++k;
  return k - p >= kMinMaskRun;
}

// Reads the digit groups of a token from `p` (a digit) on.
void read_groups(std::string_view text, size_t p, Token& token) {
  const size_t n = text.size();
  char separator = 0;
  for (;;) {
    Group& g = token.groups[token.count++];
    g.begin = p;
    g.separator = separator;
    g.check_char = false;
    while (p < n && is_digit(text[p])) ++p;
    // The X ends an ID written whole (17 digits) or as 6-8-4 (3 digits).
    size_t len = p - g.begin;
    bool id_tail = len == kIdLength - 1 || len == kIdTailChars - 1;
    if (id_tail && p < n && is_check_char(text[p]) && !(p + 1 < n && is_ascii_alnum(text[p + 1]))) {
      ++p;
      g.check_char = true;
    }
    g.end = p;
    bool more = !g.check_char && p + 1 < n && is_group_separator(text[p]) && is_digit(text[p + 1]);
    token.cut = more && token.count == kMaxTokenGroups;
    if (!more || token.cut) break;
    separator = text[p];
    ++p;
  }
  token.end = p;
  token.tail_blocked = p < n && (is_ascii_alnum(text[p]) || precedes_mask(text, p));
}

// A token starting at `i` ('+', '(' or a digit not preceded by a letter or
// digit), or false when nothing number-like starts there.
bool read_token(std::string_view text, size_t i, Token& token) {
  // Only the header is reset: read_groups sets every field of the groups it uses.
  token.start = i;
  token.lead = Lead::kNone;
  token.count = 0;
  const size_t n = text.size();
  if (is_digit(text[i])) {
    read_groups(text, i, token);
    return true;
  }
  if (text[i] == '+') {
    if (i + 1 >= n || !is_digit(text[i + 1])) return false;
    token.lead = Lead::kPlus;
    read_groups(text, i + 1, token);
    return true;
  }
  size_t open = paren_at(text, i, '(', kWideOpenParen);
  if (open == 0) return false;
  size_t p = i + open;
  size_t area_begin = p;
  while (p < n && is_digit(text[p])) ++p;
  std::string_view area = text.substr(area_begin, p - area_begin);
  if (area_code_length(area) != area.size()) return false;
  size_t close = paren_at(text, p, ')', kWideCloseParen);
  if (close == 0) return false;
  size_t q = p + close;
  if (q < n && text[q] == ' ') ++q;
  if (q >= n || !is_digit(text[q])) return false;
  token.lead = Lead::kParen;
  token.groups[0] = Group{area_begin, p, 0, false};
  token.count = 1;
  size_t first_rest = token.count;
  read_groups(text, q, token);
  token.groups[first_rest].separator = ')';
  return true;
}

// Matches in one token: from the left, the longest span of groups that is
// something; a span that is nothing gives its first group up. Returns the
// first group not consumed: of a cut token, the last groups are left for the
// next token, so that a match crossing the cut is still found whole.
size_t match_token(std::string_view text, const Token& token, std::vector<Match>& out) {
  size_t limit = token.cut ? token.count - (kMaxSpanGroups - 1) : token.count;
  size_t s = 0;
  while (s < limit) {
    bool found = false;
    for (size_t e = std::min(token.count, s + kMaxSpanGroups); e > s && !found; --e) {
      if (e == token.count && token.tail_blocked) continue;
      Lead lead = s == 0 ? token.lead : Lead::kNone;
      auto what = classify_span(text, token.groups.data(), s, e, lead);
      if (!what) continue;
      size_t begin = s == 0 ? token.start : token.groups[s].begin;
      out.push_back(Match{what->pii, begin, token.groups[e - 1].end - begin, what->valid});
      s = e;
      found = true;
    }
    if (!found) ++s;
  }
  return s;
}

// Length of the extension the phone step writes after a landline
// (";ext=123", RFC 3966) at `p`, 0 if none: it belongs to the number.
size_t extension_suffix(std::string_view text, size_t p) {
  if (text.substr(p, kE164ExtensionMark.size()) != kE164ExtensionMark) return 0;
  size_t begin = p + kE164ExtensionMark.size(), q = begin;
  while (q < text.size() && is_digit(text[q])) ++q;
  bool boundary = q == text.size() || !is_ascii_alnum(text[q]);
  return boundary && is_extension(text.substr(begin, q - begin)) ? q - p : 0;
}

size_t skip_word(std::string_view text, size_t i) {
  while (i < text.size() && is_ascii_alnum(text[i])) ++i;
  return i;
}

// Phones, landlines, IDs and cards. A number only counts when it is not glued
// to ASCII letters or digits: SO20230815001, SF1234567890 and 20-digit order
// numbers are skipped whole, never searched inside. Nor is what a mask left.
void scan_numbers(std::string_view text, std::vector<Match>& out) {
  // Most bytes of a ticket body are CJK or punctuation: skip them with one
  // table look-up each. Marked: letters and digits (words), and what can start
  // a number ('+', '(', the lead byte of a full-width parenthesis).
  static constexpr auto kMayStart = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
      t[c] = is_ascii_alnum(static_cast<char>(c)) || c == '+' || c == '(' ||
             c == static_cast<unsigned char>(kWideOpenParen[0]);
    return t;
  }();
  Token token;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !kMayStart[static_cast<unsigned char>(text[i])]) ++i;
    if (i == text.size()) break;
    char c = text[i];
    if (is_ascii_alpha(c)) {
      i = skip_word(text, i);
      continue;
    }
    if (is_digit(c) && i > 0 && (is_ascii_alnum(text[i - 1]) || follows_mask(text, i))) {
      i = skip_word(text, i);
      continue;
    }
    // '+' and '(' separate by themselves: "6751(010)62284808" holds a landline.
    if (!is_digit(c) && c != '+' && c != '(' && c != kWideOpenParen[0]) {
      ++i;
      continue;
    }
    if (!read_token(text, i, token)) {
      ++i;
      continue;
    }
    size_t found = out.size();
    size_t next = match_token(text, token, out);
    i = next < token.count ? token.groups[next].begin : token.end;
    if (out.size() > found && out.back().pii == PiiClass::kPhone && out.back().offset + out.back().length == i) {
      size_t extension = extension_suffix(text, i);
      out.back().length += extension;
      i += extension;
    }
  }
}

void scan_emails(const RE2& email, std::string_view text, std::vector<Match>& out) {
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t b = at;
    while (b > 0 && is_email_local_char(text[b - 1])) --b;
    // "…675..8zhang@qq.com": a local part cannot hold "..", so it starts after the last one.
    size_t dots = text.substr(b, at - b).rfind("..");
    if (dots != std::string_view::npos) b += dots + 2;
    while (b < at && text[b] == '.') ++b;
    size_t e = at + 1;
    while (e < text.size() && is_email_domain_char(text[e])) ++e;
    if (b == at || e == at + 1) continue;
    // The domain may run on into what follows ("zhang@qq.com-6228",
    // "zhang@qq.com.11010519491231002X"): the longest address from b that
    // ends in a letter with no letter or digit after it.
    size_t end = e;
    for (; end > at + 1; --end) {
      bool boundary = end == text.size() || !is_ascii_alnum(text[end]);
      if (boundary && is_ascii_alpha(text[end - 1]) && RE2::FullMatch(text.substr(b, end - b), email)) break;
    }
    if (end == at + 1) continue;
    e = end;
    // a@x.cnb@y.cn: two addresses glued together share "x.cnb". Reported as
    // one match (which mask_email then masks whole), not as two overlapping
    // ones of which only one could be masked.
    if (!out.empty() && out.back().pii == PiiClass::kEmail && out.back().offset + out.back().length > b) {
      out.back().length = e - out.back().offset;
      continue;
    }
    out.push_back(Match{PiiClass::kEmail, b, e - b, true});
  }
}

bool may_hold_pii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '@'; });
}

// ---- whole values ------------------------------------------------------------

// 11 digits from 1 with an unallocated prefix, or 10 / 12 digits from 1: a
// broken mobile (a data-quality finding in a phone column).
bool is_broken_mobile(std::string_view normalized) {
  return normalized.size() >= kMobileDigits - 1 && normalized.size() <= kMobileDigits + 1 && normalized[0] == '1';
}

// An address is one line of modest length; a ticket body mentioning 号 and
// 市 in sentences is free text, not an address.
bool is_address(std::string_view value, const std::u32string& cps) {
  constexpr size_t kMaxAddressChars = 100;
  if (cps.size() > kMaxAddressChars || cps.find_first_of(U"。！？\n") != std::u32string::npos) return false;
  size_t markers = std::count_if(cps.begin(), cps.end(), is_address_marker);
  if (markers >= 2 || place_name_prefix(value) > 0) return true;
  // A division on its own (朝阳区, 杭州市): how province/city/district columns look.
  constexpr size_t kMaxDivisionChars = 10;
  return cps.size() >= 2 && cps.size() <= kMaxDivisionChars && std::all_of(cps.begin(), cps.end(), is_cjk) &&
         is_division_suffix(cps.back());
}

bool is_chinese_name(const std::u32string& cps) {
  constexpr size_t kMinNameChars = 2;
  constexpr size_t kMaxNameChars = 4;
  if (cps.size() < kMinNameChars || cps.size() > kMaxNameChars || !std::all_of(cps.begin(), cps.end(), is_cjk))
    return false;
  return (cps.size() >= 3 && is_compound_surname(cps[0], cps[1])) || is_single_surname(cps[0]);
}

std::string without_spaces_and_dashes(std::string_view value) {
  std::string out;
  for (char c : value)
    if (!is_group_separator(c)) out += c;
  return out;
}

}  // namespace

std::string normalize_phone(std::string_view value) {
  value = util::trim(value);
  std::string ascii_parens;
  if (value.find(kWideOpenParen[0]) != std::string_view::npos) {
    ascii_parens = util::replace_all(util::replace_all(value, kWideOpenParen, "("), kWideCloseParen, ")");
    value = ascii_parens;
  }
  std::string digits;
  bool plus = false;
  for (char c : value) {
    if (is_digit(c)) {
      digits += c;
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (!is_phone_separator(c)) {
      return "";
    }
  }
  if (digits.empty()) return "";
  std::string_view d = digits;
  // Only the Chinese country code is stripped; a foreign number is not ours to read.
  if (plus) return d.substr(0, kIntlPrefix.size()) == kIntlPrefix ? digits.substr(kIntlPrefix.size()) : "";
  if (d.substr(0, kIntlDialPrefix.size()) == kIntlDialPrefix && d.size() > kIntlDialPrefix.size())
    return digits.substr(kIntlDialPrefix.size());
  // "86 13143801303" without '+': only when what follows is mobile-shaped.
  if (d.substr(0, kIntlPrefix.size()) == kIntlPrefix && d.size() == kIntlPrefix.size() + kMobileDigits &&
      d[kIntlPrefix.size()] == '1')
    return digits.substr(kIntlPrefix.size());
  return digits;
}

bool is_mobile(std::string_view normalized) {
  if (normalized.size() != kMobileDigits || normalized[0] != '1' || !all_digits(normalized)) return false;
  return (kMobileThirdDigits[normalized[1] - '0'] >> (normalized[2] - '0')) & 1;
}

namespace {

// Whether `value` has only what a written phone, ID or card number can have:
// digits, separators, parentheses (ASCII or full-width), '+', an ID's X and
// extension markers (转, ext, x, #). Rejects ordinary text before any search.
bool landline_shaped(std::string_view value) {
  constexpr std::string_view kAscii = "0123456789 -+().#xXeEtT/;=";
  constexpr std::string_view kWide[] = {"转", "（", "）"};
  for (size_t i = 0; i < value.size();) {
    if (static_cast<unsigned char>(value[i]) < 0x80) {
      if (kAscii.find(value[i]) == std::string_view::npos) return false;
      ++i;
      continue;
    }
    bool known = false;
    for (std::string_view w : kWide) {
      if (value.substr(i, w.size()) == w) {
        i += w.size();
        known = true;
        break;
      }
    }
    if (!known) return false;
  }
  return true;
}

}  // namespace

std::optional<Landline> parse_landline(std::string_view value) {
  value = util::trim(value);
  if (!landline_shaped(value)) return std::nullopt;
  if (auto whole = parse_landline_number(value)) return whole;
  // ";ext=" first: "ext" inside it would otherwise leave the ';' with the number.
  static constexpr std::array<std::string_view, 7> kExtensionMarkers = {kE164ExtensionMark, "转", "ext.", "ext",
                                                                        "x",                "#", "-"};
  std::string lower = util::to_lower(value);
  for (std::string_view marker : kExtensionMarkers) {
    size_t pos = lower.rfind(marker);
    if (pos == std::string::npos || pos == 0) continue;
    std::string_view extension = util::trim(value.substr(pos + marker.size()));
    if (!is_extension(extension)) continue;
    if (auto number = parse_landline_number(util::trim(value.substr(0, pos)))) {
      number->extension = std::string(extension);
      return number;
    }
  }
  return std::nullopt;
}

bool is_landline(std::string_view value) { return parse_landline(value).has_value(); }

IdCheck check_resident_id(std::string_view value) {
  if (value.size() == kIdLength) {
    std::string_view body = value.substr(0, kIdLength - 1);
    char check = value[kIdLength - 1];
    if (!all_digits(body) || !(is_digit(check) || is_check_char(check))) return IdCheck::kNotId;
    if (!is_plausible_region(value[0])) return IdCheck::kNotId;
    std::string_view date = value.substr(kIdRegionDigits, kIdDateDigits);
    if (!is_plausible_date(digits_value(date.substr(0, 4)), digits_value(date.substr(4, 2)),
                           digits_value(date.substr(6, 2))))
      return IdCheck::kNotId;
    int sum = 0;
    for (size_t k = 0; k < body.size(); ++k) sum += (body[k] - '0') * kIdWeights[k];
    char expected = kIdCheckChars[sum % 11];
    char actual = check == 'x' ? 'X' : check;
    return actual == expected ? IdCheck::kValid : IdCheck::kBadChecksum;
  }
  if (value.size() == kLegacyIdLength) {
    if (!all_digits(value) || !is_plausible_region(value[0])) return IdCheck::kNotId;
    std::string_view date = value.substr(kIdRegionDigits, 6);
    if (!is_plausible_date(kLegacyIdCentury + digits_value(date.substr(0, 2)), digits_value(date.substr(2, 2)),
                           digits_value(date.substr(4, 2))))
      return IdCheck::kNotId;
    return IdCheck::kLegacy15;
  }
  return IdCheck::kNotId;
}

bool luhn_valid(std::string_view digits) {
  if (digits.size() < kCardMinDigits || digits.size() > kCardMaxDigits || !all_digits(digits)) return false;
  int sum = 0;
  bool twice = false;
  for (size_t k = digits.size(); k-- > 0;) {
    int d = digits[k] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool is_email(std::string_view value) { return RE2::FullMatch(util::trim(value), patterns().email); }

// The patterns are compiled once per process (patterns()); Impl keeps the
// Detector's reference so that scan() does not go through the static guard
// on every call.
struct Detector::Impl {
  const Patterns& re = patterns();
};

Detector::Detector() : impl_(std::make_unique<Impl>()) {}
Detector::~Detector() = default;

ValueClass Detector::classify(std::string_view value) const {
  value = util::trim(value);
  if (value.empty()) return {};
  if (value.find('@') != std::string_view::npos)
    return RE2::FullMatch(value, impl_->re.email) ? ValueClass{PiiClass::kEmail, true} : ValueClass{};
  // Phones, IDs and cards are digits with separators: anything else in the
  // value (letters, CJK text) rules all of them out at once.
  if (landline_shaped(value) && std::any_of(value.begin(), value.end(), is_digit)) {
    std::string phone = normalize_phone(value);
    if (!phone.empty() && is_mobile(phone)) return {PiiClass::kPhone, true};
    if (is_landline(value)) return {PiiClass::kPhone, true};
    std::string compact = without_spaces_and_dashes(value);
    IdCheck id = check_resident_id(compact);
    if (id == IdCheck::kValid || id == IdCheck::kLegacy15) return {PiiClass::kNationalId, true};
    if (luhn_valid(compact)) return {PiiClass::kBankCard, true, id == IdCheck::kBadChecksum};
    if (id == IdCheck::kBadChecksum) return {PiiClass::kNationalId, false};
    if (!phone.empty() && is_broken_mobile(phone)) return {PiiClass::kPhone, false};
  }
  // Names and addresses are CJK text: ASCII-only values are neither.
  if (std::all_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return {};
  constexpr size_t kMaxAddressBytes = 400;
  if (value.size() > kMaxAddressBytes) return {};
  thread_local std::u32string cps;
  decode_utf8_into(value, cps);
  if (is_address(value, cps)) return {PiiClass::kAddress, true};
  if (is_chinese_name(cps)) return {PiiClass::kName, true};
  return {};
}

std::vector<Match> Detector::scan(std::string_view text) const {
  std::vector<Match> found;
  if (!may_hold_pii(text)) return found;
  scan_numbers(text, found);
  scan_emails(impl_->re.email, text, found);
  // Numbers never overlap each other; an e-mail may contain one
  // (13812345678@qq.com) or share digits with one (+86 138 1234 5678@qq.com).
  // Overlapping matches become one covering both, of the longer one's class:
  // masking only one of them would leave the rest of the other readable.
  std::sort(found.begin(), found.end(), [](const Match& a, const Match& b) { return a.offset < b.offset; });
  std::vector<Match> out;
  out.reserve(found.size());
  for (const Match& m : found) {
    if (out.empty() || m.offset >= out.back().offset + out.back().length) {
      out.push_back(m);
      continue;
    }
    Match& last = out.back();
    size_t end = std::max(last.offset + last.length, m.offset + m.length);
    if (m.length > last.length) {
      last.pii = m.pii;
      last.valid = m.valid;
    }
    last.length = end - last.offset;
  }
  return out;
}

}  // namespace csbridge::pii
