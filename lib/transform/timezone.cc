#include "transform/timezone.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

namespace csbridge::transform {
namespace {

constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo/";
constexpr size_t kMaxZoneNameBytes = 255;
constexpr size_t kMaxTzifBytes = 1u << 20;  // real files are a few KiB
constexpr std::string_view kTzifMagic = "TZif";
constexpr size_t kTzifHeaderBytes = 44;
constexpr size_t kTzifCountsOffset = 20;  // six big-endian 32-bit counts follow
constexpr size_t kTtinfoBytes = 6;
constexpr int64_t kSecondsPerDay = 86400;
constexpr int kSecondsPerHour = 3600;
constexpr int kSecondsPerMinute = 60;
constexpr int kMaxOffsetHours = 15;  // real offsets lie within -12..+14
constexpr int64_t kLastRuleYear = 2400;
constexpr int kDefaultRuleTime = 2 * kSecondsPerHour;  // POSIX: a rule's time defaults to 02:00
constexpr int kEpochWeekday = 4;                        // 1970-01-01 was a Thursday (Sunday = 0)
constexpr int kDaysPerWeek = 7;

uint32_t read_be32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

int64_t read_be64(const unsigned char* p) {
  return static_cast<int64_t>(uint64_t{read_be32(p)} << 32 | read_be32(p + 4));
}

// ---- POSIX TZ rules (the TZif footer) ------------------------------------------

// When a rule switches: Mm.w.d (day d of week w of month m; w = 5 is the
// last), Jn (1–365, February 29 never counted) or n (0–365), at `time`
// seconds of the local clock then in force (may be negative or past 24h).
struct RuleDate {
  enum class Form { kMonthWeekDay, kJulian1, kJulian0 } form = Form::kMonthWeekDay;
  int month = 0, week = 0, weekday = 0, day = 0;
  int time = kDefaultRuleTime;
};

struct PosixRule {
  int std_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  int dst_offset = 0;
  RuleDate start, end;
};

class PosixParser {
 public:
  explicit PosixParser(std::string_view s) : s_(s) {}

  std::optional<PosixRule> parse() {
    PosixRule rule;
    if (!name() || !offset(rule.std_offset)) return std::nullopt;
    rule.std_offset = -rule.std_offset;  // POSIX counts west of Greenwich
    if (done()) return rule;
    if (!name()) return std::nullopt;
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + kSecondsPerHour;
    if (!done() && peek() != ',') {
      if (!offset(rule.dst_offset)) return std::nullopt;
      rule.dst_offset = -rule.dst_offset;
    }
    if (!eat(',') || !date(rule.start) || !eat(',') || !date(rule.end) || !done()) return std::nullopt;
    return rule;
  }

 private:
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool name() {
    if (eat('<')) {
      size_t close = s_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      pos_ = close + 1;
      return true;
    }
    size_t begin = pos_;
    while (is_alpha(peek())) ++pos_;
    return pos_ - begin >= 3;
  }

  bool number(int& out, int max) {
    if (!is_digit(peek())) return false;
    out = 0;
    while (is_digit(peek())) {
      out = out * 10 + (s_[pos_++] - '0');
      if (out > max) return false;
    }
    return true;
  }

  // [+-]hh[:mm[:ss]] in seconds; hours up to 167 for rule times.
  bool offset(int& out, int max_hours = 24) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!number(h, max_hours)) return false;
    if (eat(':')) {
      if (!number(m, 59)) return false;
      if (eat(':') && !number(sec, 59)) return false;
    }
    out = sign * (h * kSecondsPerHour + m * kSecondsPerMinute + sec);
    return true;
  }

