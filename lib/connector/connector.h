// The contract every backend fulfils: describe, count, read batches, and (for
// databases) write batches. One implementation per file, each header exports
// a factory; connector/registry.h maps a scheme to its factory.
//
// Values cross this interface as UTF-8 text in a canonical form, so that the
// same row read through different backends compares equal:
//   integer    decimal digits, optional leading '-'
//   real       shortest text that round-trips (%.17g trimmed)
//   decimal    as the engine prints it (scale kept)
//   boolean    "true" / "false"
//   date       YYYY-MM-DD; time HH:MM:SS[.ffffff]
//   timestamp  YYYY-MM-DD HH:MM:SS[.ffffff] (no zone); with a zone: +HH[:MM] appended
//   binary     the raw bytes
//   NULL       is_null(), distinct from the empty string
// Threads: a Connector and its readers/writers belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connector/connection_string.h"
#include "util/status.h"

namespace csbridge::connector {

enum class ValueType {
  kUnknown, kText, kInteger, kReal, kDecimal, kBoolean,
  kDate, kTime, kTimestamp, kTimestampTz, kBinary, kJson,
};

const char* value_type_name(ValueType type);
// SQLite's Connector::quote_match: `quoted`, and the bare number when `text` is a canonical number.
std::string sqlite_match(std::string_view text, const std::string& quoted);
// For the database backends: the query of a ReadRequest as a derived table,
// "(\n<sql>\n) AS q", trailing semicolons and blanks dropped; the newlines keep
// a trailing -- comment from swallowing the ")".
std::string derived_table(std::string_view sql);
// Maps a declared SQL type ("varchar(20)", "BIGINT", "timestamp with time zone",
// "datetime", "NUMBER(10,2)", …) to its ValueType; kUnknown when unrecognised.
ValueType value_type_from_declared(std::string_view declared);

struct TableRef {
  std::string schema;  // empty where the backend has none (SQLite main, files)
  std::string name;
  std::string display() const { return schema.empty() ? name : schema + "." + name; }
  bool operator==(const TableRef&) const = default;
};

// A table as a person names it ("schema.name" or "name"): split at the first
// '.', so that "public.order.items" is table "order.items" of schema "public".
TableRef parse_table_ref(std::string_view text);

struct ColumnInfo {
  std::string name;
  std::string declared_type;  // as the source declares it ("" when it declares none)
  ValueType type = ValueType::kUnknown;
  bool nullable = true;
};

struct IndexInfo {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  TableRef ref_table;
  std::vector<std::string> ref_columns;
};

struct TableInfo {
  TableRef ref;
  bool is_view = false;
  std::vector<ColumnInfo> columns;
  std::vector<std::string> primary_key;  // empty when none is declared
  std::vector<IndexInfo> indexes;        // unique keys included (unique = true)
  std::vector<ForeignKey> foreign_keys;  // declared ones only
};

struct RowCount {
  int64_t rows = 0;  // -1: the backend cannot tell without reading every row (an API)
  bool exact = true;
};

struct SourceInfo {
  std::string engine;    // "PostgreSQL", "MariaDB", "SQLite", "CSV", …
  std::string version;   // server/library version, "" for plain files
  std::string redacted;  // the connection string without secrets
};

// Rows in canonical text form, row-major, in one contiguous arena so that a
// batch costs one allocation pattern whatever its row count.
class Batch {
 public:
  explicit Batch(size_t columns = 0) : columns_(columns) {}

  void reset(size_t columns) { columns_ = columns; clear(); }
  void clear() { arena_.clear(); cells_.clear(); }
  size_t columns() const { return columns_; }
  size_t rows() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return cells_.empty(); }
  size_t bytes() const { return arena_.size(); }

  // Appends the next cell of the current row (rows are filled left to right).
  void append(std::string_view value) {
    cells_.push_back({static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(value.size())});
    arena_.append(value);
  }
  void append_null() { cells_.push_back({static_cast<uint32_t>(arena_.size()), kNull}); }
  // Drops the cells of an incomplete last row (a reader that rejects a row midway).
  void truncate_to_rows(size_t rows) {
    cells_.resize(rows * columns_);
    arena_.resize(cells_.empty() ? 0 : cells_.back().offset + (cells_.back().length == kNull ? 0 : cells_.back().length));
  }

  bool is_null(size_t row, size_t col) const { return cell(row, col).length == kNull; }
  std::string_view get(size_t row, size_t col) const {
    const Cell& c = cell(row, col);
    return c.length == kNull ? std::string_view() : std::string_view(arena_).substr(c.offset, c.length);
  }
  std::optional<std::string_view> value(size_t row, size_t col) const {
    if (is_null(row, col)) return std::nullopt;
    return get(row, col);
  }
  // Every cell's bytes back to back, in order (a writer may check them all at once).
  std::string_view arena() const { return arena_; }

 private:
  static constexpr uint32_t kNull = UINT32_MAX;
  struct Cell { uint32_t offset; uint32_t length; };
  const Cell& cell(size_t row, size_t col) const { return cells_[row * columns_ + col]; }

  size_t columns_ = 0;
  std::string arena_;
  std::vector<Cell> cells_;
};

// A record the reader could not turn into a row (ragged CSV line, undecodable
// bytes, malformed JSON record). Readers never drop input silently: every such
// record is reported here and the rest is read on.
struct RejectedRecord {
  std::string location;  // "file.csv:17" or "orders.json:offset 5120" or "table key=42"
  std::string reason;    // one line, no PII
};

