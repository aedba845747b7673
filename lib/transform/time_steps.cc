// parse_time and parse_date, and the date/time text forms cast shares.
#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "transform/step_builders.h"
#include "transform/timezone.h"
#include "util/strings.h"

namespace csbridge::transform::internal {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int kSecondsPerHour = 3600;
constexpr int kSecondsPerMinute = 60;
constexpr int kMinYear = 1, kMaxYear = 9999;
constexpr int kMaxHour = 23, kMaxMinute = 59, kMaxSecond = 59;
constexpr int kMicrosDigits = 6;
constexpr int kMaxFractionDigits = 9;  // nanoseconds are read, microseconds kept
constexpr int kMillisPerSecond = 1000;
constexpr int kMicrosPerMilli = 1000;
constexpr int kMaxOffsetHours = 15;
// %y: 69–99 are 1969–1999, 00–68 are 2000–2068 (POSIX strptime).
constexpr int kTwoDigitYearPivot = 69;
constexpr int kCompactDateDigits = 8;       // YYYYMMDD
constexpr int kCompactDateTimeDigits = 14;  // YYYYMMDDHHMMSS

constexpr std::array<std::string_view, 12> kMonthNames = {"january", "february", "march",     "april",
                                                          "may",     "june",     "july",      "august",
                                                          "september", "october", "november", "december"};
constexpr size_t kMonthAbbreviation = 3;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `min`..`max` digits at s[pos]; advances pos.
bool read_number(std::string_view s, size_t& pos, int min, int max, int& out) {
  int n = 0;
  out = 0;
  while (n < max && pos < s.size() && is_digit(s[pos])) {
    out = out * 10 + (s[pos++] - '0');
    ++n;
  }
  return n >= min;
}

// 1–9 digits of a fraction → microseconds (truncated past 6 digits).
bool read_fraction(std::string_view s, size_t& pos, int& micros) {
  int n = 0;
  micros = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (n < kMicrosDigits) micros = micros * 10 + (s[pos] - '0');
    ++pos;
    if (++n > kMaxFractionDigits) return false;
  }
  if (n == 0) return false;
  for (int k = n; k < kMicrosDigits; ++k) micros *= 10;
  return true;
}

// Z, ±HH, ±HHMM or ±HH:MM at s[pos].
bool read_offset(std::string_view s, size_t& pos, int& seconds) {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
    seconds = 0;
    return true;
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  bool negative = s[pos++] == '-';
  int hours = 0, minutes = 0;
  if (!read_number(s, pos, 2, 2, hours)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!read_number(s, pos, 2, 2, minutes)) return false;
  } else if (pos < s.size() && is_digit(s[pos])) {
    if (!read_number(s, pos, 2, 2, minutes)) return false;
  }
  if (hours > kMaxOffsetHours || minutes > kMaxMinute) return false;
  seconds = hours * kSecondsPerHour + minutes * kSecondsPerMinute;
  if (negative) seconds = -seconds;
  return true;
}

// Jan…Dec or the full name, any case.
bool read_month_name(std::string_view s, size_t& pos, int& month) {
  for (size_t m = 0; m < kMonthNames.size(); ++m) {
    std::string_view full = kMonthNames[m];
    for (std::string_view name : {full, full.substr(0, kMonthAbbreviation)}) {
      if (pos + name.size() <= s.size() && util::equals_icase(s.substr(pos, name.size()), name)) {
        pos += name.size();
        month = static_cast<int>(m) + 1;
        return true;
      }
    }
  }
  return false;
}

// ---- formats ----------------------------------------------------------------------

enum class Directive { kLiteral, kYear, kYear2, kMonth, kMonthName, kDay, kHour, kMinute, kSecond, kFraction, kOffset };

struct Piece {
  Directive directive = Directive::kLiteral;
  char literal = 0;
};

struct Format {
  enum class Kind { kPattern, kEpoch, kEpochMillis, kCommon } kind = Kind::kCommon;
  std::vector<Piece> pieces;
};

struct DirectiveName {
  char letter;
  Directive directive;
};

