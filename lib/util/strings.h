// Small string helpers with no dependencies (util/ depends on nothing else).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csbridge::util {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);  // ASCII only
bool starts_with_icase(std::string_view s, std::string_view prefix);
bool ends_with_icase(std::string_view s, std::string_view suffix);
bool equals_icase(std::string_view a, std::string_view b);
std::vector<std::string_view> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Replaces every occurrence of `from` (non-empty) by `to`.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);
// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` within a distance of max(2, |word|/3), or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// Shortest decimal text of `v` that reads back as the same double.
std::string format_double(double v);
// Appends `s` as a quoted JSON string: '"' and '\\' escaped, \b \f \n \r \t by name, other
// control characters as \u00xx (lower-case hex), every other byte as it is (UTF-8 stays UTF-8).
void append_json_string(std::string& out, std::string_view s);
// How many bytes from `p` (at most n) a JSON string holds as they are: none a quote, a backslash
// or a control character. Sixteen bytes at a time where the CPU has SSE2.
size_t json_plain_run(const char* p, size_t n);

}  // namespace csbridge::util

namespace csbridge::util {

// Code points in `s` (UTF-8): the bytes that are not continuation bytes.
size_t utf8_length(std::string_view s);
// Terminal columns `s` takes: East Asian wide characters (CJK, Hangul, full-width forms) count two.
size_t display_width(std::string_view s);
// Appends code point `cp` encoded as UTF-8.
void append_utf8(std::string& out, char32_t cp);
// `s` followed by spaces up to `width` display columns.
std::string pad_right(std::string_view s, size_t width);
// `s` cut to `max_width` display columns, ending in "…" when cut.
std::string ellipsize(std::string_view s, size_t max_width);

}  // namespace csbridge::util
