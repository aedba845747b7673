// Every mask either recognises its value (and keeps the documented parts) or
// returns as many '*' as the value has characters: a value a mask cannot read
// ("n/a", a half-typed number) is never passed through, since it may still be
// personal data in a form nobody foresaw. A mask also recognises its own
// output, which makes masking idempotent.
#include "pii/mask.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>

#include "pii/chinese_names.h"
#include "pii/detect.h"
#include "util/strings.h"

namespace csbridge::pii {
namespace {

constexpr char kMaskChar = '*';
constexpr std::string_view kRestMask = "***";  // e-mail local part, address after the district
constexpr char32_t kNameDot = U'·';            // 买买提·艾力
constexpr size_t kMobileDigits = 11;
constexpr size_t kMobileKeepHead = 3;
constexpr size_t kMobileKeepTail = 4;
constexpr size_t kIdKeepHead = 4;
constexpr size_t kIdKeepTail = 4;
constexpr size_t kIdLength = 18;
constexpr size_t kLegacyIdLength = 15;
constexpr size_t kCardKeepHead = 6;
constexpr size_t kCardKeepTail = 4;
constexpr size_t kCardMinDigits = 13;
constexpr size_t kCardMaxDigits = 19;

// The masks' own output, recognised so that a second pass changes nothing.
struct MaskedShapes {
  RE2 mobile{R"(1\d{2}\*{4}\d{4})"};
  RE2 landline{R"(0\d{2,3}-\*{7,8}(?:-\*{1,6})?)"};
};

const MaskedShapes& masked_shapes() {
  static const MaskedShapes kShapes;
  return kShapes;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_digit_or_mask(char c) { return is_digit(c) || c == kMaskChar; }

std::string stars(size_t n) { return std::string(n, kMaskChar); }

// The longest digit run a mask may keep (docs/personal-data.md: never the original's
// digit run; 6 + 4 of a card are the most any mask keeps).
constexpr size_t kMaxKeptDigitRun = 6;

bool has_long_digit_run(std::string_view s) {
  size_t run = 0;
  for (char c : s) {
    run = is_digit(c) ? run + 1 : 0;
    if (run > kMaxKeptDigitRun) return true;
  }
  return false;
}

std::string full_mask(std::string_view value) { return stars(code_point_count(value)); }

std::string without(std::string_view value, std::string_view drop) {
  std::string out;
  for (char c : value)
    if (drop.find(c) == std::string_view::npos) out += c;
  return out;
}

// head + stars + tail over a run of `n` characters whose first `head` and
// last `tail` characters satisfy `keep_ok` and whose middle is digits or
// already masked; nullopt when the value is not of that shape.
template <typename KeepOk>
std::optional<std::string> keep_ends(std::string_view s, size_t head, size_t tail, KeepOk keep_ok) {
  if (s.size() <= head + tail) return std::nullopt;
  for (size_t k = 0; k < s.size(); ++k) {
    bool kept = k < head || k >= s.size() - tail;
    if (kept ? !keep_ok(s[k], k) : !is_digit_or_mask(s[k])) return std::nullopt;
  }
  return std::string(s.substr(0, head)) + stars(s.size() - head - tail) + std::string(s.substr(s.size() - tail));
}

std::string mask_latin_name(std::string_view name) {
  std::string out(name);
  bool word_start = true;
  for (char& c : out) {
    if (c == ' ') {
      word_start = true;
      continue;
    }
    if (!word_start && c != '-' && c != '.' && c != '\'') c = kMaskChar;
    word_start = false;
  }
  return out;
}

bool is_latin_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '-' || c == '.' || c == '\'' ||
           c == kMaskChar;
  });
}

// Where the kept head of an address ends (code points, exclusive), in order
// of preference: after the district or county, after the city, after the
// province. 0 when none applies.
std::vector<size_t> address_cuts(const std::u32string& cps) {
  std::vector<size_t> cuts;
  std::u32string_view view(cps);
  // The 区 of 自治区 is a province, not a district.
  size_t district = view.find_first_of(U"区县");
  if (district != std::u32string_view::npos && district >= 2 && view.substr(district - 2, 2) == U"自治") {
    size_t next = view.find_first_of(U"区县", district + 1);
    if (next != std::u32string_view::npos) district = next;
  }
  for (size_t cut : {district, view.find(U'市'), view.find(U'省')})
    if (cut != std::u32string_view::npos) cuts.push_back(cut + 1);
  return cuts;
}

// A head worth keeping names places only: no digits, no street or door.
bool is_place_head(std::u32string_view head) {
  return std::all_of(head.begin(), head.end(),
                     [](char32_t c) { return c == U' ' || (is_cjk(c) && !is_street_marker(c)); });
}

}  // namespace

std::string mask_phone(std::string_view value) {
  std::string_view v = util::trim(value);
  if (RE2::FullMatch(v, masked_shapes().mobile) || RE2::FullMatch(v, masked_shapes().landline)) return std::string(v);
  std::string digits = normalize_phone(v);
  // Any 11 digits from 1, allocated or not: the usual mask leaks nothing more.
  if (digits.size() == kMobileDigits && digits[0] == '1')
    return digits.substr(0, kMobileKeepHead) + stars(kMobileDigits - kMobileKeepHead - kMobileKeepTail) +
           digits.substr(kMobileDigits - kMobileKeepTail);
  if (auto landline = parse_landline(v)) {
    std::string out = landline->area + "-" + stars(landline->subscriber.size());
    if (!landline->extension.empty()) out += "-" + stars(landline->extension.size());
    return out;
  }
  return full_mask(value);
}

