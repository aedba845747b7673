// Formatting shared by the report writers (assess db, assess api): numbers
// for people, terminal text wrapped to a width, Markdown escaping and tables,
// and the pieces of the self-contained HTML page (escaping, the stylesheet,
// badges, cards, meters, the readiness gauge, SVG text and bars). Pure
// functions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace csbridge::report {

inline constexpr size_t kMaxLineWidth = 120;  // text reports
inline constexpr size_t kLabelWidth = 11;     // the label column of text reports ("readiness", "relations", …)

inline constexpr const char* kColorGood = "#2e9e5b";
inline constexpr const char* kColorFair = "#2f6fde";
inline constexpr const char* kColorWarn = "#d98e04";
inline constexpr const char* kColorBad = "#d64545";
inline constexpr const char* kColorTrack = "#e8ecf1";
inline constexpr const char* kColorMuted = "#7b8794";

// --- numbers and words
double round_to(double v, int digits);
// Bytes that are not UTF-8 become U+FFFD (JSON serialisation would throw on them, browsers would guess).
std::string utf8_safe(std::string_view s);
// Bytes of the UTF-8 character starting at `i`.
size_t utf8_char_len(std::string_view s, size_t i);
std::string group_digits(int64_t n);  // 1234567 → "1,234,567"
std::string percent(double ratio);    // 0.1234 → "12.3%"; never "0%" for a little nor "100%" for almost all
std::string plural(int64_t n, std::string_view one, std::string_view many);
std::string score_text(double readiness);  // "73/100"

// --- terminal text
std::string rtrim(std::string s);
std::string pad_left(std::string_view s, size_t width);
// Lines of at most `width` display columns, broken at spaces; a word wider than
// a line (a Chinese sentence has no spaces) is broken between characters.
std::vector<std::string> wrap(std::string_view text, size_t width);
// `text` wrapped to kMaxLineWidth: the first line after `first_prefix`, the rest indented by `indent`.
void append_wrapped(std::string& out, const std::string& first_prefix, size_t indent, std::string_view text);
// "  label       item" and further items below the first, aligned.
void append_field(std::string& out, std::string_view label, const std::vector<std::string>& items);
void append_field(std::string& out, std::string_view label, const std::string& value);

// --- Markdown
// Free text: backslash-escapes what Markdown (and the HTML it may contain) would interpret.
std::string md_text(std::string_view s);
// An identifier as a code span; only a pipe needs escaping there (GFM tables).
std::string md_code(std::string_view s);
std::string md_codes(const std::vector<std::string>& names);
struct MdColumn {
  std::string title;
  bool numeric = false;
};
void append_md_table(const std::vector<MdColumn>& header, const std::vector<std::vector<std::string>>& rows,
                     std::string& out);

// --- HTML
std::string esc(std::string_view s);
std::string num(double v);  // SVG coordinates: one decimal is finer than a pixel
std::string_view html_css();  // the one stylesheet of every report page
const char* readiness_color(double score);
std::string svg_text(double x, double y, std::string_view text, std::string_view attrs = "");
std::string svg_rect(double x, double y, double w, double h, std::string_view fill);
// A half-circle gauge of `readiness` (0–100), id "chart-readiness".
std::string gauge_svg(double readiness);
std::string badge(std::string_view css_class, std::string_view text);
std::string meter(double ratio, std::string_view css_class, std::string_view color = "");
// Short values (examples, samples, patterns), each kept on one line; at most `max`.
std::string chips(const std::vector<std::string>& values, size_t max);
std::string code_list(const std::vector<std::string>& names);
std::string card(std::string_view key, const std::string& value_html, const std::string& sub_html);

}  // namespace csbridge::report
