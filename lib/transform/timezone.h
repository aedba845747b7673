// Time zones and calendar arithmetic for parse_time. libstdc++ 12 has no
// C++20 tzdb, so IANA zones are read from the system's TZif files (package
// tzdata: /usr/share/zoneinfo/<name>, the v2+ 64-bit section and its POSIX
// footer rule), once per zone per process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace csbridge::transform {

// A zone: its offsets from UTC over time. Immutable; thread-safe.
class TimeZone {
 public:
  // A zone of one fixed offset (seconds east of UTC).
  TimeZone(std::string name, int offset_seconds);
  // Parses the bytes of a TZif file (RFC 8536, version 2 or later). Times
  // after the last transition follow the footer's POSIX rule, extended
  // through the year 2400 (the last offset holds after that).
  // kData error naming the zone when the bytes are not such a file.
  static Result<std::unique_ptr<TimeZone>> from_tzif(std::string name, std::string_view bytes);

  const std::string& name() const { return name_; }
  // The offset (seconds east of UTC) in force at `utc` (seconds since the epoch).
  int offset_at(int64_t utc) const;
  // The UTC instant of the wall-clock time `local` (seconds since
  // 1970-01-01 00:00 of the local clock). A time the clock skipped (the
  // spring-forward gap) is read with the offset in force before the
  // transition, as PostgreSQL does (02:30 in New York's gap → 03:30 EDT);
  // a time the clock showed twice (the fall-back overlap) is read with the
  // earlier offset, i.e. the first of the two instants. Both assume no two
  // transitions lie within two days of each other, which holds for every
  // IANA zone.
  int64_t to_utc(int64_t local) const;

 private:
  struct Transition {
    int64_t utc;  // first instant of the new offset
    int offset;   // seconds east of UTC from then on
  };
  TimeZone(std::string name, int initial_offset, std::vector<Transition> transitions);

  std::string name_;
  int initial_offset_;                   // before the first transition
  std::vector<Transition> transitions_;  // ascending utc
};

// The zone named `name`: "UTC", "Z", a fixed offset ("+08:00", "-0500",
// "+08"), or an IANA name ("Asia/Shanghai") read from /usr/share/zoneinfo.
// Loaded once and kept for the process (also a failure), so the pointer
// stays valid; thread-safe. kNotFound "unknown time zone 'X'" when there is
// no such zone; kData when its file is not a TZif file.
Result<const TimeZone*> find_timezone(std::string_view name);
// find_timezone's Status, for the loaders that validate configured zones.
Status check_timezone(std::string_view name);

// Proleptic Gregorian calendar.
bool is_leap_year(int64_t year);
int days_in_month(int64_t year, int month);
// Days since 1970-01-01 (negative before).
int64_t days_from_civil(int64_t year, int month, int day);
void civil_from_days(int64_t days, int64_t& year, int& month, int& day);

}  // namespace csbridge::transform
