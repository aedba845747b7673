// Tables behind the weak PII signals for Chinese text: surnames (single and
// compound), province / municipality / major-city names, address markers,
// and the bit of UTF-8 decoding they need. Pure functions over static tables;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace csbridge::pii {

// The code points of `s`; a byte that does not start a well-formed sequence
// becomes U+FFFD on its own, so the result is never shorter than the count of
// visible characters.
std::u32string decode_utf8(std::string_view s);
// decode_utf8 into `out` (cleared first), reusing its capacity: no allocation on the hot path.
void decode_utf8_into(std::string_view s, std::u32string& out);
// Number of code points of `s`, counted as decode_utf8 does.
size_t code_point_count(std::string_view s);

// CJK unified ideographs (the BMP blocks, Extension A included).
bool is_cjk(char32_t c);

// One of the common single-character surnames. Characters that are far more
// often ordinary words than surnames (和, 安, 明, 国, …) are left out on
// purpose: this is a signal for column profiling, not a register of names.
bool is_single_surname(char32_t c);
// 欧阳, 司马, 上官, 诸葛, … (the two characters of a compound surname).
bool is_compound_surname(char32_t first, char32_t second);

// Byte length of the province, municipality, autonomous region or major city
// name that `s` starts with ("广东省深圳市…" → the bytes of "广东"), 0 if none.
size_t place_name_prefix(std::string_view s);

// 省 市 区 县 镇 路 街 号 栋 室 — the markers of a written-out address.
bool is_address_marker(char32_t c);
// 省 市 区 县 旗 镇 乡: the suffixes of an administrative division name.
bool is_division_suffix(char32_t c);
// 路 街 巷 弄 号 栋 幢 楼 室 村 组: the street-and-door part, which a mask
// never keeps.
bool is_street_marker(char32_t c);

}  // namespace csbridge::pii
