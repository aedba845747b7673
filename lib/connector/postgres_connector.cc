// The PostgreSQL backend over libpqxx 6.4 (PostgreSQL 11 or later). Catalog
// questions go to pg_catalog with bound parameters; rows move with COPY in text
// format. Each reader and writer has its own connection, so an open stream
// never blocks describe/count on the connector and abandoning one cancels only
// its own query.
#include "connector/postgres_connector.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connector/postgres_common.h"
#include "connector/snapshot.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

using pg::append_copy_text;
using pg::code_for_sqlstate;
using pg::connect;
using pg::current_error;
using pg::first_line;

constexpr std::string_view kHexDigits = "0123456789abcdef";

// How a column's COPY text differs from its canonical text.
enum class CellKind { kPlain, kBoolean, kBytea };

std::string quoted_table(pqxx::connection_base& c, const TableRef& t) {
  return c.quote_name(t.schema) + "." + c.quote_name(t.name);
}

std::string quoted_list(pqxx::connection_base& c, const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + c.quote_name(n);
  return out;
}

struct Relation {
  pqxx::oid oid = 0;
  TableRef ref;  // with the schema filled in
  bool is_view = false;
  double reltuples = -1;  // the planner's row estimate; < 0 when never analysed
};

struct Described {
  TableInfo info;
  std::vector<CellKind> kinds;  // parallel to info.columns
  std::string subject;          // what messages name: "table public.x" or "query"
};

// An empty schema means the relation the search_path finds, as in SQL.
constexpr const char* kFindRelation =
    "SELECT c.oid, n.nspname, c.relkind, c.reltuples FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = $1 AND c.relkind IN ('r','p','v','m','f') "
    "AND CASE WHEN $2::text = '' THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $2::text END";

// Domains are typed by their base type; arrays and enums travel as their text.
constexpr const char* kColumns =
    "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
    "pg_catalog.format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END), "
    "bt.typname, bt.typtype = 'e' OR bt.typcategory = 'A' "
    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
    "JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
    "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

// kColumns for the result columns of a query, from what the server says of
// each: name, type, and the table column it comes from (0 and 0 for an
// expression). A column that comes from a table is typed as describe() types
// that column; the server reports a domain as its base type, which keeps it.
constexpr const char* kQueryColumns =
    "SELECT c.name, pg_catalog.format_type(t.oid, m.typmod), true, "
    "pg_catalog.format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE m.typmod END), "
    "bt.typname, bt.typtype = 'e' OR bt.typcategory = 'A' "
    "FROM unnest($1::text[], $2::oid[], $3::oid[], $4::int2[]) WITH ORDINALITY AS c(name, typ, rel, attnum, ord) "
    "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.rel AND a.attnum = c.attnum AND c.attnum > 0 "
    "CROSS JOIN LATERAL (SELECT COALESCE(a.atttypid, c.typ) AS typ, COALESCE(a.atttypmod, -1) AS typmod) m "
    "JOIN pg_catalog.pg_type t ON t.oid = m.typ "
    "JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
    "ORDER BY c.ord";

constexpr const char* kPrimaryKey =
    "SELECT a.attname FROM pg_catalog.pg_constraint con "
    "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
    "WHERE con.conrelid = $1 AND con.contype = 'p' ORDER BY k.ord";

// The primary key's index is left out: primary_key already says it. Expression
// columns are named by their expression.
constexpr const char* kIndexes =
    "SELECT ic.relname, i.indisunique, "
    "COALESCE(a.attname, pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)) "
    "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
    "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
    "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "WHERE i.indrelid = $1 AND NOT i.indisprimary AND k.ord <= i.indnkeyatts ORDER BY ic.relname, k.ord";

constexpr const char* kForeignKeys =
    "SELECT con.conname, a.attname, rn.nspname, rc.relname, ra.attname FROM pg_catalog.pg_constraint con "
    "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, ref_attnum, ord) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
    "JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
    "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
    "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.ref_attnum "
    "WHERE con.conrelid = $1 AND con.contype = 'f' ORDER BY con.conname, k.ord";

// Partitions are left out: their rows are read through the partitioned table.
constexpr const char* kListTables =
    "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition "
    "AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2";

