#include "migrate/postgres_copy.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <memory>

#include "connector/postgres_common.h"

namespace csbridge::migrate::pg {
namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // and a NUL: 11 bytes
constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kSecondsPerDay = 86400;
constexpr int kMaxOffsetHours = 15;  // the server's own limit of a time zone offset

// Big-endian (network order) integers, appended whole.
template <typename T>
void put(std::string& out, T v) {
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((v >> (8 * (sizeof(T) - 1 - i))) & 0xff);
  out.append(bytes, sizeof(T));
}
void put16(std::string& out, uint16_t v) { put(out, v); }
void put32(std::string& out, uint32_t v) { put(out, v); }
void put64(std::string& out, uint64_t v) { put(out, v); }

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
const int64_t kEpoch2000 = days_from_civil(2000, 1, 1);

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// 'YYYY-MM-DD' at the start of `s`: days since 2000-01-01.
std::optional<int64_t> read_ymd(std::string_view s) {
  int y, m, d;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) - kEpoch2000;
}

// libpqxx gives its session's libpq handle to large objects only; a binary COPY needs it too.
class RawConnection : public pqxx::largeobject {
 public:
  static PGconn* of(const pqxx::dbtransaction& t) { return pqxx::largeobject::raw_connection(t); }
};

}  // namespace

BinaryRows::BinaryRows() {
  data_.append(kSignature, sizeof kSignature);  // the signature's closing NUL included
  put32(data_, 0);                              // flags
  put32(data_, 0);                              // header extension length
}

void BinaryRows::begin_row(size_t fields) { put16(data_, static_cast<uint16_t>(fields)); }
void BinaryRows::length(int32_t n) { put32(data_, static_cast<uint32_t>(n)); }
void BinaryRows::null() { length(-1); }

void BinaryRows::bytes(std::string_view value) {
  length(static_cast<int32_t>(value.size()));
  data_.append(value);
}

void BinaryRows::int8(int64_t value) {
  length(8);
  put64(data_, static_cast<uint64_t>(value));
}

bool BinaryRows::value(model::FieldType type, std::string_view text) {
  using model::FieldType;
  switch (type) {
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kEnum:
      bytes(text);
      return true;
    case FieldType::kId:
    case FieldType::kBigint: {
      auto v = read_integer(text, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      if (!v) return false;
      int8(*v);
      return true;
    }
    case FieldType::kInteger: {
      auto v = read_integer(text, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
      if (!v) return false;
      length(4);
      put32(data_, static_cast<uint32_t>(static_cast<int32_t>(*v)));
      return true;
    }
    case FieldType::kBoolean:
      if (text != "true" && text != "false" && text != "t" && text != "f") return false;
      length(1);
      data_ += static_cast<char>(text[0] == 't' ? 1 : 0);
      return true;
    case FieldType::kDate: {
      auto v = read_date(text);
      if (!v) return false;
      length(4);
      put32(data_, static_cast<uint32_t>(*v));
      return true;
    }
    case FieldType::kTimestamp: {
      auto v = read_timestamptz(text);
      if (!v) return false;
      int8(*v);
      return true;
    }
    case FieldType::kJson:  // jsonb: version 1, then the text, which the server parses as always
      length(static_cast<int32_t>(text.size() + 1));
      data_ += '\1';
      data_.append(text);
      return true;
    case FieldType::kDecimal:
      return false;
  }
  return false;
}

const std::string& BinaryRows::finish() {
  put16(data_, 0xffff);
  return data_;
}

std::optional<int64_t> read_integer(std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return std::nullopt;
  return v;
}

std::optional<int32_t> read_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  auto days = read_ymd(text);
  if (!days) return std::nullopt;
  return static_cast<int32_t>(*days);
}

std::optional<int64_t> read_timestamptz(std::string_view s) {
  auto days = read_ymd(s);
  int hour, minute, second = 0;
  if (!days || s.size() < 16 || (s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, hour) || s[13] != ':' ||
      !digits(s, 14, 2, minute) || hour > 23 || minute > 59)
    return std::nullopt;
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, pos + 1, 2, second) || second > 59) return std::nullopt;
    pos += 3;
  }
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t n = pos - start;
    if (n == 0 || n > 6) return std::nullopt;  // the server rounds what is finer
    int f;
    digits(s, start, n, f);
    micros = f;
    for (size_t i = n; i < 6; ++i) micros *= 10;
  }
  int offset = 0;  // seconds east of UTC
  std::string_view zone = s.substr(pos);
  if (zone != "Z") {
    if (zone.size() < 3 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
    int oh, om = 0;
    if (!digits(zone, 1, 2, oh)) return std::nullopt;
    std::string_view rest = zone.substr(3);
    if (rest.size() == 3 && rest[0] == ':') rest.remove_prefix(1);
    if (!rest.empty() && (rest.size() != 2 || !digits(rest, 0, 2, om))) return std::nullopt;
    if (oh > kMaxOffsetHours || om > 59) return std::nullopt;
    offset = (zone[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  int64_t seconds = *days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  return seconds * kMicrosPerSecond + micros;
}

void copy_binary(pqxx::dbtransaction& t, const std::string& table_sql, const std::vector<std::string>& columns_sql,
                 const std::string& rows) {
  std::string sql = "COPY " + table_sql + " (";
  for (size_t i = 0; i < columns_sql.size(); ++i) sql += (i ? ", " : "") + columns_sql[i];
  sql += ") FROM STDIN (FORMAT binary)";
  t.exec0(sql);  // the server waits for the rows now; what it refuses at once is thrown as usual
  PGconn* conn = RawConnection::of(t);
  constexpr size_t kChunk = size_t{1} << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < rows.size(); at += kChunk) {
    sent = PQputCopyData(conn, rows.data() + at, static_cast<int>(std::min(kChunk, rows.size() - at))) == 1;
  }
  if (sent) sent = PQputCopyEnd(conn, nullptr) == 1;
  std::string error = sent ? "" : PQerrorMessage(conn), state;
  // Every result is read, so that the session is ready for the next statement whatever happened.
  for (PGresult* r = PQgetResult(conn); r != nullptr; r = PQgetResult(conn)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && error.empty()) {
      error = PQresultErrorMessage(r);
      const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      state = code ? code : "";
    }
    PQclear(r);
  }
  if (error.empty()) return;
  if (PQstatus(conn) != CONNECTION_OK) throw pqxx::broken_connection(error);
  if (state.empty()) throw pqxx::failure(error);
  throw pqxx::sql_error(error, sql, state.c_str());
}

// The entity rows of the direct path in PostgreSQL's binary format (postgres_copy.h): false,
// nothing written, when a value is not in a form the client converts (then they go in text).
bool copy_entity_binary(pqxx::dbtransaction& t, const LoadPlan& plan, std::span<const size_t> rows,
                        const std::vector<bool>& drop, const std::vector<int64_t>& new_ids, const std::string& now,
                        const RowIds& row_ids) {
  const ResolvedSpec& spec = *plan.spec;
  const connector::Batch& batch = *plan.rows;
  std::optional<int64_t> migrated_at = read_timestamptz(now);
  if (!migrated_at) return false;
  BinaryRows out;
  size_t next = 0;
  for (size_t row : rows) {
    if (drop[row]) continue;
    out.begin_row(plan.target_columns.size());
    out.int8(new_ids[next++]);
    out.bytes(spec.source_system);
    out.bytes(batch.get(row, 0));
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      const LoadColumn& c = spec.columns[i];
      if (c.deferred) continue;
      if (batch.is_null(row, i + 1)) {
        out.null();
      } else if (c.lookup_entity.empty()) {
        if (!out.value(c.field->type, batch.get(row, i + 1))) return false;
      } else {
        const std::string* id = row_ids[i].empty() ? nullptr : row_ids[i][row];
        if (id == nullptr) out.null();
        else if (!out.value(model::FieldType::kBigint, *id)) return false;
      }
    }
    out.int8(*migrated_at);
  }
  copy_binary(t, plan.target, plan.target_columns, out.finish());
  return true;
}

