// Legacy text encodings → UTF-8, strictly (RELIABILITY.md): valid UTF-8 is
// kept as it is, anything else is decoded with the declared encoding, and
// bytes that do not decode are an error naming their offset, never a silent '?'.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace csbridge::util {

enum class Encoding { kUtf8, kGb18030, kGbk, kBig5, kLatin1 };

// Accepts "utf-8"/"utf8", "gbk"/"cp936", "gb18030", "gb2312", "big5", "latin1"/"iso-8859-1"
// (any case). Unknown names fail with kInvalidArgument listing the known ones.
Result<Encoding> parse_encoding(std::string_view name);
const char* encoding_name(Encoding e);

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid.
size_t find_invalid_utf8(std::string_view s);

// Converts `bytes` to UTF-8. With kUtf8 it only validates. GBK and GB2312 are
// decoded as GB18030 (their superset). Fails with kData naming the byte offset
// and the offending bytes in hex.
Result<std::string> to_utf8(std::string_view bytes, Encoding from);

// Like to_utf8, but text that is already valid UTF-8 is kept (short GBK text
// is never guessed at: callers declare the encoding).
Result<std::string> decode_text(std::string_view bytes, Encoding declared);

}  // namespace csbridge::util
