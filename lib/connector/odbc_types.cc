#include "connector/odbc_types.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

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

}  // namespace csbridge::connector::odbc