std::string text_of(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

Result<Relation> find_relation(pqxx::transaction_base& txn, const TableRef& table) {
  pqxx::result r = txn.exec_params(kFindRelation, table.name, table.schema);
  if (r.empty()) return not_found("table " + table.display() + " not found");
  std::string kind = r[0][2].as<std::string>();
  return Relation{r[0][0].as<pqxx::oid>(), {r[0][1].as<std::string>(), table.name}, kind == "v" || kind == "m",
                  r[0][3].as<double>()};
}

// Adds the columns of a kColumns or kQueryColumns result to `d`.
void add_columns(const pqxx::result& columns, Described& d) {
  for (const pqxx::row& r : columns) {
    ColumnInfo c{r[0].as<std::string>(), r[1].as<std::string>(), ValueType::kUnknown, r[2].as<bool>()};
    c.type = r[5].as<bool>() ? ValueType::kText : value_type_from_declared(r[3].as<std::string>());
    std::string base = r[4].as<std::string>();
    d.kinds.push_back(base == "bool" ? CellKind::kBoolean : base == "bytea" ? CellKind::kBytea : CellKind::kPlain);
    d.info.columns.push_back(std::move(c));
  }
}

Result<Described> describe_relation(pqxx::transaction_base& txn, const TableRef& table) {
  CSB_ASSIGN_OR_RETURN(Relation rel, find_relation(txn, table));
  Described d;
  d.info.ref = rel.ref;
  d.info.is_view = rel.is_view;
  d.subject = "table " + rel.ref.display();
  add_columns(txn.exec_params(kColumns, rel.oid), d);
  for (const pqxx::row& r : txn.exec_params(kPrimaryKey, rel.oid)) d.info.primary_key.push_back(r[0].as<std::string>());
  for (const pqxx::row& r : txn.exec_params(kIndexes, rel.oid)) {
    std::string name = r[0].as<std::string>();
    if (d.info.indexes.empty() || d.info.indexes.back().name != name) {
      d.info.indexes.push_back({name, {}, r[1].as<bool>()});
    }
    d.info.indexes.back().columns.push_back(text_of(r[2]));
  }
  for (const pqxx::row& r : txn.exec_params(kForeignKeys, rel.oid)) {
    std::string name = r[0].as<std::string>();
    if (d.info.foreign_keys.empty() || d.info.foreign_keys.back().name != name) {
      d.info.foreign_keys.push_back({name, {}, {r[2].as<std::string>(), r[3].as<std::string>()}, {}});
    }
    d.info.foreign_keys.back().columns.push_back(r[1].as<std::string>());
    d.info.foreign_keys.back().ref_columns.push_back(r[4].as<std::string>());
  }
  return d;
}

// A PostgreSQL array literal of `items`, each quoted: {"a","b\"c"}.
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    std::string escaped = util::replace_all(util::replace_all(item, "\\", "\\\\"), "\"", "\\\"");
    out += (out.size() > 1 ? ",\"" : "\"") + escaped + "\"";
  }
  return out + "}";
}

// The result columns of `sql`, typed from what the server reports of a run
// that returns no rows.
Described describe_result(pqxx::transaction_base& txn, std::string_view sql) {
  pqxx::result shape = txn.exec("SELECT * FROM " + derived_table(sql) + " LIMIT 0");
  std::vector<std::string> names, types, tables, attnums;
  for (pqxx::row::size_type c = 0; c < shape.columns(); ++c) {
    pqxx::oid table = shape.column_table(c);
    names.emplace_back(shape.column_name(c));
    types.push_back(std::to_string(shape.column_type(c)));
    tables.push_back(std::to_string(table));
    // table_column throws for a column that is no table column's.
    attnums.push_back(table == 0 ? "0" : std::to_string(shape.table_column(c) + 1));
  }
  Described d;
  d.info.ref = {"", "query"};
  d.subject = "query";
  add_columns(txn.exec_params(kQueryColumns, array_literal(names), array_literal(types), array_literal(tables),
                              array_literal(attnums)),
              d);
  return d;
}

std::vector<std::string> column_names(const Described& d) {
  std::vector<std::string> names;
  for (const ColumnInfo& c : d.info.columns) names.push_back(c.name);
  return names;
}

