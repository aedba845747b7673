#include "migrate/load_checks.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "model/ddl.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::migrate {
namespace {

using model::Field;
using model::FieldType;

// The columns the store writes itself.
constexpr std::string_view kStoreColumns[] = {"id", "source_system", "source_key", "migrated_at", "deleted_at"};
constexpr size_t kMaxSourceSystemChars = 64;
constexpr size_t kMaxSourceKeyChars = 255;
// Values quoted in messages are cut at this many bytes.
constexpr size_t kMaxQuotedBytes = 64;

// `v` in quotes, cut at a character boundary when long.
std::string quoted(std::string_view v) {
  std::string out = "'";
  if (v.size() <= kMaxQuotedBytes) return out.append(v).append("'");
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (v[cut] & 0xC0) == 0x80) --cut;
  return out.append(v.substr(0, cut)).append("…'");
}

// How a message shows the value of `field`: itself, or not at all when it may be personal data.
std::string shown(const Field& field, std::string_view v) {
  return field.pii == model::PiiClass::kNone ? quoted(v) : "the value";
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
bool parse_int(std::string_view s, T& out) {
  if (s.empty() || (s.front() != '-' && (s.front() < '0' || s.front() > '9'))) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Digits of a fixed width at s[pos…], or -1.
int fixed_number(std::string_view s, size_t pos, size_t width) {
  if (pos + width > s.size() || !all_digits(s.substr(pos, width))) return -1;
  int v = 0;
  for (size_t i = 0; i < width; ++i) v = v * 10 + (s[pos + i] - '0');
  return v;
}

bool valid_date_prefix(std::string_view s) {
  int y = fixed_number(s, 0, 4), m = fixed_number(s, 5, 2), d = fixed_number(s, 8, 2);
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || y < 1 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool valid_date(std::string_view s) { return s.size() == 10 && valid_date_prefix(s); }

// YYYY-MM-DD HH:MM:SS[.f{1,6}] (or T between), then optionally Z, ±HH, ±HHMM or ±HH:MM.
bool valid_timestamp(std::string_view s) {
  if (s.size() < 19 || !valid_date_prefix(s) || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return false;
  }
  int h = fixed_number(s, 11, 2), mi = fixed_number(s, 14, 2), sec = fixed_number(s, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 6) return false;
  }
  std::string_view zone = s.substr(i);
  if (zone.empty() || zone == "Z") return true;
  if (zone[0] != '+' && zone[0] != '-') return false;
  int zh = fixed_number(zone, 1, 2);
  if (zh < 0 || zh > 15) return false;
  if (zone.size() == 3) return true;
  size_t m = zone[3] == ':' ? 4 : 3;
  int zm = fixed_number(zone, m, 2);
  return zone.size() == m + 2 && zm >= 0 && zm <= 59;
}

// "" when `v` is a decimal fitting numeric(precision, scale), else why not.
std::string decimal_problem(const Field& field, std::string_view v) {
  std::string_view digits = v.substr(!v.empty() && v.front() == '-' ? 1 : 0);
  size_t dot = digits.find('.');
  std::string_view whole = digits.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view("0") : digits.substr(dot + 1);
  if (!all_digits(whole) || !all_digits(fraction)) return "is not a decimal number";
  size_t first = whole.find_first_not_of('0');
  size_t whole_digits = first == std::string_view::npos ? 0 : whole.size() - first;
  size_t allowed = static_cast<size_t>(std::max(0, field.precision - field.scale));
  if (whole_digits > allowed) {
    return "has more than " + std::to_string(allowed) + " digits before the decimal point (numeric(" +
           std::to_string(field.precision) + "," + std::to_string(field.scale) + "))";
  }
  return "";
}

// "" when `v` is a valid value of `field`'s type, else why not (after the shown value).
std::string type_problem(const Field& field, std::string_view v) {
  switch (field.type) {
    case FieldType::kInteger: {
      int64_t n = 0;
      if (!parse_int(v, n) && !all_digits(v.substr(!v.empty() && v.front() == '-' ? 1 : 0))) return "is not an integer";
      if (!parse_int(v, n) || n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max()) {
        return "is out of range for integer";
      }
      return "";
    }
    case FieldType::kBigint:
    case FieldType::kId: {
      int64_t n = 0;
      if (parse_int(v, n)) return "";
      return all_digits(v.substr(!v.empty() && v.front() == '-' ? 1 : 0)) ? "is out of range for bigint"
                                                                          : "is not an integer";
    }
    case FieldType::kDecimal:
      return decimal_problem(field, v);
    case FieldType::kBoolean:
      return v == "true" || v == "false" ? "" : "is not true or false";
    case FieldType::kDate:
      return valid_date(v) ? "" : "is not a date (YYYY-MM-DD)";
    case FieldType::kTimestamp:
      return valid_timestamp(v) ? "" : "is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])";
    case FieldType::kJson:
      return nlohmann::json::accept(v) ? "" : "is not valid JSON";
    case FieldType::kEnum:
      if (std::find(field.values.begin(), field.values.end(), v) != field.values.end()) return "";
      return "is not one of " + util::join(field.values, ", ");
    case FieldType::kString:
    case FieldType::kText:
      return "";
  }
  return "";
}

std::string row_label(const ResolvedSpec& spec, size_t row) {
  return spec.entity->name + " (row " + std::to_string(row + 1) + " of the batch)";
}

// Checks the source_key cell; false with a reject when it is unusable.
bool check_key(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, std::vector<RowReject>& rejects) {
  auto reject = [&](const char* code, const std::string& why) {
    rejects.push_back({row, code, row_label(spec, row) + ", column 'source_key': " + why});
    return false;
  };
  if (rows.is_null(row, 0)) return reject("required_missing", "required value is missing");
  std::string_view key = rows.get(row, 0);
  if (key.find('\0') != std::string_view::npos) return reject("nul_byte", "text contains a NUL byte (0x00)");
  if (util::find_invalid_utf8(key) != std::string_view::npos) return reject("bad_value", "text is not valid UTF-8");
  if (key.empty()) return reject("required_missing", "required value is empty");
  if (size_t n = key.size() > kMaxSourceKeyChars ? util::utf8_length(key) : 0; n > kMaxSourceKeyChars) {
    return reject("too_long", std::to_string(n) + " characters, over the maximum of " +
                                  std::to_string(kMaxSourceKeyChars));
  }
  return true;
}

// Checks one value cell; false with a reject when it is unusable.
bool check_cell(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, size_t col,
                std::vector<RowReject>& rejects) {
  const LoadColumn& column = spec.columns[col - 1];
  const Field& field = *column.field;
  auto reject = [&](const char* code, const std::string& why) {
    rejects.push_back({row, code, row_subject(spec, rows, row) + ", column '" + field.name + "': " + why});
    return false;
  };
  if (rows.is_null(row, col)) return field.required ? reject("required_missing", "required value is missing") : true;
  std::string_view v = rows.get(row, col);
  if (v.find('\0') != std::string_view::npos) return reject("nul_byte", "text contains a NUL byte (0x00)");
  if (util::find_invalid_utf8(v) != std::string_view::npos) return reject("bad_value", "text is not valid UTF-8");
  if (!column.lookup_entity.empty()) return true;  // a legacy key: the crosswalk judges it
  if (field.type == FieldType::kString && v.size() > static_cast<size_t>(field.max_length)) {  // fewer bytes: fewer characters
    size_t n = util::utf8_length(v);
    if (n > static_cast<size_t>(field.max_length)) {
      return reject("too_long", std::to_string(n) + " characters, over the maximum of " +
                                    std::to_string(field.max_length));
    }
  }
  std::string problem = type_problem(field, v);
  if (!problem.empty()) return reject("bad_value", shown(field, v) + " " + problem);
  return true;
}

}  // namespace

bool ResolvedSpec::has_deferred() const {
  return std::any_of(columns.begin(), columns.end(), [](const LoadColumn& c) { return c.deferred; });
}

bool ResolvedSpec::has_lookups() const {
  return std::any_of(columns.begin(), columns.end(), [](const LoadColumn& c) { return !c.lookup_entity.empty(); });
}

Result<ResolvedSpec> resolve_spec(const model::Model& model, const LoadSpec& spec) {
  std::string subject = "loading " + spec.entity + ": ";
  ResolvedSpec out;
  out.entity = model.entity(spec.entity);
  if (out.entity == nullptr) {
    std::string hint = util::closest_match(spec.entity, model.entity_names());
    return not_found("unknown CS entity '" + spec.entity + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  if (spec.source_system.empty() || util::utf8_length(spec.source_system) > kMaxSourceSystemChars) {
    return invalid_argument(subject + "source_system must be 1 to " + std::to_string(kMaxSourceSystemChars) +
                            " characters");
  }
  out.source_system = spec.source_system;
  out.conflicts = spec.conflicts;
  if (!spec.lookups.empty() && spec.lookups.size() != spec.columns.size()) {
    return invalid_argument(subject + std::to_string(spec.lookups.size()) + " lookups for " +
                            std::to_string(spec.columns.size()) + " columns");
  }
  if (!spec.lookup_systems.empty() && spec.lookup_systems.size() != spec.columns.size()) {
    return invalid_argument(subject + std::to_string(spec.lookup_systems.size()) + " lookup systems for " +
                            std::to_string(spec.columns.size()) + " columns");
  }
  std::vector<std::string> field_names;
  for (const Field& f : out.entity->fields) field_names.push_back(f.name);
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const std::string& name = spec.columns[i];
    if (std::find(std::begin(kStoreColumns), std::end(kStoreColumns), name) != std::end(kStoreColumns)) {
      return invalid_argument(subject + "column '" + name + "' is written by the store, not by a mapping");
    }
    const Field* field = out.entity->field(name);
    if (field == nullptr) {
      std::string hint = util::closest_match(name, field_names);
      return not_found(subject + "no field '" + name + "' in entity " + spec.entity +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    if (std::find(spec.columns.begin(), spec.columns.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        spec.columns.begin() + static_cast<std::ptrdiff_t>(i)) {
      return invalid_argument(subject + "column '" + name + "' appears twice");
    }
    LoadColumn column{field, spec.lookups.empty() ? "" : spec.lookups[i], "", false};
    if (!spec.orphans_to_null.empty()) {
      if (spec.orphans_to_null.size() != spec.columns.size()) {
        return invalid_argument(subject + std::to_string(spec.orphans_to_null.size()) + " orphan policies for " +
                                std::to_string(spec.columns.size()) + " columns");
      }
      column.orphans_to_null = spec.orphans_to_null[i];
      if (column.orphans_to_null && field->required) {
        return invalid_argument(subject + "column '" + name + "' is required: its orphans cannot become NULL");
      }
    }
    if (!column.lookup_entity.empty()) {
      if (model.entity(column.lookup_entity) == nullptr) {
        return not_found(subject + "column '" + name + "' looks up unknown entity '" + column.lookup_entity + "'");
      }
      if (field->references != column.lookup_entity) {
        return invalid_argument(subject + "column '" + name + "' looks up " + column.lookup_entity + ", but " +
                                (field->references.empty() ? "does not reference an entity"
                                                           : "references " + field->references));
      }
      column.lookup_system = spec.lookup_systems.empty() || spec.lookup_systems[i].empty() ? spec.source_system
                                                                                          : spec.lookup_systems[i];
      if (column.lookup_entity == spec.entity) {  // a self-reference: resolved by resolve_deferred()
        if (!column.orphans_to_null) {
          return invalid_argument(subject + "column '" + name + "' looks up its own entity: it needs orphans_to_null "
                                  "(the key is resolved once the rows are in)");
        }
        column.deferred = true;
      }
    }
    out.columns.push_back(std::move(column));
  }
  for (const Field* required : out.entity->required_fields()) {
    if (required->provenance || required->name == "id") continue;
    if (std::find(spec.columns.begin(), spec.columns.end(), required->name) == spec.columns.end()) {
      return invalid_argument(subject + "required field '" + required->name + "' is not among the columns");
    }
  }
  return out;
}

Result<std::vector<RowReject>> check_rows(const ResolvedSpec& spec, const connector::Batch& rows,
                                          std::vector<size_t>& accepted) {
  accepted.clear();
  if (rows.columns() != spec.columns.size() + 1) {
    return invalid_argument("loading " + spec.entity->name + ": the batch has " + std::to_string(rows.columns()) +
                            " columns, the spec " + std::to_string(spec.columns.size()) + " + source_key");
  }
  std::vector<RowReject> rejects;
  // ON CONFLICT cannot touch one row twice in a statement, and a key loaded twice
  // would count twice: later repeats are rejected. Bounded by the batch.
  std::unordered_map<std::string_view, size_t> first_row;
  first_row.reserve(rows.rows());
  for (size_t row = 0; row < rows.rows(); ++row) {
    if (!check_key(spec, rows, row, rejects)) continue;
    auto [it, inserted] = first_row.emplace(rows.get(row, 0), row);
    if (!inserted) {
      rejects.push_back({row, "duplicate_key",
                         row_subject(spec, rows, row) + ": the source_key repeats row " + std::to_string(it->second + 1) +
                             " of the batch"});
      continue;
    }
    bool ok = true;
    for (size_t col = 1; ok && col < rows.columns(); ++col) ok = check_cell(spec, rows, row, col, rejects);
    if (ok) accepted.push_back(row);
  }
  return rejects;
}

std::string row_subject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row) {
  return spec.entity->name + " " + quoted(rows.get(row, 0));
}

RowReject orphan_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, size_t column) {
  const LoadColumn& c = spec.columns[column - 1];
  return {row, "orphan_reference",
          row_subject(spec, rows, row) + ", column '" + c.field->name + "': " + c.lookup_entity + " " +
              quoted(rows.get(row, column)) + " of source system '" + c.lookup_system + "' has no crosswalk entry"};
}

RowReject load_error_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row,
                            const std::string& reason) {
  return {row, "load_error", row_subject(spec, rows, row) + ": " + reason};
}

Result<std::optional<connector::Batch>> null_orphans(const ResolvedSpec& spec, const connector::Batch& rows,
                                                     const KnownLookupKeys& known, LoadOutcome& outcome) {
  // (row, column) of every key to null.
  std::vector<std::vector<bool>> nulled;
  size_t custom = 0;  // batch column of custom, 0 when none
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    if (spec.columns[i].field->name == "custom") custom = i + 1;
  }
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const LoadColumn& c = spec.columns[i];
    if (c.lookup_entity.empty() || c.deferred || !c.orphans_to_null) continue;
    std::set<std::string> distinct;
    for (size_t row = 0; row < rows.rows(); ++row)
      if (!rows.is_null(row, i + 1)) distinct.emplace(rows.get(row, i + 1));
    if (distinct.empty()) continue;
    CSB_ASSIGN_OR_RETURN(std::set<std::string> present,
                         known(c, std::vector<std::string>(distinct.begin(), distinct.end())));
    if (present.size() == distinct.size()) continue;
    if (nulled.empty()) nulled.assign(rows.rows(), std::vector<bool>(rows.columns(), false));
    for (size_t row = 0; row < rows.rows(); ++row) {
      if (rows.is_null(row, i + 1) || present.count(std::string(rows.get(row, i + 1)))) continue;
      nulled[row][i + 1] = true;
      ++outcome.nulled_references;
      ++outcome.nulled_by_field[c.field->name];
    }
  }
  if (nulled.empty()) return std::optional<connector::Batch>();
  connector::Batch out(rows.columns());
  for (size_t row = 0; row < rows.rows(); ++row) {
    nlohmann::ordered_json kept;
    if (custom) {
      for (size_t col = 1; col < rows.columns(); ++col) {
        if (!nulled[row][col]) continue;
        if (kept.is_null()) {
          kept = rows.is_null(row, custom) ? nlohmann::ordered_json::object()
                                           : nlohmann::ordered_json::parse(rows.get(row, custom), nullptr, false);
        }
        if (kept.is_object()) kept[spec.columns[col - 1].field->name + "_orphan"] = std::string(rows.get(row, col));
      }
    }
    for (size_t col = 0; col < rows.columns(); ++col) {
      if (col == custom && col != 0 && kept.is_object()) {
        out.append(kept.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else if (nulled[row][col] || rows.is_null(row, col)) {
        out.append_null();
      } else {
        out.append(rows.get(row, col));
      }
    }
  }
  return std::optional<connector::Batch>(std::move(out));
}

std::string unreferenced_sql(const model::Model& model, std::string_view entity,
                             const std::function<std::string(std::string_view)>& table) {
  std::vector<std::string> parts;
  for (const model::Entity& e : model.entities) {
    for (const Field& f : e.fields) {
      if (f.references != entity) continue;
      std::string column = model::quote_identifier(f.name);
      parts.push_back("NOT EXISTS (SELECT 1 FROM " + table(e.name) + " r WHERE r." + column + " = t.\"id\")");
    }
  }
  return parts.empty() ? "true" : util::join(parts, " AND ");
}

}  // namespace csbridge::migrate