constexpr DirectiveName kDirectives[] = {
    {'Y', Directive::kYear},   {'y', Directive::kYear2},  {'m', Directive::kMonth},    {'b', Directive::kMonthName},
    {'d', Directive::kDay},    {'H', Directive::kHour},   {'M', Directive::kMinute},   {'S', Directive::kSecond},
    {'f', Directive::kFraction}, {'z', Directive::kOffset},
};

enum class Outcome { kNoMatch, kMatched };

Outcome match_pattern(const Format& format, std::string_view s, CivilTime& t) {
  size_t pos = 0;
  for (const Piece& piece : format.pieces) {
    bool ok = true;
    switch (piece.directive) {
      case Directive::kLiteral: ok = pos < s.size() && s[pos++] == piece.literal; break;
      case Directive::kYear: ok = read_number(s, pos, 4, 4, t.year); break;
      case Directive::kYear2:
        ok = read_number(s, pos, 2, 2, t.year);
        t.year += t.year >= kTwoDigitYearPivot ? 1900 : 2000;
        break;
      case Directive::kMonth: ok = read_number(s, pos, 1, 2, t.month); break;
      case Directive::kMonthName: ok = read_month_name(s, pos, t.month); break;
      case Directive::kDay: ok = read_number(s, pos, 1, 2, t.day); break;
      case Directive::kHour: ok = read_number(s, pos, 1, 2, t.hour); break;
      case Directive::kMinute: ok = read_number(s, pos, 1, 2, t.minute); break;
      case Directive::kSecond: ok = read_number(s, pos, 1, 2, t.second); break;
      case Directive::kFraction: ok = read_fraction(s, pos, t.micros); break;
      case Directive::kOffset:
        ok = read_offset(s, pos, t.offset_seconds);
        t.has_offset = true;
        break;
    }
    if (!ok) return Outcome::kNoMatch;
  }
  return pos == s.size() ? Outcome::kMatched : Outcome::kNoMatch;
}

// Seconds (or milliseconds) since the epoch, optionally negative; seconds
// may carry a fraction. Out of years 1–9999 fails.
bool read_epoch(std::string_view s, bool millis, int64_t& seconds, int& micros) {
  static const int64_t kMin = days_from_civil(kMinYear, 1, 1) * kSecondsPerDay;
  static const int64_t kMax = days_from_civil(kMaxYear + 1, 1, 1) * kSecondsPerDay - 1;
  std::string_view whole = s, fraction;
  if (!millis) {
    size_t point = s.find('.');
    if (point != std::string_view::npos) {
      whole = s.substr(0, point);
      fraction = s.substr(point + 1);
    }
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), value);
  if (whole.empty() || ec != std::errc() || end != whole.data() + whole.size()) return false;
  micros = 0;
  if (millis) {
    int64_t ms = value % kMillisPerSecond;
    seconds = value / kMillisPerSecond;
    if (ms < 0) {
      ms += kMillisPerSecond;
      --seconds;
    }
    micros = static_cast<int>(ms) * kMicrosPerMilli;
  } else {
    seconds = value;
    if (!fraction.empty() || s.size() != whole.size()) {
      size_t pos = 0;
      if (!read_fraction(fraction, pos, micros) || pos != fraction.size()) return false;
      if (whole[0] == '-' && micros > 0) {  // -1.5 s is 1.5 s before the epoch
        --seconds;
        micros = 1'000'000 - micros;
      }
    }
  }
  return seconds >= kMin && seconds <= kMax;
}

// Year, month and day of `format` must all be present: a time of day alone is no instant.
bool has_date(const Format& format) {
  auto has = [&](Directive d) {
    return std::any_of(format.pieces.begin(), format.pieces.end(), [&](const Piece& p) { return p.directive == d; });
  };
  return (has(Directive::kYear) || has(Directive::kYear2)) && (has(Directive::kMonth) || has(Directive::kMonthName)) &&
         has(Directive::kDay);
}

