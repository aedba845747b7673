// Legacy text encodings → UTF-8, strictly (docs/reliability.md): valid UTF-8 is
// kept as it is, anything else is decoded with the declared encoding, and
// bytes that do not decode are an error naming their offset, never a silent '?'.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace csbridge::util {

// kUtf8InLatin1: UTF-8 that went through a Latin-1 reading once (double
// encoding: 张伟 stored as E5 BC A0 … and shown as "å¼ ä¼Ÿ").
enum class Encoding { kUtf8, kGb18030, kGbk, kBig5, kLatin1, kUtf8InLatin1 };

// Accepts "utf-8"/"utf8", "gbk"/"cp936", "gb18030", "gb2312", "big5", "latin1"/"iso-8859-1",
// "utf8_in_latin1" (any case). Unknown names fail with kInvalidArgument listing the known ones.
Result<Encoding> parse_encoding(std::string_view name);
const char* encoding_name(Encoding e);

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid.
size_t find_invalid_utf8(std::string_view s);

// `s` with every byte that is not part of valid UTF-8 written as "\xNN", for
// messages that quote input (the JSON writer refuses invalid UTF-8, and a
// message never hides what was there behind a '?'). Valid UTF-8 is returned as is.
std::string escape_invalid_utf8(std::string_view s);

// The bytes from `offset` (at most `n`) in upper-case hex, space-separated: "D5 C5".
std::string hex_bytes(std::string_view s, size_t offset, size_t n);

// Converts `bytes` to UTF-8. With kUtf8 it only validates. GBK and GB2312 are
// decoded as GB18030 (their superset). Fails with kData naming the byte offset
// and the offending bytes in hex.
Result<std::string> to_utf8(std::string_view bytes, Encoding from);

// Like to_utf8, but text that is already valid UTF-8 is kept (short GBK text
// is never guessed at: callers declare the encoding). With kUtf8InLatin1,
// valid UTF-8 whose characters all come from a Latin-1 reading (undo_latin1)
// and give valid UTF-8 again is repaired ("å¼ ä¼Ÿ" → "张伟"); other valid UTF-8
// is kept, and bytes that are not UTF-8 are read as Latin-1.
Result<std::string> decode_text(std::string_view bytes, Encoding declared);

// The bytes a Latin-1 reading turned into `text` (valid UTF-8): U+0000–U+00FF
// give their own byte, and the characters Windows-1252 (MySQL's "latin1")
// puts at 0x80–0x9F give theirs (€ → 0x80, Ÿ → 0x9F). False, leaving `out`
// unspecified, when a character came from no single byte (a CJK character).
bool undo_latin1(std::string_view text, std::string& out);

}  // namespace csbridge::util
