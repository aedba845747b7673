#include "connector/odbc_types.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::connector::odbc {
namespace {

// "03:04:05.120000" → "03:04:05.12"; an all-zero fraction goes with its dot.
void trim_fraction(std::string& v) {
  size_t dot = v.find('.', v.find(':') == std::string::npos ? 0 : v.find(':'));
  if (dot == std::string::npos) return;
  size_t end = dot + 1;
  while (end < v.size() && v[end] >= '0' && v[end] <= '9') ++end;
  size_t keep = end;
  while (keep > dot + 1 && v[keep - 1] == '0') --keep;
  if (keep == dot + 1) keep = dot;
  v.erase(keep, end - keep);
}

bool has_zone(std::string_view v) {
  size_t time = v.find(':');
  if (time == std::string_view::npos) return false;
  return v.find_first_of("+-Z", time) != std::string_view::npos;
}

// Whether the driver receives values in binary and prints them (see "Values
// bound as C types" in odbc_types.h).
bool prints_binary_values(const Engine& engine) {
  return util::to_lower(engine.driver).find("maodbc") != std::string::npos;
}

bool is_integer_type(SQLLEN t) {
  return t == SQL_TINYINT || t == SQL_SMALLINT || t == SQL_INTEGER || t == SQL_BIGINT;
}

// `v` in decimal, zeros in front up to `width` digits (printf's %0*u).
char* put_padded(char* out, uint32_t v, int width) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) *out++ = '0';
  while (n > 0) *out++ = digits[--n];
  return out;
}

// A struct's year: SQLSMALLINT, four digits at least.
char* put_year(char* out, SQLSMALLINT year) {
  if (year < 0) *out++ = '-';
  return put_padded(out, static_cast<uint32_t>(year < 0 ? -year : year), 4);
}

char* put_date(char* out, SQLSMALLINT year, SQLUSMALLINT month, SQLUSMALLINT day) {
  out = put_year(out, year);
  *out++ = '-';
  out = put_padded(out, month, 2);
  *out++ = '-';
  return put_padded(out, day, 2);
}

}  // namespace

bool is_char_type(SQLSMALLINT t) {
  return t == SQL_CHAR || t == SQL_VARCHAR || t == SQL_WCHAR || t == SQL_WVARCHAR;
}
bool is_binary_type(SQLSMALLINT t) { return t == SQL_BINARY || t == SQL_VARBINARY || t == SQL_LONGVARBINARY; }
bool is_long_type(SQLSMALLINT t) { return t == SQL_LONGVARCHAR || t == SQL_WLONGVARCHAR || t == SQL_LONGVARBINARY; }

ValueType value_type_of(SQLSMALLINT sql_type, const std::string& declared) {
  switch (sql_type) {
    case SQL_BIT: return ValueType::kBoolean;
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT: return ValueType::kInteger;
    case SQL_REAL: case SQL_FLOAT: case SQL_DOUBLE: return ValueType::kReal;
    case SQL_DECIMAL: case SQL_NUMERIC: return ValueType::kDecimal;
    case SQL_TYPE_DATE: case SQL_DATE: return ValueType::kDate;
    case SQL_TYPE_TIME: case SQL_TIME: return ValueType::kTime;
    case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP:
      return value_type_from_declared(declared) == ValueType::kTimestampTz ? ValueType::kTimestampTz
                                                                           : ValueType::kTimestamp;
    case SQL_BINARY: case SQL_VARBINARY: case SQL_LONGVARBINARY: return ValueType::kBinary;
    case SQL_GUID: return ValueType::kText;
    default: break;
  }
  ValueType t = value_type_from_declared(declared);
  if (t == ValueType::kUnknown && (is_char_type(sql_type) || is_long_type(sql_type))) return ValueType::kText;
  return t;
}

std::string declared_type(const std::string& type_name, SQLSMALLINT sql_type, int64_t size, int64_t digits,
                          std::optional<int64_t> typmod) {
  std::string t = util::to_lower(type_name);
  if (t.empty() || t.find('(') != std::string::npos || size <= 0 || (typmod && *typmod < 0)) return t;
  if (t == "enum" || t == "set") return t;
  if (is_char_type(sql_type) || sql_type == SQL_BINARY || sql_type == SQL_VARBINARY) {
    return t + "(" + std::to_string(size) + ")";
  }
  if (sql_type == SQL_DECIMAL || sql_type == SQL_NUMERIC) {
    return t + "(" + std::to_string(size) + "," + std::to_string(std::max<int64_t>(digits, 0)) + ")";
  }
  return t;
}