Result<Format> compile_format(const StepArgs& a, const YAML::Node& node, bool allow_epoch) {
  CSB_ASSIGN_OR_RETURN(std::string text, scalar_arg(a, node, "a format"));
  Format format;
  if (text == "epoch" || text == "epoch_ms") {
    if (!allow_epoch) return a.error(node, "'" + text + "' gives an instant: use parse_time");
    format.kind = text == "epoch" ? Format::Kind::kEpoch : Format::Kind::kEpochMillis;
    return format;
  }
  format.kind = Format::Kind::kPattern;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      format.pieces.push_back({Directive::kLiteral, text[i]});
      continue;
    }
    if (++i == text.size()) return a.error(node, "format ends with a lone '%'");
    if (text[i] == '%') {
      format.pieces.push_back({Directive::kLiteral, '%'});
      continue;
    }
    const auto* d = std::find_if(std::begin(kDirectives), std::end(kDirectives),
                                 [&](const DirectiveName& n) { return n.letter == text[i]; });
    if (d == std::end(kDirectives))
      return a.error(node, std::string("unknown format directive '%") + text[i] +
                               "' (known: %Y %y %m %b %d %H %M %S %f %z %%)");
    format.pieces.push_back({d->directive, 0});
  }
  if (!has_date(format)) return a.error(node, "format '" + text + "' needs a year (%Y or %y), month (%m or %b) and day (%d)");
  return format;
}

// The `format` argument: one format or a list, tried in order; none = the common forms.
Result<std::vector<Format>> compile_formats(const StepArgs& a, const std::optional<YAML::Node>& argument,
                                            bool allow_epoch) {
  std::vector<Format> formats;
  if (!argument) {
    formats.emplace_back();
    return formats;
  }
  const YAML::Node& node = *argument;
  if (node.IsSequence()) {
    if (node.size() == 0) return a.error(node, "'format' must not be an empty list");
    for (const YAML::Node& item : node) {
      CSB_ASSIGN_OR_RETURN(Format f, compile_format(a, item, allow_epoch));
      formats.push_back(std::move(f));
    }
    return formats;
  }
  CSB_ASSIGN_OR_RETURN(Format f, compile_format(a, node, allow_epoch));
  formats.push_back(std::move(f));
  return formats;
}

// What reading a value against the formats gave.
struct Reading {
  const char* error = nullptr;  // nullptr, kBadTime or kZeroDate
  CivilTime time;
  std::optional<int64_t> epoch_seconds;  // set by the epoch formats
};

Reading read_time(const std::vector<Format>& formats, std::string_view s) {
  Reading r;
  r.error = error_code::kBadTime;
  for (const Format& format : formats) {
    CivilTime t;
    const char* error = nullptr;
    switch (format.kind) {
      case Format::Kind::kCommon: error = parse_common_time(s, t); break;
      case Format::Kind::kPattern:
        error = match_pattern(format, s, t) == Outcome::kMatched ? check_civil_time(t) : error_code::kBadTime;
        break;
      case Format::Kind::kEpoch:
      case Format::Kind::kEpochMillis: {
        int64_t seconds = 0;
        if (read_epoch(s, format.kind == Format::Kind::kEpochMillis, seconds, t.micros)) {
          r.error = nullptr;
          r.time = t;
          r.epoch_seconds = seconds;
          return r;
        }
        error = error_code::kBadTime;
        break;
      }
    }
    if (error == nullptr) {
      r.error = nullptr;
      r.time = t;
      return r;
    }
    // A zero date is worth its own code even when a later format also fails.
    if (error == error_code::kZeroDate) r.error = error;
  }
  return r;
}

