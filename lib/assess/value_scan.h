// What one value is, worked out by the column profiler for every value it
// sees (the hot path of `assess db`): its shape ("9999-99-99", "汉汉", "Aaaa"),
// what kinds of byte it holds, whether it is UTF-8, its kind (number, boolean,
// date, timestamp, zero date) and its numeric order. Pure functions over the
// bytes, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace csbridge::assess {

enum class ValueKind : uint8_t { kOther, kInteger, kDecimal, kBoolean, kDate, kTimestamp, kCount };

constexpr size_t kShapeChars = 32;  // characters of a value that make its shape
constexpr std::string_view kEllipsis = "…";

// Length of the UTF-8 sequence at p[i] with the code point in `cp`, or 0 when
// it is not a valid sequence (same rules as util::find_invalid_utf8).
size_t decode_utf8(const unsigned char* p, size_t n, size_t i, char32_t& cp);

// The shape of a value: digits → 9, Latin letters → a/A, CJK ideographs → 汉,
// whitespace → ' ', other characters kept; at most kShapeChars, then '…'.
// Written into a fixed buffer: this runs once per value.
class Shape {
 public:
  explicit Shape(std::string_view value);
  std::string_view view() const { return {buffer_.data(), size_}; }

 private:
  void append(std::string_view s);
  static constexpr size_t kMaxCharBytes = 4;
  std::array<char, kShapeChars * kMaxCharBytes + kEllipsis.size()> buffer_{};
  size_t size_ = 0;
};

// What one pass over the bytes tells: length in code points and which kinds of byte occur.
struct ByteScan {
  size_t code_points = 0;
  bool non_ascii = false;
  bool digit = false;
  bool at = false;
  bool nul = false;
};

// Eight bytes at a time (SWAR): this runs over every byte of every value.
ByteScan scan_bytes(std::string_view v);

// find_invalid_utf8(v) == npos, faster on what profiling sees most: runs of
// ASCII and the three-byte sequences of CJK text.
bool is_valid_utf8(std::string_view v);

struct DateTime {
  ValueKind kind = ValueKind::kOther;
  bool zero = false;  // year, month or day 0 (MySQL's 0000-00-00)
};

// The kind of a short ASCII value: true/false (any case), an integer or decimal
// number, YYYY-MM-DD or YYYY/MM/DD (legacy exports drop leading zeros:
// 2023/8/5) optionally followed by ' ' or 'T', HH:MM[:SS[.fraction]] and a
// zone (Z, ±HH[:MM]); kOther otherwise.
DateTime value_kind(std::string_view v);

// A decimal number without exponent, as sign, integer digits without leading
// zeros and fraction digits without trailing zeros: compared exactly, where a
// double would confuse NUMERIC(38,10) values differing past the 16th digit.
struct PlainDecimal {
  bool negative = false;
  std::string_view integer, fraction;
};

// A value read as a number once, for comparing it with the current min and max.
struct NumericKey {
  enum class Form { kPlain, kReal, kText } form = Form::kText;
  PlainDecimal plain;  // views into the text it was made from
  double real = 0;
};

NumericKey numeric_key(std::string_view v);

// Numeric order for numeric columns; values that are no number sort after
// every number and among themselves by bytes (SQLite's order for mixed columns).
int compare_numeric(const NumericKey& a, std::string_view a_text, const NumericKey& b, std::string_view b_text);

}  // namespace csbridge::assess