// Positions of `names` among the columns of `d`, or not_found naming the first unknown one.
Result<std::vector<size_t>> column_positions(const Described& d, const std::vector<std::string>& names) {
  std::vector<std::string> known = column_names(d);
  std::vector<size_t> positions;
  for (const std::string& name : names) {
    auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end()) {
      std::string hint = util::closest_match(name, known);
      return not_found("column '" + name + "' not found in " + d.subject +
                       (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    positions.push_back(static_cast<size_t>(it - known.begin()));
  }
  return positions;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads up to `max` digits in `base` that follow s[i], moving i to the last
// one; -1 when none follows.
int read_number(std::string_view s, size_t& i, int base, int max) {
  int value = 0, digits = 0;
  for (; digits < max && i + 1 < s.size(); ++digits) {
    int d = hex_value(s[i + 1]);
    if (d < 0 || d >= base) break;
    value = value * base + d;
    ++i;
  }
  return digits == 0 ? -1 : value;
}

// COPY text format: the server only emits \b \f \n \r \t \v and \\, but octal
// and hex escapes are part of the format too.
void unescape_copy(std::string_view field, std::string& out) {
  out.clear();
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    char e = field[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int v = read_number(field, i, 16, 2);
        out += v < 0 ? 'x' : static_cast<char>(v);
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        --i;
        out += static_cast<char>(read_number(field, i, 8, 3));
        break;
      default: out += e;
    }
  }
}

// bytea_output = hex: "\x" then two hex digits per byte.
bool decode_bytea(std::string_view text, std::string& out) {
  if (text.substr(0, 2) != "\\x" || text.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 2; i < text.size(); i += 2) {
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

// Appends one COPY text field to `out` in canonical form; false when it cannot be decoded.
bool append_field(std::string_view field, CellKind kind, Batch& out, std::string& scratch, std::string& bytes) {
  if (field == "\\N") {
    out.append_null();
    return true;
  }
  std::string_view value = field;
  if (field.find('\\') != std::string_view::npos) {
    unescape_copy(field, scratch);
    value = scratch;
  }
  switch (kind) {
    case CellKind::kPlain: out.append(value); return true;
    case CellKind::kBoolean:
      if (value != "t" && value != "f") return false;
      out.append(value == "t" ? "true" : "false");
      return true;
    case CellKind::kBytea:
      if (!decode_bytea(value, bytes)) return false;
      out.append(bytes);
      return true;
  }
  return false;
}

void append_copy_bytea(std::string_view bytes, std::string& line) {
  line += "\\\\x";
  for (unsigned char b : bytes) {
    line += kHexDigits[b >> 4];
    line += kHexDigits[b & 0xF];
  }
}

// ", row N of the batch, column 'c'" from the CONTEXT line of a COPY error
// (one COPY per batch, so its line N is row N of the batch); the value quoted
// after the column is left out because it may be personal data.
std::string copy_error_location(std::string_view what) {
  size_t ctx = what.find("\nCONTEXT:");
  if (ctx == std::string_view::npos) return "";
  std::string_view line = what.substr(ctx + 1);
  line = line.substr(0, line.find('\n'));
  size_t at = line.find(", line ");
  if (at == std::string_view::npos) return "";
  size_t num_start = at + 7;
  size_t num_end = std::min(line.size(), line.find_first_not_of("0123456789", num_start));
  if (num_end == num_start) return "";
  std::string location = ", row " + std::string(line.substr(num_start, num_end - num_start)) + " of the batch";
  constexpr std::string_view kColumn = ", column ";
  if (line.substr(num_end, kColumn.size()) == kColumn) {
    std::string_view name = line.substr(num_end + kColumn.size());
    location += ", column '" + std::string(name.substr(0, name.rfind(": "))) + "'";
  }
  return location;
}

class PgReader final : public RowReader {
 public:
  PgReader(std::unique_ptr<pqxx::connection> conn, std::vector<ColumnInfo> columns, std::vector<CellKind> kinds,
           size_t batch_rows, std::string subject, std::string redacted)
      : conn_(std::move(conn)), columns_(std::move(columns)), kinds_(std::move(kinds)), batch_rows_(batch_rows),
        subject_(std::move(subject)), redacted_(std::move(redacted)) {}

  ~PgReader() override { abandon(); }

  // Runs the COPY; errors in the caller's where clause surface here.
  Status start(const std::string& query, const std::string& snapshot) {
    try {
      txn_ = std::make_unique<pqxx::read_transaction>(*conn_);
      if (!snapshot.empty()) {  // the run's snapshot (SnapshotSource): before any query of the transaction
        txn_->exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        txn_->exec("SET TRANSACTION SNAPSHOT " + txn_->quote(snapshot));
      }
      stream_ = std::make_unique<pqxx::stream_from>(*txn_, query);
      return Status::ok();
    } catch (...) {
      return current_error(subject_, redacted_);
    }
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    if (!stream_) return false;
    size_t rows = 0;
    try {
      while (rows < batch_rows_) {
        if (!stream_->get_raw_line(line_)) {
          stream_.reset();
          txn_->commit();
          break;
        }
        Status s = append_row(out);
        if (!s.is_ok()) {
          out.clear();
          abandon();
          return s;
        }
        ++rows;
      }
    } catch (...) {
      out.clear();
      abandon();
      return current_error(subject_, redacted_);
    }
    return rows > 0;
  }

 private:
  // Closing a stream reads it to the end; cancelling first spares reading
  // the rest of a big table nobody wants any more.
  void abandon() noexcept {
    if (stream_ && *stream_) {
      try {
        conn_->cancel_query();
      } catch (...) {
      }
    }
    stream_.reset();
  }

  Status append_row(Batch& out) {
    std::string_view line = line_;
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    size_t start = 0;
    for (size_t col = 0; col < kinds_.size(); ++col) {
      bool last = col + 1 == kinds_.size();
      size_t tab = line.find('\t', start);
      if ((tab == std::string_view::npos) != last) {
        return internal_error(subject_ + ": COPY output has a row of the wrong width");
      }
      if (last) tab = line.size();
      if (!append_field(line.substr(start, tab - start), kinds_[col], out, scratch_, bytes_)) {
        return internal_error(subject_ + ": unexpected COPY output for column '" + columns_[col].name + "'");
      }
      start = tab + 1;
    }
    return Status::ok();
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::read_transaction> txn_;
  std::unique_ptr<pqxx::stream_from> stream_;
  std::vector<ColumnInfo> columns_;
  std::vector<CellKind> kinds_;
  size_t batch_rows_;
  std::string subject_;
  std::string redacted_;
  std::string line_, scratch_, bytes_;
};

class PgWriter final : public RowWriter {
 public:
  PgWriter(std::unique_ptr<pqxx::connection> conn, TableRef table, std::vector<std::string> columns,
           std::vector<CellKind> kinds, std::string redacted)
      : conn_(std::move(conn)), table_(std::move(table)), columns_(std::move(columns)), kinds_(std::move(kinds)),
        subject_("table " + table_.display()), redacted_(std::move(redacted)) {}

  Status begin() {
    try {
      txn_ = std::make_unique<pqxx::work>(*conn_);
      table_sql_ = quoted_table(*conn_, table_);
      for (const std::string& c : columns_) columns_sql_.push_back(conn_->quote_name(c));
      return Status::ok();
    } catch (...) {
      return current_error(subject_, redacted_);
    }
  }

  Status write(const Batch& batch) override {
    CSB_RETURN_IF_ERROR(usable());
    if (batch.columns() != columns_.size()) {
      return invalid_argument(subject_ + ": the batch has " + std::to_string(batch.columns()) +
                              " columns, the writer " + std::to_string(columns_.size()));
    }
    CSB_RETURN_IF_ERROR(check_text(batch));
    if (batch.empty()) return Status::ok();
    try {
      std::unique_ptr<pqxx::tablewriter> copy = begin_copy();
      std::string line;
      for (size_t row = 0; row < batch.rows(); ++row) {
        line.clear();
        for (size_t col = 0; col < columns_.size(); ++col) {
          if (col > 0) line += '\t';
          if (batch.is_null(row, col)) {
            line += "\\N";
          } else if (kinds_[col] == CellKind::kBytea) {
            append_copy_bytea(batch.get(row, col), line);
          } else {
            append_copy_text(batch.get(row, col), line);
          }
        }
        copy->write_raw_line(line);
      }
      copy->complete();
      return Status::ok();
    } catch (const pqxx::insufficient_privilege&) {
      failed_ = current_error(subject_, redacted_);
    } catch (const pqxx::sql_error& e) {
      failed_ = Status(code_for_sqlstate(e.sqlstate()),
                       subject_ + copy_error_location(e.what()) + ": " + first_line(e.what()));
    } catch (...) {
      failed_ = current_error(subject_, redacted_);
    }
    return failed_;
  }

  Status finish() override {
    CSB_RETURN_IF_ERROR(usable());
    try {
      txn_->commit();
      finished_ = true;
      return Status::ok();
    } catch (...) {
      failed_ = current_error(subject_, redacted_);
      return failed_;
    }
  }

 private:
  Status usable() const {
    if (!failed_.is_ok()) return failed_.with_context("rolled back after an earlier failure");
    if (finished_) return invalid_argument(subject_ + ": the writer has already finished");
    return Status::ok();
  }

  // PostgreSQL text cannot hold 0x00; caught before sending so that the
  // transaction stays usable and the caller can resend the batch without the row.
  Status check_text(const Batch& batch) const {
    for (size_t row = 0; row < batch.rows(); ++row) {
      for (size_t col = 0; col < columns_.size(); ++col) {
        if (kinds_[col] == CellKind::kBytea || batch.get(row, col).find('\0') == std::string_view::npos) continue;
        return data_error(subject_ + ", row " + std::to_string(row + 1) + " of the batch, column '" + columns_[col] +
                          "': text contains a NUL byte (0x00), which PostgreSQL cannot store");
      }
    }
    return Status::ok();
  }

  // One COPY per batch, so that a server error names a row of this batch.
  std::unique_ptr<pqxx::tablewriter> begin_copy() { return pg::begin_copy(*txn_, table_sql_, columns_sql_); }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> txn_;  // destroyed before conn_: without commit() it rolls back
  TableRef table_;
  std::vector<std::string> columns_;
  std::vector<CellKind> kinds_;
  std::string subject_;
  std::string redacted_;
  std::string table_sql_;
  std::vector<std::string> columns_sql_;
  Status failed_;
  bool finished_ = false;
};

class PgConnector final : public Connector, public SnapshotSource {
 public:
  bool concurrent_reads() const override { return true; }  // a connection per read, each importing the snapshot
  Result<std::unique_ptr<Connector>> related_reader() override { return borrow(*this); }

  Result<std::string> hold_snapshot() override {
    try {
      if (snapshot_.empty()) {
        CSB_ASSIGN_OR_RETURN(snapshot_db_, connect(conn_));
        snapshot_txn_ = std::make_unique<pqxx::work>(*snapshot_db_);
        snapshot_txn_->exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        pqxx::row r = snapshot_txn_->exec1("SELECT pg_export_snapshot(), to_char(now() AT TIME ZONE 'UTC', "
                                           "'YYYY-MM-DD HH24:MI:SS.US')");
        snapshot_ = r[0].as<std::string>();
        snapshot_at_ = r[1].as<std::string>();
      }
      return "PostgreSQL snapshot (REPEATABLE READ) of " + snapshot_at_ + " UTC";
    } catch (...) {
      snapshot_.clear();
      return current_error("exporting a snapshot", redacted_);
    }
  }

  PgConnector(ConnectionString conn, std::unique_ptr<pqxx::connection> db)
      : conn_(std::move(conn)), redacted_(conn_.redacted()), db_(std::move(db)) {}

  Result<SourceInfo> info() override {
    try {
      pqxx::nontransaction txn(*db_);
      std::string version = txn.exec("SELECT pg_catalog.current_setting('server_version')")[0][0].as<std::string>();
      // "15.18 (Debian 15.18-0+deb12u1)": the packager's suffix is not the server's version.
      return SourceInfo{"PostgreSQL", version.substr(0, version.find(' ')), redacted_};
    } catch (...) {
      return current_error("server version", redacted_);
    }
  }

  Result<std::vector<TableRef>> list_tables() override {
    try {
      pqxx::read_transaction txn(*db_);
      std::vector<TableRef> tables;
      for (const pqxx::row& r : txn.exec(kListTables)) {
        tables.push_back({r[0].as<std::string>(), r[1].as<std::string>()});
      }
      return tables;
    } catch (...) {
      return current_error("listing tables", redacted_);
    }
  }

  Result<TableInfo> describe(const TableRef& table) override {
    CSB_ASSIGN_OR_RETURN(Described d, describe_table(table));
    return std::move(d.info);
  }

  Result<RowCount> count(const TableRef& table, bool estimate) override {
    try {
      pqxx::read_transaction txn(*db_);
      CSB_ASSIGN_OR_RETURN(Relation rel, find_relation(txn, table));
      // Views have no statistics of their own.
      if (estimate && !rel.is_view && rel.reltuples >= 0) return RowCount{static_cast<int64_t>(rel.reltuples), false};
      pqxx::row r = txn.exec1("SELECT count(*) FROM " + quoted_table(*db_, rel.ref));
      return RowCount{r[0].as<int64_t>(), true};
    } catch (...) {
      return current_error("table " + table.display(), redacted_);
    }
  }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    const bool from_query = !request.query.empty();
    if (request.batch_rows == 0) {
      return invalid_argument("reading " + (from_query ? "query" : "table " + request.table.display()) +
                              ": batch_rows is 0");
    }
    CSB_ASSIGN_OR_RETURN(Described d, from_query ? describe_sql(request.query) : describe_table(request.table));
    std::vector<std::string> names = request.columns.empty() ? column_names(d) : request.columns;
    CSB_ASSIGN_OR_RETURN(std::vector<size_t> positions, column_positions(d, names));
    CSB_RETURN_IF_ERROR(column_positions(d, request.order_by).status());
    std::vector<ColumnInfo> columns;
    std::vector<CellKind> kinds;
    for (size_t p : positions) {
      columns.push_back(d.info.columns[p]);
      kinds.push_back(d.kinds[p]);
    }
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> db, connect(conn_));
    std::string sql;
    try {
      std::string from = from_query ? derived_table(request.query) : quoted_table(*db, d.info.ref);
      sql = select_sql(*db, from, names, request);
    } catch (...) {
      return current_error(d.subject, redacted_);
    }
    // The reader's read_transaction is READ ONLY: a query cannot write even through a function.
    std::string subject = "reading " + d.subject;
    if (!request.where.empty()) subject += " where " + request.where;
    auto reader = std::make_unique<PgReader>(std::move(db), std::move(columns), std::move(kinds), request.batch_rows,
                                             std::move(subject), redacted_);
    CSB_RETURN_IF_ERROR(reader->start(sql, snapshot_));
    return std::unique_ptr<RowReader>(std::move(reader));
  }

  Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request) override {
    CSB_ASSIGN_OR_RETURN(Described d, describe_table(request.table));
    std::vector<std::string> names = request.columns.empty() ? column_names(d) : request.columns;
    CSB_ASSIGN_OR_RETURN(std::vector<size_t> positions, column_positions(d, names));
    std::vector<CellKind> kinds;
    for (size_t p : positions) kinds.push_back(d.kinds[p]);
    CSB_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> db, connect(conn_));
    auto writer = std::make_unique<PgWriter>(std::move(db), d.info.ref, std::move(names), std::move(kinds), redacted_);
    CSB_RETURN_IF_ERROR(writer->begin());
    return std::unique_ptr<RowWriter>(std::move(writer));
  }

  Status execute(std::string_view sql) override {
    try {
      pqxx::work txn(*db_);
      txn.exec(std::string(sql));
      txn.commit();
      return Status::ok();
    } catch (...) {
      return current_error("SQL script", redacted_);
    }
  }

  Result<TableInfo> describe_query(std::string_view sql) override {
    CSB_ASSIGN_OR_RETURN(Described d, describe_sql(sql));
    return std::move(d.info);
  }

  std::string backend() const override { return "postgres"; }

 private:
  Result<Described> describe_table(const TableRef& table) {
    try {
      pqxx::read_transaction txn(*db_);
      return describe_relation(txn, table);
    } catch (...) {
      return current_error("table " + table.display(), redacted_);
    }
  }

  Result<Described> describe_sql(std::string_view sql) {
    try {
      pqxx::read_transaction txn(*db_);  // READ ONLY: the LIMIT 0 run cannot write either
      return describe_result(txn, sql);
    } catch (...) {
      return current_error("query", redacted_);
    }
  }

  // COPY (SELECT …) TO STDOUT: libpqxx 6.4 puts the "table" of stream_from
  // into the COPY statement as given.
  // `from` is the quoted table or the query's derived table.
  static std::string select_sql(pqxx::connection_base& db, const std::string& from,
                                const std::vector<std::string>& names, const ReadRequest& request) {
    std::string sql = "(SELECT " + quoted_list(db, names) + " FROM " + from;
    // The caller's predicate ends in a newline so that a trailing -- comment cannot swallow the ")".
    if (!request.where.empty()) sql += " WHERE (" + request.where + "\n)";
    if (!request.order_by.empty()) sql += " ORDER BY " + quoted_list(db, request.order_by);
    if (request.limit >= 0) sql += " LIMIT " + std::to_string(request.limit);
    return sql + ")";
  }

  ConnectionString conn_;
  std::string redacted_;
  std::unique_ptr<pqxx::connection> db_;
  // hold_snapshot(): the transaction whose snapshot the readers import, open as long as the connector.
  std::unique_ptr<pqxx::connection> snapshot_db_;
  std::unique_ptr<pqxx::work> snapshot_txn_;  // destroyed before snapshot_db_ (declared after it)
  std::string snapshot_, snapshot_at_;
};

}  // namespace

Result<std::unique_ptr<Connector>> open_postgres(const ConnectionString& conn) {
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> db, connect(conn));
  return std::unique_ptr<Connector>(std::make_unique<PgConnector>(conn, std::move(db)));
}

}  // namespace csbridge::connector