StepError time_error(std::string_view step, const char* code) {
  return step_error(code, step,
                    code == error_code::kZeroDate ? "zero date (0000-00-00)" : "not a valid date/time in the expected format");
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The zone of values without an offset, from the context: looked up once
// per thread while the name stays the same.
const TimeZone* context_zone(const Context& context) {
  thread_local std::string cached_name;
  thread_local const TimeZone* cached_zone = nullptr;
  std::string_view want = context.default_timezone.empty() ? std::string_view("UTC") : context.default_timezone;
  if (cached_zone != nullptr && cached_name == want) return cached_zone;
  Result<const TimeZone*> zone = find_timezone(want);
  if (!zone) return nullptr;
  cached_name = want;
  cached_zone = *zone;
  return cached_zone;
}

Result<Kind> time_input(std::string_view step, Kind input, Kind output, bool decimal_ok) {
  if (input == Kind::kBoolean || input == Kind::kJson || (input == Kind::kDecimal && !decimal_ok))
    return cannot_take(step, input);
  return output;
}

class ParseTimeStep final : public Step {
 public:
  ParseTimeStep(std::vector<Format> formats, const TimeZone* zone) : formats_(std::move(formats)), zone_(zone) {}
  std::string_view name() const override { return "parse_time"; }
  Result<Kind> output_kind(Kind input) const override {
    return time_input(name(), input, Kind::kTimestamp, /*decimal_ok=*/true);  // epoch seconds with a fraction
  }

  StepResult apply(std::span<const Value> inputs, const Context& context) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = util::trim(*v);
    if (s.empty()) return Value();  // legacy "" for unknown
    Reading r = read_time(formats_, s);
    if (r.error) return time_error(name(), r.error);
    int64_t utc = 0;
    if (r.epoch_seconds) {
      utc = *r.epoch_seconds;
    } else {
      const CivilTime& t = r.time;
      int64_t local = days_from_civil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * kSecondsPerHour +
                      t.minute * kSecondsPerMinute + t.second;
      if (t.has_offset) {
        utc = local - t.offset_seconds;
      } else {
        const TimeZone* zone = zone_ != nullptr ? zone_ : context_zone(context);
        if (zone == nullptr)
          return step_error(error_code::kBadTime, name(),
                            "unknown default time zone '" + context.default_timezone + "'");
        utc = zone->to_utc(local);
      }
    }
    int64_t year = 0;
    int month = 0, day = 0;
    int64_t days = floor_div(utc, kSecondsPerDay);
    civil_from_days(days, year, month, day);
    if (year < kMinYear || year > kMaxYear) return step_error(error_code::kBadTime, name(), "out of range in UTC");
    auto second_of_day = static_cast<int>(utc - days * kSecondsPerDay);
    std::string out;
    out.reserve(32);
    append_date(out, static_cast<int>(year), month, day);
    out += ' ';
    append_time(out, second_of_day / kSecondsPerHour, second_of_day / kSecondsPerMinute % kSecondsPerMinute,
                second_of_day % kSecondsPerMinute, r.time.micros);
    out += "+00:00";
    return Value(std::move(out));
  }

 private:
  std::vector<Format> formats_;
  const TimeZone* zone_;  // nullptr: the context's default zone
};

// The date as written: a time of day or an offset in the value is read
// (and checked) but does not move the date.
class ParseDateStep final : public Step {
 public:
  explicit ParseDateStep(std::vector<Format> formats) : formats_(std::move(formats)) {}
  std::string_view name() const override { return "parse_date"; }
  Result<Kind> output_kind(Kind input) const override {
    return time_input(name(), input, Kind::kDate, /*decimal_ok=*/false);
  }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = util::trim(*v);
    if (s.empty()) return Value();
    Reading r = read_time(formats_, s);
    if (r.error) return time_error(name(), r.error);
    std::string out;
    append_date(out, r.time.year, r.time.month, r.time.day);
    return Value(std::move(out));
  }

 private:
  std::vector<Format> formats_;
};

void append_two(std::string& out, int v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

}  // namespace

const char* check_civil_time(const CivilTime& t) {
  if (t.year == 0 && t.month == 0 && t.day == 0) return error_code::kZeroDate;
  if (t.year < kMinYear || t.year > kMaxYear || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > days_in_month(t.year, t.month) || t.hour > kMaxHour || t.minute > kMaxMinute || t.second > kMaxSecond)
    return error_code::kBadTime;
  return nullptr;
}