  bool date(RuleDate& d) {
    if (eat('M')) {
      d.form = RuleDate::Form::kMonthWeekDay;
      if (!number(d.month, 12) || d.month < 1 || !eat('.') || !number(d.week, 5) || d.week < 1 || !eat('.') ||
          !number(d.weekday, 6))
        return false;
    } else if (eat('J')) {
      d.form = RuleDate::Form::kJulian1;
      if (!number(d.day, 365) || d.day < 1) return false;
    } else {
      d.form = RuleDate::Form::kJulian0;
      if (!number(d.day, 365)) return false;
    }
    if (eat('/')) return offset(d.time, 167);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Days since the epoch of the rule's day in `year`.
int64_t rule_day(const RuleDate& d, int64_t year) {
  switch (d.form) {
    case RuleDate::Form::kJulian1: {
      int64_t day = days_from_civil(year, 1, 1) + d.day - 1;
      return is_leap_year(year) && d.day >= 60 ? day + 1 : day;
    }
    case RuleDate::Form::kJulian0: return days_from_civil(year, 1, 1) + d.day;
    case RuleDate::Form::kMonthWeekDay: break;
  }
  int64_t first = days_from_civil(year, d.month, 1);
  int first_weekday = static_cast<int>(((first + kEpochWeekday) % kDaysPerWeek + kDaysPerWeek) % kDaysPerWeek);
  int day = 1 + (d.weekday - first_weekday + kDaysPerWeek) % kDaysPerWeek + (d.week - 1) * kDaysPerWeek;
  while (day > days_in_month(year, d.month)) day -= kDaysPerWeek;
  return first + day - 1;
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = false;
  if (!in) return "";
  std::string bytes;
  bytes.resize(kMaxTzifBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  ok = !in.bad() && bytes.size() <= kMaxTzifBytes;
  return bytes;
}

// A name that stays inside the zoneinfo directory.
bool is_safe_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneNameBytes || name[0] == '/') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '+' || c == '/' || (c == '.' && i > 0 && name[i - 1] != '/');
    if (!ok) return false;
  }
  return name.find("..") == std::string_view::npos;
}

// "+08:00", "-0500", "+08" → seconds east of UTC.
std::optional<int> parse_fixed_offset(std::string_view s) {
  if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  auto two = [&](size_t at) -> int {
    if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
  };
  int hours = two(1), minutes = 0;
  if (s.size() == 6 && s[3] == ':') minutes = two(4);
  else if (s.size() == 5) minutes = two(3);
  else if (s.size() != 3) return std::nullopt;
  if (hours < 0 || minutes < 0 || hours > kMaxOffsetHours || minutes >= kSecondsPerMinute) return std::nullopt;
  int seconds = hours * kSecondsPerHour + minutes * kSecondsPerMinute;
  return s[0] == '-' ? -seconds : seconds;
}

Result<std::unique_ptr<TimeZone>> load_zone(std::string_view name) {
  if (name == "UTC" || name == "Z") return std::make_unique<TimeZone>(std::string(name), 0);
  if (auto offset = parse_fixed_offset(name)) return std::make_unique<TimeZone>(std::string(name), *offset);
  std::string unknown = "unknown time zone '" + std::string(name) + "'";
  if (!is_safe_zone_name(name)) return not_found(unknown);
  bool ok = false;
  std::string bytes = read_file(kZoneInfoDir + std::string(name), ok);
  if (!ok) return not_found(unknown);
  return TimeZone::from_tzif(std::string(name), bytes);
}

struct ZoneCache {
  std::mutex mutex;
  std::map<std::string, Result<std::unique_ptr<TimeZone>>, std::less<>> zones;
};

ZoneCache& zone_cache() {
  static ZoneCache cache;
  return cache;
}

}  // namespace

bool is_leap_year(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int64_t& year, int& month, int& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2);
}

TimeZone::TimeZone(std::string name, int offset_seconds) : name_(std::move(name)), initial_offset_(offset_seconds) {}

TimeZone::TimeZone(std::string name, int initial_offset, std::vector<Transition> transitions)
    : name_(std::move(name)), initial_offset_(initial_offset), transitions_(std::move(transitions)) {}