// Shape, not validity: an ID column's value with a wrong check character or
// an impossible date is masked the same way (it is still somebody's number).
std::string mask_national_id(std::string_view value) {
  std::string id = without(util::trim(value), " ");
  if (id.size() != kIdLength && id.size() != kLegacyIdLength) return full_mask(value);
  bool check_char_allowed = id.size() == kIdLength;
  auto masked = keep_ends(id, kIdKeepHead, kIdKeepTail, [&](char c, size_t k) {
    return is_digit(c) || (check_char_allowed && k == id.size() - 1 && (c == 'X' || c == 'x'));
  });
  return masked ? *masked : full_mask(value);
}

// Luhn is not required: a mistyped card in a card column is masked as a card.
std::string mask_bank_card(std::string_view value) {
  std::string card = without(util::trim(value), " -");
  if (card.size() < kCardMinDigits || card.size() > kCardMaxDigits) return full_mask(value);
  auto masked = keep_ends(card, kCardKeepHead, kCardKeepTail, [](char c, size_t) { return is_digit(c); });
  return masked ? *masked : full_mask(value);
}

std::string mask_email(std::string_view value) {
  std::string_view v = util::trim(value);
  size_t at = v.rfind('@');
  // A domain holding a long digit run (13812345678.cn) cannot be kept.
  if (at == std::string_view::npos || at == 0 || has_long_digit_run(v.substr(at))) return full_mask(value);
  std::string_view local = v.substr(0, at);
  std::string masked = std::string(1, local[0]) + std::string(kRestMask) + std::string(v.substr(at));
  bool already_masked = local.substr(1) == kRestMask;
  if ((already_masked || is_email(v)) && is_email(masked.substr(0, 1) + std::string(v.substr(at))))
    return masked;
  return full_mask(value);
}

std::string mask_name(std::string_view value) {
  std::string_view v = util::trim(value);
  if (v.empty()) return "";
  std::u32string cps = decode_utf8(v);
  bool chinese =
      std::all_of(cps.begin(), cps.end(), [](char32_t c) { return is_cjk(c) || c == kNameDot || c == U'*'; });
  if (!chinese) return is_latin_name(v) ? mask_latin_name(v) : full_mask(value);
  size_t n = cps.size();
  if (n == 1) return stars(1);
  // 欧阳娜娜 → 欧阳**: a compound surname is kept whole, the given name hidden.
  bool compound = n >= 3 && is_compound_surname(cps[0], cps[1]);
  size_t keep_head = compound ? 2 : 1;
  size_t keep_tail = compound || n == 2 ? 0 : 1;  // 张小三 → 张*三
  std::string out;
  for (size_t k = 0; k < n; ++k) {
    bool kept = k < keep_head || k >= n - keep_tail || cps[k] == kNameDot;
    if (kept)
      util::append_utf8(out, cps[k]);
    else
      out += kMaskChar;
  }
  return out;
}

std::string mask_address(std::string_view value) {
  std::string_view v = util::trim(value);
  std::u32string cps = decode_utf8(v);
  for (size_t cut : address_cuts(cps)) {
    std::u32string_view head = std::u32string_view(cps).substr(0, cut);
    if (!is_place_head(head)) continue;
    std::string out;
    for (char32_t c : head) util::append_utf8(out, c);
    return out + std::string(kRestMask);
  }
  // Neither district, city nor province marker: a bare province or city name.
  size_t place = place_name_prefix(v);
  if (place > 0) return std::string(v.substr(0, place)) + std::string(kRestMask);
  return full_mask(value);
}

std::string mask_free_text(const Detector& detector, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const Match& m : detector.scan(text)) {
    out.append(text.substr(pos, m.offset - pos));
    out += mask_value(detector, m.pii, text.substr(m.offset, m.length));
    pos = m.offset + m.length;
  }
  out.append(text.substr(pos));
  return out;
}

model::PiiClass stricter(model::PiiClass a, model::PiiClass b) {
  using model::PiiClass;
  constexpr std::array<PiiClass, 8> kStrictestFirst = {PiiClass::kPhone,   PiiClass::kNationalId, PiiClass::kBankCard,
                                                        PiiClass::kEmail,   PiiClass::kAddress,    PiiClass::kName,
                                                        PiiClass::kFreeText, PiiClass::kNone};
  for (PiiClass pii : kStrictestFirst) {
    if (a == pii || b == pii) return pii;
  }
  return a;
}

std::string mask_value(const Detector& detector, model::PiiClass pii, std::string_view value) {
  switch (pii) {
    case model::PiiClass::kName:
      return mask_name(value);
    case model::PiiClass::kPhone:
      return mask_phone(value);
    case model::PiiClass::kNationalId:
      return mask_national_id(value);
    case model::PiiClass::kEmail:
      return mask_email(value);
    case model::PiiClass::kBankCard:
      return mask_bank_card(value);
    case model::PiiClass::kAddress:
      return mask_address(value);
    case model::PiiClass::kFreeText:
      return mask_free_text(detector, value);
    case model::PiiClass::kNone:
      break;
  }
  return std::string(value);
}

}  // namespace csbridge::pii