bool is_long_column(const ColumnMeta& m, const Engine& engine) {
  if (!engine.sizes_enforced || is_long_type(m.sql_type)) return true;
  if (is_char_type(m.sql_type)) return m.size <= 0 || m.size * kUtf8BytesPerChar >= kMaxBoundCellBytes;
  if (is_binary_type(m.sql_type)) return m.size <= 0 || m.size > kMaxBoundCellBytes;
  return false;
}

Result<std::vector<ColumnMeta>> pick_columns(const std::string& what, const std::vector<ColumnMeta>& all,
                                             const std::vector<std::string>& wanted) {
  if (wanted.empty()) return all;
  std::vector<ColumnMeta> out;
  for (const std::string& name : wanted) {
    auto it = std::find_if(all.begin(), all.end(), [&](const ColumnMeta& m) { return m.info.name == name; });
    if (it == all.end()) {
      std::vector<std::string> known;
      for (const ColumnMeta& m : all) known.push_back(m.info.name);
      std::string hint = util::closest_match(name, known);
      return not_found("column '" + name + "' not found in " + what +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    out.push_back(*it);
  }
  return out;
}

Conversion conversion_for(const ColumnMeta& m, const Engine& engine) {
  if (m.info.type == ValueType::kBinary) return Conversion::kBinary;
  if (m.info.type == ValueType::kBoolean) return Conversion::kBoolean;
  if (m.info.type == ValueType::kReal) return Conversion::kReal;
  if (m.info.type == ValueType::kTimestampTz) {
    return engine.utc_session ? Conversion::kTemporalTz : Conversion::kTemporal;
  }
  if (m.info.type == ValueType::kTimestamp || m.info.type == ValueType::kTime) return Conversion::kTemporal;
  if (m.sql_type == SQL_GUID) return Conversion::kGuid;
  if (m.info.type == ValueType::kText || m.info.type == ValueType::kJson || m.info.type == ValueType::kUnknown)
    return Conversion::kText;
  return Conversion::kAsIs;
}

std::optional<std::string_view> canonical_boolean(std::string_view v) {
  static constexpr std::array<std::string_view, 5> kTrue = {"1", "t", "true", "y", "yes"};
  static constexpr std::array<std::string_view, 5> kFalse = {"0", "f", "false", "n", "no"};
  if (v == std::string_view("\x01", 1)) return "true";
  if (v == std::string_view("\0", 1)) return "false";
  std::string lower = util::to_lower(util::trim(v));
  if (std::find(kTrue.begin(), kTrue.end(), lower) != kTrue.end()) return "true";
  if (std::find(kFalse.begin(), kFalse.end(), lower) != kFalse.end()) return "false";
  return std::nullopt;
}

bool rewrites(Conversion conversion) {
  return conversion != Conversion::kText && conversion != Conversion::kBinary && conversion != Conversion::kAsIs;
}

void convert_value(Conversion conversion, std::string& v) {
  switch (conversion) {
    case Conversion::kBoolean:
      if (std::optional<std::string_view> b = canonical_boolean(v)) v = std::string(*b);
      return;
    case Conversion::kReal: {
      double d = 0;
      std::string_view s = util::trim(v);
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(d)) v = util::format_double(d);
      return;
    }
    case Conversion::kTemporal:
      trim_fraction(v);
      return;
    case Conversion::kTemporalTz:
      trim_fraction(v);
      if (!v.empty() && !has_zone(v)) v += "+00";
      return;
    case Conversion::kGuid:
      v = util::to_lower(v);
      return;
    case Conversion::kText:
    case Conversion::kBinary:
    case Conversion::kAsIs:
      return;
  }
}

std::string check_value(Conversion conversion, std::string_view v) {
  if (conversion != Conversion::kText) return "";
  size_t bad = util::find_invalid_utf8(v);
  return bad == std::string::npos ? "" : "invalid UTF-8 at byte " + std::to_string(bad);
}

Typed planned_typed(const ColumnMeta& m, const Engine& engine) {
  if (!prints_binary_values(engine) || is_long_column(m, engine)) return Typed::kNone;
  if (is_integer_type(m.sql_type)) {
    return m.info.type == ValueType::kInteger && util::to_lower(m.info.declared_type) != "year" ? Typed::kInteger
                                                                                              : Typed::kNone;
  }
  if (m.sql_type == SQL_TYPE_TIMESTAMP && m.info.type == ValueType::kTimestamp) return Typed::kTimestamp;
  if (m.sql_type == SQL_TYPE_DATE && m.info.type == ValueType::kDate) return Typed::kDate;
  return Typed::kNone;
}

Typed described_typed(Typed planned, SQLLEN concise_type, bool is_unsigned) {
  switch (planned) {
    case Typed::kInteger: return is_integer_type(concise_type) && !is_unsigned ? planned : Typed::kNone;
    case Typed::kTimestamp: return concise_type == SQL_TYPE_TIMESTAMP ? planned : Typed::kNone;
    case Typed::kDate: return concise_type == SQL_TYPE_DATE ? planned : Typed::kNone;
    case Typed::kNone: break;
  }
  return Typed::kNone;
}

SQLSMALLINT c_type_of(Typed typed) {
  switch (typed) {
    case Typed::kInteger: return SQL_C_SBIGINT;
    case Typed::kTimestamp: return SQL_C_TYPE_TIMESTAMP;
    case Typed::kDate: return SQL_C_TYPE_DATE;
    case Typed::kNone: break;
  }
  return SQL_C_CHAR;
}

SQLLEN bound_bytes(Typed typed) {
  switch (typed) {
    case Typed::kInteger: return sizeof(int64_t);
    case Typed::kTimestamp: return sizeof(SQL_TIMESTAMP_STRUCT);
    case Typed::kDate: return sizeof(SQL_DATE_STRUCT);
    case Typed::kNone: break;
  }
  return 0;
}

std::string null_probe(const std::string& quoted) { return "CASE WHEN " + quoted + " IS NULL THEN 1 END"; }

std::string_view integer_text(int64_t v, TypedText& out) {
  char* end = std::to_chars(out.data(), out.data() + out.size(), v).ptr;
  return {out.data(), static_cast<size_t>(end - out.data())};
}

std::string_view timestamp_text(const SQL_TIMESTAMP_STRUCT& t, int fraction_digits, TypedText& out) {
  char* p = put_date(out.data(), t.year, t.month, t.day);
  *p++ = ' ';
  p = put_padded(p, t.hour, 2);
  *p++ = ':';
  p = put_padded(p, t.minute, 2);
  *p++ = ':';
  p = put_padded(p, t.second, 2);
  const int digits = std::clamp(fraction_digits, 0, kMaxFractionDigits);
  if (digits > 0 && t.fraction != 0) {
    char* dot = p;
    *p++ = '.';
    char* fraction = p;
    p = put_padded(p, t.fraction, kMaxFractionDigits);
    p = fraction + digits;
    while (p > fraction && p[-1] == '0') --p;
    if (p == fraction) p = dot;
  }
  return {out.data(), static_cast<size_t>(p - out.data())};
}

std::string_view date_text(const SQL_DATE_STRUCT& d, TypedText& out) {
  char* end = put_date(out.data(), d.year, d.month, d.day);
  return {out.data(), static_cast<size_t>(end - out.data())};
}

std::string_view typed_text(Typed typed, const char* data, int fraction_digits, TypedText& out) {
  // Bound buffers hold the C values at a row's offset, which need not be aligned for them.
  switch (typed) {
    case Typed::kInteger: {
      int64_t v;
      std::memcpy(&v, data, sizeof v);
      return integer_text(v, out);
    }
    case Typed::kTimestamp: {
      SQL_TIMESTAMP_STRUCT t;
      std::memcpy(&t, data, sizeof t);
      return timestamp_text(t, fraction_digits, out);
    }
    case Typed::kDate: {
      SQL_DATE_STRUCT d;
      std::memcpy(&d, data, sizeof d);
      return date_text(d, out);
    }
    case Typed::kNone: break;
  }
  return {};
}

std::string_view zero_date_text(Typed typed) {
  return typed == Typed::kDate ? "0000-00-00" : "0000-00-00 00:00:00";
}

}  // namespace csbridge::connector::odbc
