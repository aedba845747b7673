#include "report/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::report {
namespace {

constexpr int kPercentDigits = 1;
constexpr size_t kMinWrapWidth = 24;  // never squeeze wrapped text narrower than this
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";
constexpr double kGoodReadiness = 80, kFairReadiness = 50;

constexpr std::string_view kCss = R"(
:root{--bg:#f4f6f9;--card:#fff;--ink:#1f2933;--soft:#3e4c59;--muted:#66768a;--line:#e3e8ef;--accent:#2f6fde}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,"Noto Sans","Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.wrap{max-width:1100px;margin:0 auto;padding:28px 24px 40px}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","Noto Sans Mono CJK SC",monospace;
 font-size:12.5px}
.hero{display:grid;grid-template-columns:1fr 240px;gap:24px;align-items:center;background:var(--card);
 border:1px solid var(--line);border-radius:14px;padding:24px 28px}
.eyebrow{margin:0;font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{font-size:26px;line-height:1.25;margin:4px 0 8px}
.src{background:#f0f3f7;padding:2px 7px;border-radius:5px;word-break:break-all}
.meta{color:var(--muted);font-size:13px;margin:6px 0 0}
.penalties{margin:14px 0 0;padding:12px 16px 12px 34px;background:#fbf7ec;border:1px solid #f1e4bf;border-radius:10px;
 color:var(--soft)}
.penalties li{margin:2px 0}
.ok{margin:14px 0 0;color:#1d7044}
.gauge{display:block;margin:0 auto;width:220px;height:auto}
.gauge .score{font-size:46px;font-weight:700}
.gauge .score-cap{font-size:12px;fill:var(--muted);letter-spacing:.04em}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px;margin:18px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.card .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.card .v{font-size:26px;font-weight:700;line-height:1.3;margin:2px 0}
.card .s{font-size:12.5px;color:var(--muted)}
.meter{height:6px;background:#e8ecf1;border-radius:3px;overflow:hidden;margin:6px 0 4px}
.meter>i{display:block;height:100%;background:var(--accent)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 22px;margin:18px 0}
h2{font-size:17px;margin:0 0 2px}
h3{font-size:14px;margin:16px 0 6px}
.cap{color:var(--muted);margin:0 0 12px;font-size:13px}
.order{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0;padding:0;list-style:none}
.order li{background:#eef3fd;color:#1f4fa8;border-radius:6px;padding:2px 9px;font-size:13px}
.order li+li::before{content:"→";color:var(--muted);margin:0 8px 0 -2px}
.order li+li{margin-left:0}
svg.chart{display:block;max-width:100%;height:auto}
svg.chart text{font-size:12px;fill:var(--soft)}
svg.chart text.head{font-weight:600;fill:var(--ink);font-size:13px}
svg.chart text.muted{fill:var(--muted);font-style:italic}
svg.chart text.v{fill:var(--muted);font-variant-numeric:tabular-nums}
svg.chart text.entity{font-weight:600;fill:var(--ink)}
svg.chart text.on-bar{fill:#fff;font-weight:600;font-size:11px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 9px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#f8fafc;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nw{white-space:nowrap}
table.cols{font-size:12.5px}
table.cols td,table.cols th{padding:6px 7px}
.chips span{font-size:11.5px}
.chips span{display:inline-block;white-space:nowrap;background:#f0f3f7;border-radius:4px;padding:0 5px;
 margin:1px 3px 1px 0}
tbody tr:hover{background:#fafbfd}
.badge{display:inline-block;padding:0 8px;border-radius:999px;font-size:11.5px;font-weight:600;line-height:19px;
 white-space:nowrap;margin:1px 2px 1px 0}
.b-error{background:#fde8e8;color:#b42318}.b-warning{background:#fff4d6;color:#8a5a00}
.b-info{background:#e6effd;color:#1f4fa8}
.b-declared{background:#e3f4ea;color:#1d7044}.b-inferred{background:#eef0f4;color:#475467}
.b-poly{background:#f1e9fd;color:#6b3fb4}.b-pii{background:#fdecea;color:#a1331f}
.b-muted{background:#eef0f4;color:#66768a}
.mini{display:inline-block;width:54px;height:6px;background:#e8ecf1;border-radius:3px;vertical-align:middle;
 margin-right:6px;overflow:hidden}
.mini>i{display:block;height:100%;background:var(--accent)}
.muted{color:var(--muted)}
details{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:10px 0}
summary{cursor:pointer;padding:11px 16px}
summary .name{font-weight:600;margin-right:8px}
summary .rows{color:var(--muted);margin-right:8px;font-size:13px}
details[open] summary{border-bottom:1px solid var(--line)}
.body{padding:12px 16px 16px}
dl.kv{display:grid;grid-template-columns:170px 1fr;gap:4px 14px;margin:0 0 12px}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
ul.plain{margin:0;padding-left:18px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:26px}
@media (max-width:760px){.hero,.cards,dl.kv{grid-template-columns:1fr}}
@media print{body{background:#fff}.panel,.card,details{break-inside:avoid}}
)";

}  // namespace

std::string_view html_css() { return kCss; }

double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

// Legacy data may carry bytes that are not UTF-8 (the point of a bad_encoding
// finding); JSON serialisation would throw on them and browsers would guess.
std::string utf8_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t bad; (bad = util::find_invalid_utf8(s)) != std::string_view::npos; s.remove_prefix(bad + 1)) {
    out += s.substr(0, bad);
    out += kReplacementChar;
  }
  out += s;
  return out;
}

size_t utf8_char_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(len, s.size() - i);
}

std::string group_digits(int64_t n) {
  std::string s = std::to_string(n);
  const long first_digit = s[0] == '-' ? 1 : 0;
  for (long i = static_cast<long>(s.size()) - 3; i > first_digit; i -= 3) s.insert(static_cast<size_t>(i), 1, ',');
  return s;
}

std::string percent(double ratio) {
  const double p = round_to(ratio * 100, kPercentDigits);
  // Rounding must not make a little into nothing, nor almost all into all.
  if (p == 0 && ratio > 0) return "<0.1%";
  if (p == 100 && ratio < 1) return ">99.9%";
  return util::format_double(p) + "%";
}

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return group_digits(n) + " " + std::string(n == 1 ? one : many);
}

std::string score_text(double readiness) {
  return util::format_double(std::round(std::clamp(readiness, 0.0, 100.0))) + "/100";
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Lines of at most `width` display columns, broken at spaces; a word wider than
// a line (a Chinese sentence has no spaces) is broken between characters.
std::vector<std::string> wrap(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t line_width = 0;
  auto flush = [&] {
    lines.push_back(line);
    line.clear();
    line_width = 0;
  };
  for (std::string_view word : util::split(text, ' ')) {
    if (word.empty()) continue;
    const size_t w = util::display_width(word);
    if (line_width > 0 && line_width + 1 + w <= width) {
      line += ' ';
      line += word;
      line_width += 1 + w;
      continue;
    }
    if (line_width > 0) flush();
    for (size_t i = 0; i < word.size();) {
      const size_t len = utf8_char_len(word, i);
      const size_t cw = util::display_width(word.substr(i, len));
      if (line_width > 0 && line_width + cw > width) flush();
      line += word.substr(i, len);
      line_width += cw;
      i += len;
    }
  }
  if (line_width > 0 || lines.empty()) lines.push_back(line);
  return lines;
}

void append_wrapped(std::string& out, const std::string& first_prefix, size_t indent, std::string_view text) {
  const size_t used = std::max(util::display_width(first_prefix), indent);
  const size_t width = std::max(kMinWrapWidth, kMaxLineWidth - std::min(used, kMaxLineWidth));
  const std::vector<std::string> lines = wrap(text, width);
  for (size_t i = 0; i < lines.size(); ++i) {
    out += rtrim((i == 0 ? first_prefix : std::string(indent, ' ')) + lines[i]) + "\n";
  }
}

// "  label       item" and further items below the first, aligned.
void append_field(std::string& out, std::string_view label, const std::vector<std::string>& items) {
  const size_t indent = 2 + kLabelWidth + 1;
  for (size_t i = 0; i < items.size(); ++i) {
    append_wrapped(out, i == 0 ? "  " + util::pad_right(label, kLabelWidth) + " " : std::string(indent, ' '), indent,
                   items[i]);
  }
}

void append_field(std::string& out, std::string_view label, const std::string& value) {
  append_field(out, label, std::vector<std::string>{value});
}

std::string pad_left(std::string_view s, size_t width) {
  const size_t w = util::display_width(s);
  return std::string(width > w ? width - w : 0, ' ') + std::string(s);
}

// Free text: backslash-escapes what Markdown (and the HTML it may contain) would interpret.
std::string md_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|&#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// An identifier as a code span; only a pipe needs escaping there (GFM tables).
std::string md_code(std::string_view s) {
  if (s.empty()) return "";
  std::string body = util::replace_all(util::replace_all(util::replace_all(s, "\n", " "), "\r", " "), "|", "\\|");
  const std::string fence = body.find('`') == std::string::npos ? "`" : "``";
  const std::string pad = fence.size() > 1 ? " " : "";
  return fence + pad + body + pad + fence;
}

std::string md_codes(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const std::string& n : names) parts.push_back(md_code(n));
  return util::join(parts, ", ");
}

void append_md_table(const std::vector<MdColumn>& header, const std::vector<std::vector<std::string>>& rows,
                     std::string& out) {
  std::string titles = "|", rule = "|";
  for (const MdColumn& c : header) {
    titles += " " + c.title + " |";
    rule += c.numeric ? " ---: |" : " --- |";
  }
  out += titles + "\n" + rule + "\n";
  for (const auto& row : rows) {
    std::string line = "|";
    for (const std::string& cell : row) line += cell.empty() ? " |" : " " + cell + " |";
    out += line + "\n";
  }
  out += "\n";
}

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// SVG coordinates: one decimal is finer than a pixel.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const char* readiness_color(double score) {
  return score >= kGoodReadiness ? kColorGood : score >= kFairReadiness ? kColorWarn : kColorBad;
}

std::string svg_text(double x, double y, std::string_view text, std::string_view attrs) {
  std::string out = "<text x=\"";
  out.append(num(x)).append("\" y=\"").append(num(y)).append("\"");
  if (!attrs.empty()) out.append(" ").append(attrs);
  return out.append(">").append(esc(text)).append("</text>");
}

std::string svg_rect(double x, double y, double w, double h, std::string_view fill) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
         "\" rx=\"3\" fill=\"" + std::string(fill) + "\"/>";
}

std::string gauge_svg(double readiness) {
  constexpr double kCx = 110, kCy = 110, kRadius = 88, kStroke = 18;
  const double score = std::clamp(readiness, 0.0, 100.0);
  const double angle = std::numbers::pi * score / 100;
  const char* color = readiness_color(score);
  const std::string start = num(kCx - kRadius) + " " + num(kCy);
  const std::string arc = " A" + num(kRadius) + " " + num(kRadius) + " 0 0 1 ";
  std::string out = "<svg class=\"gauge\" id=\"chart-readiness\" viewBox=\"0 0 220 135\" width=\"220\" height=\"135\" "
                    "role=\"img\" aria-label=\"readiness " + score_text(score) + "\">";
  out += "<path d=\"M" + start + arc + num(kCx + kRadius) + " " + num(kCy) + "\" fill=\"none\" stroke=\"" +
         kColorTrack + "\" stroke-width=\"" + num(kStroke) + "\" stroke-linecap=\"round\"/>";
  if (score > 0) {
    out += "<path d=\"M" + start + arc + num(kCx - kRadius * std::cos(angle)) + " " +
           num(kCy - kRadius * std::sin(angle)) + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" +
           num(kStroke) + "\" stroke-linecap=\"round\"/>";
  }
  out += svg_text(kCx, kCy - 8, util::format_double(std::round(score)),
                  "text-anchor=\"middle\" class=\"score\" fill=\"" + std::string(color) + "\"");
  out += svg_text(kCx, kCy + 18, "readiness / 100", "text-anchor=\"middle\" class=\"score-cap\"");
  return out + "</svg>";
}

std::string badge(std::string_view css_class, std::string_view text) {
  return "<span class=\"badge " + std::string(css_class) + "\">" + esc(text) + "</span>";
}

std::string meter(double ratio, std::string_view css_class, std::string_view color) {
  return "<span class=\"" + std::string(css_class) + "\"><i style=\"width:" + num(std::clamp(ratio, 0.0, 1.0) * 100) +
         "%" + (color.empty() ? "" : ";background:" + std::string(color)) + "\"></i></span>";
}

// Short values (examples, samples, patterns), each kept on one line.
std::string chips(const std::vector<std::string>& values, size_t max) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < max; ++i) out += "<span>" + esc(values[i]) + "</span>";
  return out;
}

std::string code_list(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (const std::string& n : names) parts.push_back("<code>" + esc(n) + "</code>");
  return util::join(parts, ", ");
}

std::string card(std::string_view key, const std::string& value_html, const std::string& sub_html) {
  return "<div class=\"card\"><div class=\"k\">" + esc(key) + "</div><div class=\"v\">" + value_html +
         "</div><div class=\"s\">" + sub_html + "</div></div>\n";
}

}  // namespace csbridge::report