Result<std::unique_ptr<TimeZone>> TimeZone::from_tzif(std::string name, std::string_view bytes) {
  auto corrupt = [&](std::string_view why) {
    return data_error("time zone '" + name + "': " + std::string(why));
  };
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  struct Counts {
    uint32_t isut, isstd, leap, time, type, chars;
  };
  auto header = [&](size_t at, Counts& c) -> bool {
    if (bytes.size() < at + kTzifHeaderBytes || bytes.substr(at, kTzifMagic.size()) != kTzifMagic) return false;
    const unsigned char* p = data + at + kTzifCountsOffset;
    c = {read_be32(p), read_be32(p + 4), read_be32(p + 8), read_be32(p + 12), read_be32(p + 16), read_be32(p + 20)};
    return true;
  };
  Counts v1;
  if (!header(0, v1)) return corrupt("not a TZif file");
  if (bytes[kTzifMagic.size()] < '2') return corrupt("TZif version 1 is not supported (tzdata 2005 or later has 2)");
  size_t v1_data = size_t{v1.time} * 5 + size_t{v1.type} * kTtinfoBytes + v1.chars + size_t{v1.leap} * 8 + v1.isstd +
                   v1.isut;
  size_t at = kTzifHeaderBytes + v1_data;
  Counts c;
  if (!header(at, c)) return corrupt("no 64-bit section");
  at += kTzifHeaderBytes;
  size_t need = size_t{c.time} * 9 + size_t{c.type} * kTtinfoBytes + c.chars + size_t{c.leap} * 12 + c.isstd + c.isut;
  if (c.type == 0 || bytes.size() < at + need) return corrupt("truncated");
  const unsigned char* times = data + at;
  const unsigned char* indexes = times + size_t{c.time} * 8;
  const unsigned char* types = indexes + c.time;
  std::vector<int> offsets(c.type);
  for (size_t i = 0; i < c.type; ++i) offsets[i] = static_cast<int32_t>(read_be32(types + i * kTtinfoBytes));
  std::vector<Transition> transitions;
  transitions.reserve(c.time);
  for (size_t i = 0; i < c.time; ++i) {
    if (indexes[i] >= c.type) return corrupt("transition names a missing type");
    Transition t{read_be64(times + i * 8), offsets[indexes[i]]};
    if (!transitions.empty() && t.utc <= transitions.back().utc) return corrupt("transitions out of order");
    transitions.push_back(t);
  }
  // RFC 8536: before the first transition the first type holds.
  int initial = offsets[0];
  // The footer: "\n<POSIX TZ>\n", the rule after the last transition.
  std::string_view footer = bytes.substr(at + need);
  if (footer.size() >= 2 && footer[0] == '\n') {
    size_t end = footer.find('\n', 1);
    std::string_view tz = footer.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
    if (!tz.empty()) {
      std::optional<PosixRule> rule = PosixParser(tz).parse();
      if (!rule) return corrupt("unreadable footer rule");
      if (rule->has_dst) {
        int64_t from = 0;
        int month = 0, day = 0;
        civil_from_days(transitions.empty() ? 0 : transitions.back().utc / kSecondsPerDay, from, month, day);
        for (int64_t year = from; year <= kLastRuleYear; ++year) {
          // The start is written on the standard clock, the end on the daylight clock.
          Transition start{rule_day(rule->start, year) * kSecondsPerDay + rule->start.time - rule->std_offset,
                           rule->dst_offset};
          Transition end{rule_day(rule->end, year) * kSecondsPerDay + rule->end.time - rule->dst_offset,
                         rule->std_offset};
          for (const Transition& t : start.utc < end.utc ? std::array{start, end} : std::array{end, start}) {
            if (transitions.empty() || t.utc > transitions.back().utc) transitions.push_back(t);
          }
        }
      } else if (transitions.empty()) {
        initial = rule->std_offset;
      } else if (transitions.back().offset != rule->std_offset) {
        return corrupt("footer rule disagrees with the last transition");
      }
    }
  }
  return std::unique_ptr<TimeZone>(new TimeZone(std::move(name), initial, std::move(transitions)));
}

int TimeZone::offset_at(int64_t utc) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc,
                             [](int64_t t, const Transition& tr) { return t < tr.utc; });
  return it == transitions_.begin() ? initial_offset_ : std::prev(it)->offset;
}

int64_t TimeZone::to_utc(int64_t local) const {
  if (transitions_.empty()) return local - initial_offset_;
  int before = offset_at(local - kSecondsPerDay);
  int after = offset_at(local + kSecondsPerDay);
  bool before_fits = offset_at(local - before) == before;
  bool after_fits = offset_at(local - after) == after;
  if (before_fits && after_fits) return std::min(local - before, local - after);  // overlap: the earlier instant
  if (after_fits) return local - after;
  return local - before;  // also the gap: read on the clock before the transition
}

Result<const TimeZone*> find_timezone(std::string_view name) {
  ZoneCache& cache = zone_cache();
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.zones.find(name);
  if (it == cache.zones.end()) it = cache.zones.emplace(std::string(name), load_zone(name)).first;
  if (!it->second.is_ok()) return it->second.status();
  return static_cast<const TimeZone*>(it->second.value().get());
}

Status check_timezone(std::string_view name) { return find_timezone(name).status(); }

}  // namespace csbridge::transform
