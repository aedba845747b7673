// What the bytes of text values say about their real encoding, for `assess db`:
// GBK/GB18030 or UTF-8 bytes that a Latin-1 reading turned into mojibake
// ("ÕÅÎ°", "å¼ ä¼Ÿ"), GBK bytes a database hands out as stored (SQL_ASCII,
// SQLite TEXT), bytes nothing decodes. One value is only evidence: short GBK
// text is easily mistaken (Latin-1 "Hélène" also decodes as GBK), so the
// verdict is taken per column over all its values (decide_encoding).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace csbridge::assess {

enum class ValueEncoding : uint8_t {
  kPlain,         // ASCII, or text that is what it says (张伟 as UTF-8, "café")
  kUtf8AsLatin1,  // UTF-8 bytes read as Latin-1: "å¼ ä¼Ÿ" is 张伟
  kGbkAsLatin1,   // GBK/GB18030 bytes read as Latin-1: "ÕÅÎ°" is 张伟
  kGbk,           // not UTF-8, but GBK/GB18030 bytes
  kUndecodable,   // not UTF-8, nor GB18030
  kCount
};

struct ValueEvidence {
  ValueEncoding encoding = ValueEncoding::kPlain;
  bool common = false;     // GBK: every two-byte character in GB2312's common area (A1–F7, A1–FE)
  bool four_byte = false;  // GBK: holds GB18030 four-byte sequences (𠀀), which GBK lacks
  uint32_t ideographs = 0; // CJK ideographs of the decoded text
};

// The evidence of one value (any bytes).
ValueEvidence classify_encoding(std::string_view value);

// The value as the evidence says it was meant ("ÕÅÎ°" → "张伟"); the value
// itself for kPlain and kUndecodable.
std::string decoded_text(std::string_view value, ValueEncoding encoding);

// Evidence of a column, value by value.
struct EncodingCounts {
  std::array<int64_t, static_cast<size_t>(ValueEncoding::kCount)> values{};
  int64_t common_gbk = 0;   // kGbk / kGbkAsLatin1 values with `common`
  int64_t ideographs = 0;   // decoded ideographs of kGbk / kGbkAsLatin1 values
  bool four_byte = false;

  void add(const ValueEvidence& e);
  int64_t of(ValueEncoding e) const { return values[static_cast<size_t>(e)]; }
};

// At least this many decoded ideographs, and this share of GBK values in
// the common area, before a column is said to hold GBK.
inline constexpr int64_t kMinGbkIdeographs = 4;
inline constexpr int64_t kMinCommonGbkPercent = 90;

struct EncodingVerdict {
  std::string encoding;   // the config value that decodes the column: gbk, gb18030, utf8_in_latin1
  std::string what;       // "GBK bytes read as Latin-1", …
  int64_t values = 0;     // values in the legacy encoding
  bool read_as_latin1 = false;  // the values came as mojibake (else as the bytes stored)
};

// The column's verdict; nullopt when nothing, or too little, says it holds a
// legacy encoding. GBK values too few or too rare to tell stay unnamed.
std::optional<EncodingVerdict> decide_encoding(const EncodingCounts& counts);

}  // namespace csbridge::assess