// The same rows in COPY's text format: the server reads every value's text.
void copy_entity_text(pqxx::transaction_base& t, const LoadPlan& plan, std::span<const size_t> rows,
                      const std::vector<bool>& drop, const std::vector<int64_t>& new_ids, const std::string& now,
                      const RowIds& row_ids, const std::string& system_text) {
  const ResolvedSpec& spec = *plan.spec;
  const connector::Batch& batch = *plan.rows;
  std::string line;
  std::unique_ptr<pqxx::tablewriter> copy = connector::pg::begin_copy(t, plan.target, plan.target_columns);
  size_t next = 0;
  for (size_t row : rows) {
    if (drop[row]) continue;
    line = std::to_string(new_ids[next++]);
    line += '\t';
    line += system_text;
    line += '\t';
    connector::pg::append_copy_text(batch.get(row, 0), line);
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      if (spec.columns[i].deferred) continue;
      line += '\t';
      if (batch.is_null(row, i + 1)) {
        line += "\\N";
      } else if (spec.columns[i].lookup_entity.empty()) {
        connector::pg::append_copy_text(batch.get(row, i + 1), line);
      } else {
        const std::string* id = row_ids[i].empty() ? nullptr : row_ids[i][row];
        line += id ? std::string_view(*id) : std::string_view("\\N");
      }
    }
    line += '\t';
    line += now;
    copy->write_raw_line(line);
  }
  copy->complete();
}

// The crosswalk entries of the rows copied, in binary: every value is text or a number.
void copy_crosswalk(pqxx::dbtransaction& t, const std::string& crosswalk_sql, const LoadPlan& plan,
                    std::span<const size_t> rows, const std::vector<bool>& drop, const std::vector<int64_t>& new_ids) {
  const ResolvedSpec& spec = *plan.spec;
  const connector::Batch& batch = *plan.rows;
  BinaryRows entries;
  size_t next = 0;
  for (size_t row : rows) {
    if (drop[row]) continue;
    entries.begin_row(5);
    entries.bytes(spec.entity->name);
    entries.bytes(spec.source_system);
    entries.bytes(batch.get(row, 0));
    entries.int8(new_ids[next++]);
    entries.int8((*plan.fingerprints)[row]);
  }
  copy_binary(t, crosswalk_sql, {"entity", "source_system", "source_key", "new_id", "fingerprint"}, entries.finish());
}

}  // namespace csbridge::migrate::pg