// What to read: a table, or (databases only) the result of a query. columns,
// where, order_by and limit apply to either: a query is read as the derived
// table `SELECT <columns> FROM (<query>) AS q WHERE … ORDER BY … LIMIT …`.
struct ReadRequest {
  TableRef table;                     // ignored when `query` is set
  std::vector<std::string> columns;   // empty = all, in declared (query result) order
  std::string where;                  // a predicate in the source's SQL; "" = none (databases only)
  std::vector<std::string> order_by;  // column names, ascending; empty = source order
  int64_t limit = -1;                 // -1 = no limit
  size_t batch_rows = 1000;           // rows per Batch at most
  // A read-only SELECT in the source's SQL; when non-empty it replaces
  // `table`. Its result columns need distinct names. Connectors do not parse
  // it: the caller checks that it only reads (see Connector::describe_query).
  // Last, so that brace-initialised requests of tables keep their meaning
  // (and, initialised here, need not name it).
  std::string query = {};
  // Rows per statement at most where a connector reads in a series of
  // statements (MariaDB through ODBC reads in key chunks: README "Connections");
  // 0 = the connector's own choice. Tests lower it to cross chunk boundaries.
  size_t chunk_rows = 0;
  // Rows at the start the caller will skip (an earlier run committed them), and the position a
  // reader of the same request gave after them (RowReader::position()): a backend that can start
  // there without fetching them does (an API starts at the page, cursor or next URL, per parent
  // for fan-out) and says how many with RowReader::skipped(); the others read them as usual.
  int64_t skip_rows = 0;
  std::string resume_position = {};
  // Only rows changed after `value` by `column` (migrate --since on a block's watermark), for a
  // backend that runs no SQL and can ask for them itself (an API resource's `incremental:`); the
  // others refuse a request that sets it. Databases get the condition in `where` instead.
  struct ChangedSince {
    std::string column, value;
  } changed_since = {};
};

class RowReader {
 public:
  virtual ~RowReader() = default;
  // The columns of the rows this reader yields, in order.
  virtual const std::vector<ColumnInfo>& columns() const = 0;
  // Replaces `out` with the next rows (at most batch_rows). Returns false when
  // the input is exhausted and `out` is empty. A failure ends the read.
  virtual Result<bool> next(Batch& out) = 0;
  // Records rejected since the last call (moved out to the caller).
  std::vector<RejectedRecord> take_rejects() { return std::exchange(rejects_, {}); }
  // How many rows of ReadRequest::skip_rows the reader skipped without reading (known once
  // the reader is open; 0 for most backends).
  virtual int64_t skipped() const { return 0; }
  // Where the reader stands after the rows it has handed out, as text a later reader of the same
  // request can start from (ReadRequest::resume_position); "" when the backend cannot say.
  virtual std::string position() const { return ""; }
  // What the backend says about the read so far, for a progress line (an API: pages, requests/s,
  // waits for rate limits); "" for most.
  virtual std::string progress_note() const { return ""; }

 protected:
  std::vector<RejectedRecord> rejects_;
};

struct WriteRequest {
  TableRef table;
  std::vector<std::string> columns;  // the Batch columns, in order
};

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  // Sends the rows of `batch` (same columns as the request). Values are canonical text.
  virtual Status write(const Batch& batch) = 0;
  // Commits everything written. Without finish(), destruction rolls back.
  virtual Status finish() = 0;
};

class Connector {
 public:
  virtual ~Connector() = default;

  virtual Result<SourceInfo> info() = 0;
  virtual Result<std::vector<TableRef>> list_tables() = 0;
  virtual Result<TableInfo> describe(const TableRef& table) = 0;
  // Exact by default; `estimate` lets a database answer from its statistics
  // (RowCount::exact says which one it gave).
  virtual Result<RowCount> count(const TableRef& table, bool estimate = false) = 0;
  virtual Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) = 0;

  // The result columns of a query, as describe() gives a table's: names,
  // declared types ("" where the engine declares none, as SQLite does for an
  // expression), ValueType; nullable is always true and there are no keys;
  // ref.name is "query". A query the engine refuses (syntax, unknown table or
  // column, a statement that writes) fails with kInvalidArgument and the
  // engine's message, naming it as "query"; an unreachable server stays
  // kUnreachable, a missing grant kPermissionDenied. Nothing is read or written. Reading a query (ReadRequest::
  // query) fails the same way, and an error the rows raise while they are read
  // (a failed cast) keeps its own code (kData). Default: kNotSupported naming
  // the backend (files).
  virtual Result<TableInfo> describe_query(std::string_view sql);

  // Databases only; file backends answer kNotSupported naming themselves.
  virtual Result<std::unique_ptr<RowWriter>> write(const WriteRequest& request);
  // Runs a script of SQL statements (DDL) in one transaction where the engine allows.
  virtual Status execute(std::string_view sql);

  // The backend's name for messages: "postgres", "odbc", "sqlite", "csv", "json", "jsonl", "xml".
  virtual std::string backend() const = 0;

  // How this source's SQL writes a name and a text constant, for predicates csbridge composes
  // (mapping filters and keyed reads of related rows). Default: standard SQL ("name", 'text').
  virtual std::string quote_name(std::string_view name) const;
  virtual std::string quote_text(std::string_view text) const;
  // The constants, comma-separated, an IN list needs to match a column holding the canonical
  // text `text`, whatever the column's declared type: quote_text, and on SQLite, whose columns
  // without a declared type keep integers as integers, also the number a numeric text stands for.
  virtual std::string quote_match(std::string_view text) const { return quote_text(text); }
  // Whether read() takes `where` and `order_by` (databases; files do not).
  bool runs_sql() const;
};

// A connector that forwards every call to `inner` without owning it (a second user of a connector
// that outlives it: related rows read in a held snapshot, connector/snapshot.h).
std::unique_ptr<Connector> borrow(Connector& inner);

}  // namespace csbridge::connector
