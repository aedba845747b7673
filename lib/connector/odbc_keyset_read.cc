#include "connector/odbc_keyset_read.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "util/strings.h"

namespace csbridge::connector::odbc {
namespace {

constexpr size_t kChunkBudget = 32u << 20;     // bytes a keyset read's driver should hold per chunk
constexpr size_t kCachedCellBytes = 16;        // what the driver spends on a cell beyond its value

using KeyValues = std::vector<std::optional<std::string>>;  // literals; nullopt: NULL

bool only_chars(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

bool is_number(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  auto digits = [&](std::string_view d) { return !d.empty() && only_chars(d, kDigits); };
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  return dot == std::string_view::npos ? digits(s) : digits(s.substr(0, dot)) && digits(s.substr(dot + 1));
}

// "(k1, k2, …) > (v1, v2, …)" in the order of ORDER BY k1, k2, …: NULL first.
std::string keys_after(const std::vector<std::string>& keys, const KeyValues& values, size_t i = 0) {
  const std::string& k = keys[i];
  const std::optional<std::string>& v = values[i];
  std::string greater = v ? k + " > " + *v : k + " IS NOT NULL";
  if (i + 1 == keys.size()) return greater;
  std::string equal = v ? k + " = " + *v : k + " IS NULL";
  return "(" + greater + " OR (" + equal + " AND " + keys_after(keys, values, i + 1) + "))";
}

// keys_after for values of a unique, non-null key, with the first key's
// bound on its own so that the server reads a range of an index leading with
// it (MariaDB does not use an index for a row comparison).
std::string keys_beyond(const std::vector<std::string>& keys, const KeyValues& values) {
  std::string after = keys_after(keys, values);
  if (keys.size() == 1 || !values.front()) return after;
  return keys.front() + " >= " + *values.front() + " AND " + after;
}

// "(k1, k2, …) <= (v1, v2, …)": every row keys_after leaves out.
std::string keys_up_to(const std::vector<std::string>& keys, const KeyValues& values, size_t i = 0) {
  const std::string& k = keys[i];
  const std::optional<std::string>& v = values[i];
  if (i + 1 == keys.size()) return v ? "(" + k + " <= " + *v + " OR " + k + " IS NULL)" : k + " IS NULL";
  std::string equal = v ? k + " = " + *v : k + " IS NULL";
  std::string rest = "(" + equal + " AND " + keys_up_to(keys, values, i + 1) + ")";
  // Nothing sorts below NULL.
  return v ? "(" + k + " < " + *v + " OR " + k + " IS NULL OR " + rest + ")" : rest;
}

std::string where_clause(const std::vector<std::string>& conditions) {
  return conditions.empty() ? "" : " WHERE " + util::join(conditions, " AND ");
}

}  // namespace

std::optional<KeyLiteral> key_literal(const ColumnMeta& m, bool of_query) {
  std::string declared = util::to_lower(m.info.declared_type);
  auto has = [&declared](std::string_view part) { return declared.find(part) != std::string::npos; };
  switch (m.info.type) {
    case ValueType::kInteger:
    case ValueType::kDecimal:
      return KeyLiteral::kNumber;
    case ValueType::kDate:
    case ValueType::kTime:
      return KeyLiteral::kTemporal;
    case ValueType::kTimestamp:
      if (declared.rfind("timestamp", 0) == 0) return std::nullopt;
      return KeyLiteral::kTemporal;
    case ValueType::kText:
      // Not enum, set, uuid, inet6: types that sort their own way.
      if (of_query || !(has("char") || has("text"))) return std::nullopt;
      return KeyLiteral::kString;
    case ValueType::kBinary:
      if (!(has("binary") || has("blob"))) return std::nullopt;
      return KeyLiteral::kString;
    default:
      return std::nullopt;
  }
}

KeysetRead::KeysetRead(std::string select, std::string from, std::string where, std::vector<Key> keys, bool unique,
                       size_t min_rows, size_t max_rows)
    : select_(std::move(select)),
      from_(std::move(from)),
      where_(std::move(where)),
      keys_(std::move(keys)),
      unique_(unique),
      chunk_rows_(std::clamp<size_t>(min_rows, 1, max_rows)),
      min_rows_(chunk_rows_),
      max_rows_(max_rows) {
  for (const Key& k : keys_) quoted_.push_back(k.quoted);
  order_by_ = " ORDER BY " + util::join(quoted_, ", ");
}

std::vector<std::string> KeysetRead::last_row_columns(const std::vector<Key>& keys) {
  std::vector<std::string> out;
  for (const Key& k : keys) {
    out.push_back(k.literal == KeyLiteral::kString ? "HEX(" + k.quoted + ")" : "CAST(" + k.quoted + " AS CHAR)");
  }
  return out;
}

Result<std::optional<std::string>> KeysetRead::next(Connection& conn, int64_t remaining, const std::string& context) {
  if (finished_ || remaining == 0) return std::optional<std::string>();
  size_t rows = remaining > 0 ? std::min<size_t>(chunk_rows_, static_cast<size_t>(remaining)) : chunk_rows_;
  std::vector<std::string> conditions;
  if (!where_.empty()) conditions.push_back("(" + where_ + ")");
  Result<std::string> sql = unique_ ? next_after_last_row(conn, rows, std::move(conditions), context)
                                    : next_up_to_boundary(conn, remaining, rows, std::move(conditions), context);
  if (!sql.is_ok()) return sql.status();
  return std::optional<std::string>(std::move(*sql));
}

Result<std::string> KeysetRead::next_after_last_row(Connection& conn, size_t rows, std::vector<std::string> conditions,
                                                    const std::string& context) {
  if (last_row_) {
    CSB_ASSIGN_OR_RETURN(KeyValues last, last_row_literals(conn, context));
    conditions.push_back(keys_beyond(quoted_, last));
  }
  asked_ = rows;
  return select_ + where_clause(conditions) + order_by_ + " LIMIT " + std::to_string(rows);
}

Result<std::string> KeysetRead::next_up_to_boundary(Connection& conn, int64_t remaining, size_t rows,
                                                    std::vector<std::string> conditions, const std::string& context) {
  if (previous_) conditions.push_back(keys_after(quoted_, *previous_));
  std::vector<std::string> values;
  for (const Key& k : keys_) {
    if (k.literal == KeyLiteral::kString) {
      values.push_back("HEX(" + k.quoted + "), CHARSET(" + k.quoted + "), COLLATION(" + k.quoted + ")");
    } else {
      values.push_back("CAST(" + k.quoted + " AS CHAR)");
    }
  }
  std::string sql = "SELECT " + util::join(values, ", ") + " FROM " + from_ + where_clause(conditions) + order_by_ +
                    " LIMIT " + std::to_string(rows - 1) + ", 1";
  CSB_ASSIGN_OR_RETURN(Handle stmt, conn.statement());
  SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
  CSB_ASSIGN_OR_RETURN(CatalogRows found, fetch_catalog(stmt.get(), rc, context));

  bounded_ = !found.rows.empty();
  if (bounded_) {
    CSB_ASSIGN_OR_RETURN(KeyValues boundary, literals(found.rows.front(), context));
    conditions.push_back(keys_up_to(quoted_, boundary));
    previous_ = std::move(boundary);
  } else {
    finished_ = true;
  }
  sql = select_ + where_clause(conditions) + order_by_;
  if (remaining > 0) sql += " LIMIT " + std::to_string(remaining);
  return sql;
}

void KeysetRead::measured(size_t rows, size_t bytes, size_t columns) {
  if (unique_ && rows < asked_) finished_ = true;
  if (rows == 0) return;
  size_t per_row = bytes / rows + (columns + 1) * kCachedCellBytes;
  chunk_rows_ = std::clamp<size_t>(kChunkBudget / per_row, min_rows_, max_rows_);
}

Result<KeysetRead::KeyValues> KeysetRead::literals(const std::vector<std::optional<std::string>>& row,
                                                     const std::string& context) const {
  constexpr std::string_view kHex = "0123456789ABCDEFabcdef";
  constexpr std::string_view kName = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
  constexpr std::string_view kTemporalChars = "0123456789-:. ";
  KeyValues out;
  size_t at = 0;
  for (const Key& k : keys_) {
    size_t width = k.literal == KeyLiteral::kString ? 3 : 1;
    if (at + width > row.size()) return internal_error(context + ": the key boundary query returned too few columns");
    const std::optional<std::string>& v = row[at];
    bool sound = true;
    if (!v) {
      out.emplace_back();
    } else if (k.literal == KeyLiteral::kNumber) {
      sound = is_number(*v);
      out.push_back(*v);
    } else if (k.literal == KeyLiteral::kTemporal) {
      sound = !v->empty() && only_chars(*v, kTemporalChars);
      out.push_back("'" + *v + "'");
    } else {
      std::string charset = row[at + 1].value_or(""), collation = row[at + 2].value_or("");
      sound = v->size() % 2 == 0 && only_chars(*v, kHex) && !charset.empty() && only_chars(charset, kName) &&
              !collation.empty() && only_chars(collation, kName);
      out.push_back("_" + charset + " X'" + *v + "' COLLATE `" + collation + "`");
    }
    // Never expected: the server prints these values itself.
    if (!sound) {
      return internal_error(context + ": key column '" + k.name +
                            "' gave a value that cannot be sent back as a literal");
    }
    at += width;
  }
  return out;
}

Result<KeysetRead::KeyValues> KeysetRead::last_row_literals(Connection& conn, const std::string& context) {
  std::vector<std::string> names;
  for (const Key& k : keys_) {
    if (k.literal == KeyLiteral::kString) names.push_back("CHARSET(" + k.quoted + "), COLLATION(" + k.quoted + ")");
  }
  if (!names.empty() && !string_types_) {
    CSB_ASSIGN_OR_RETURN(Handle stmt, conn.statement());
    std::string sql = "SELECT " + util::join(names, ", ") + " FROM " + from_ + " LIMIT 1";
    SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
    CSB_ASSIGN_OR_RETURN(CatalogRows found, fetch_catalog(stmt.get(), rc, context));
    if (found.rows.empty()) return internal_error(context + ": the key's character set query found no row");
    string_types_ = std::move(found.rows.front());
  }
  std::vector<std::optional<std::string>> row;
  size_t typed = 0;
  for (size_t i = 0; i < keys_.size(); ++i) {
    row.emplace_back((*last_row_)[i]);
    if (keys_[i].literal != KeyLiteral::kString) continue;
    row.push_back((*string_types_)[typed++]);
    row.push_back((*string_types_)[typed++]);
  }
  return literals(row, context);
}

}  // namespace csbridge::connector::odbc