const char* parse_common_time(std::string_view s, CivilTime& t) {
  t = CivilTime();
  size_t pos = 0;
  bool compact = std::all_of(s.begin(), s.end(), is_digit);
  if (compact && (s.size() == kCompactDateDigits || s.size() == kCompactDateTimeDigits)) {
    read_number(s, pos, 4, 4, t.year);
    read_number(s, pos, 2, 2, t.month);
    read_number(s, pos, 2, 2, t.day);
    if (s.size() == kCompactDateTimeDigits) {
      t.has_time = true;
      read_number(s, pos, 2, 2, t.hour);
      read_number(s, pos, 2, 2, t.minute);
      read_number(s, pos, 2, 2, t.second);
    }
    return check_civil_time(t);
  }
  if (!read_number(s, pos, 4, 4, t.year) || pos >= s.size() || (s[pos] != '-' && s[pos] != '/'))
    return error_code::kBadTime;
  char sep = s[pos++];
  if (!read_number(s, pos, 1, 2, t.month) || pos >= s.size() || s[pos++] != sep ||
      !read_number(s, pos, 1, 2, t.day))
    return error_code::kBadTime;
  if (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) {
    ++pos;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    t.has_time = true;
    if (!read_number(s, pos, 1, 2, t.hour) || pos >= s.size() || s[pos++] != ':' ||
        !read_number(s, pos, 2, 2, t.minute))
      return error_code::kBadTime;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!read_number(s, pos, 2, 2, t.second)) return error_code::kBadTime;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        if (!read_fraction(s, pos, t.micros)) return error_code::kBadTime;
      }
    }
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos < s.size()) {
      if (s.substr(pos) == "UTC") {
        pos = s.size();
        t.offset_seconds = 0;
      } else if (!read_offset(s, pos, t.offset_seconds)) {
        return error_code::kBadTime;
      }
      t.has_offset = true;
    }
  }
  if (pos != s.size()) return error_code::kBadTime;
  return check_civil_time(t);
}

void append_date(std::string& out, int year, int month, int day) {
  append_two(out, year / 100);
  append_two(out, year % 100);
  out += '-';
  append_two(out, month);
  out += '-';
  append_two(out, day);
}

void append_time(std::string& out, int hour, int minute, int second, int micros) {
  append_two(out, hour);
  out += ':';
  append_two(out, minute);
  out += ':';
  append_two(out, second);
  if (micros == 0) return;
  char digits[kMicrosDigits];
  for (int k = kMicrosDigits - 1; k >= 0; --k, micros /= 10) digits[k] = static_cast<char>('0' + micros % 10);
  int n = kMicrosDigits;
  while (digits[n - 1] == '0') --n;
  out += '.';
  out.append(digits, static_cast<size_t>(n));
}

void append_offset(std::string& out, int offset_seconds) {
  out += offset_seconds < 0 ? '-' : '+';
  int a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  append_two(out, a / kSecondsPerHour);
  out += ':';
  append_two(out, a / kSecondsPerMinute % kSecondsPerMinute);
}

// The `format` argument: the map's member, or the whole argument when it is not a map.
std::optional<YAML::Node> format_argument(const StepArgs& a) {
  if (a.args.IsMap()) return member(a.args, "format");
  if (a.absent()) return std::nullopt;
  return a.args;
}

BuildResult build_parse_time(const StepArgs& a) {
  if (a.args.IsMap()) CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"format", "timezone"}));
  CSB_ASSIGN_OR_RETURN(std::vector<Format> formats, compile_formats(a, format_argument(a), /*allow_epoch=*/true));
  const TimeZone* zone = nullptr;
  if (std::optional<YAML::Node> zone_node = member(a.args, "timezone")) {
    CSB_ASSIGN_OR_RETURN(std::string name, scalar_arg(a, *zone_node, "'timezone'"));
    Result<const TimeZone*> found = find_timezone(name);
    if (!found) return a.error(*zone_node, found.status().message());
    zone = *found;
  }
  return std::unique_ptr<Step>(std::make_unique<ParseTimeStep>(std::move(formats), zone));
}

BuildResult build_parse_date(const StepArgs& a) {
  if (a.args.IsMap()) CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"format"}));
  CSB_ASSIGN_OR_RETURN(std::vector<Format> formats, compile_formats(a, format_argument(a), /*allow_epoch=*/false));
  return std::unique_ptr<Step>(std::make_unique<ParseDateStep>(std::move(formats)));
}

}  // namespace csbridge::transform::internal
