#include "connector/odbc_writer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "connector/odbc_types.h"

namespace csbridge::connector::odbc {
namespace {

constexpr size_t kMaxParamRows = 1000;
constexpr size_t kParamBufferBudget = 16u << 20;  // bytes of parameter arrays per execute
constexpr SQLLEN kLongParamBytes = 8000;          // longer parameters are sent as LONGVAR*

class OdbcWriter : public RowWriter {
 public:
  OdbcWriter(std::shared_ptr<Connection> conn, Handle stmt, TableRef table, std::vector<ParamColumn> columns)
      : conn_(std::move(conn)), stmt_(std::move(stmt)), table_(std::move(table)), columns_(std::move(columns)) {}

  ~OdbcWriter() override {
    if (!finished_) (void)conn_->end(false);
  }

  Status write(const Batch& batch) override {
    return guarded("write", [&]() -> Status {
      if (finished_) return invalid_argument("the writer of " + table_.display() + " is already finished");
      if (batch.columns() != columns_.size()) {
        return invalid_argument("batch for " + table_.display() + " has " + std::to_string(batch.columns()) +
                                " columns, the writer expects " + std::to_string(columns_.size()));
      }
      if (!failure_.is_ok()) return failure_;
      for (size_t start = 0; start < batch.rows();) {
        size_t end = chunk_end(batch, start);
        failure_ = send(batch, start, end);
        if (!failure_.is_ok()) return failure_;
        start = end;
      }
      written_ += batch.rows();
      return Status::ok();
    });
  }

  Status finish() override {
    return guarded("finish", [&]() -> Status {
      if (finished_) return Status::ok();
      finished_ = true;
      // Some rows of a failed batch may be in: committing them would load half a batch.
      if (!failure_.is_ok()) {
        (void)conn_->end(false);
        return Status(failure_.code(), "nothing committed, an earlier write failed: " + failure_.message());
      }
      return conn_->end(true).with_context("writing " + table_.display());
    });
  }

 private:
  std::string_view param_value(const Batch& batch, size_t row, size_t col) const {
    std::string_view v = batch.get(row, col);
    if (columns_[col].boolean) {
      // ODBC converts only "1"/"0" text to bit; PostgreSQL and SQLite take them too.
      if (v == "true") return "1";
      if (v == "false") return "0";
    }
    return v;
  }

  // The end of the rows starting at `start` whose parameter arrays fit the budget.
  size_t chunk_end(const Batch& batch, size_t start) const {
    std::vector<size_t> widths(columns_.size(), 1);
    size_t row_bytes = columns_.size();
    const bool one_row = !conn_->engine.binary_param_arrays &&
                         std::any_of(columns_.begin(), columns_.end(), [](const ParamColumn& c) { return c.binary; });
    const size_t max_rows = one_row ? 1 : kMaxParamRows;
    size_t end = start;
    while (end < batch.rows() && end - start < max_rows) {
      size_t grown = row_bytes;
      std::vector<size_t> next = widths;
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (batch.is_null(end, c)) continue;
        size_t len = param_value(batch, end, c).size();
        if (len > next[c]) {
          grown += len - next[c];
          next[c] = len;
        }
      }
      if (end > start && grown * (end - start + 1) > kParamBufferBudget) break;
      widths = std::move(next);
      row_bytes = grown;
      ++end;
    }
    return end;
  }

  Status send(const Batch& batch, size_t start, size_t end) {
    SQLHSTMT st = stmt_.get();
    const size_t rows = end - start;
    buffers_.resize(columns_.size());
    indicators_.resize(columns_.size());
    status_.assign(rows, SQL_PARAM_UNUSED);
    auto set = [st](SQLINTEGER attr, SQLPOINTER value) { return SQL_SUCCEEDED(SQLSetStmtAttr(st, attr, value, 0)); };
    if (!set(SQL_ATTR_PARAM_BIND_TYPE, as_attribute(SQL_PARAM_BIND_BY_COLUMN)) ||
        !set(SQL_ATTR_PARAMSET_SIZE, as_attribute(rows)) ||
        !set(SQL_ATTR_PARAM_STATUS_PTR, status_.data())) {
      return odbc_failure(SQL_HANDLE_STMT, st, context());
    }
    for (size_t c = 0; c < columns_.size(); ++c) {
      CSB_RETURN_IF_ERROR(bind_column(batch, start, end, c));
    }
    SQLRETURN rc = SQLExecute(st);
    // With parameter arrays a driver may succeed "with info" while some rows failed.
    bool row_failed = std::find(status_.begin(), status_.end(), SQL_PARAM_ERROR) != status_.end();
    if ((SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) && !row_failed) return Status::ok();
    // Drivers disagree on which row the status array blames (MariaDB fills
    // none, psqlodbc blames all), so the message names the whole range.
    return odbc_failure(SQL_HANDLE_STMT, st,
                        context() + ", rows " + std::to_string(written_ + start + 1) + "-" +
                            std::to_string(written_ + end) + " of this writer");
  }

  // Fills and binds the parameter array of column `c` for rows [start, end).
  Status bind_column(const Batch& batch, size_t start, size_t end, size_t c) {
    const ParamColumn& column = columns_[c];
    const size_t rows = end - start;
    size_t width = 1;
    if (!column.bit) {
      for (size_t r = start; r < end; ++r) {
        if (!batch.is_null(r, c)) width = std::max(width, param_value(batch, r, c).size());
      }
    }
    std::vector<char>& data = buffers_[c];
    std::vector<SQLLEN>& ind = indicators_[c];
    data.assign(width * rows, '\0');
    ind.assign(rows, 0);
    for (size_t r = start; r < end; ++r) {
      if (batch.is_null(r, c)) {
        ind[r - start] = SQL_NULL_DATA;
        continue;
      }
      std::string_view v = param_value(batch, r, c);
      if (column.bit) {
        // Sent as SQL_C_BIT: MariaDB's char-to-bit conversion of parameter arrays crashes.
        std::optional<std::string_view> b = canonical_boolean(v);
        if (!b) {
          return data_error(context() + ", row " + std::to_string(written_ + r + 1) + " of this writer: column '" +
                            column.name + "' holds a value that is not a boolean (true/false/1/0)");
        }
        data[r - start] = *b == "true" ? 1 : 0;
        ind[r - start] = 1;
        continue;
      }
      std::memcpy(data.data() + (r - start) * width, v.data(), v.size());
      ind[r - start] = static_cast<SQLLEN>(v.size());
    }
    const bool is_long = static_cast<SQLLEN>(width) > kLongParamBytes;
    SQLSMALLINT c_type = column.binary ? SQL_C_BINARY : column.bit ? SQL_C_BIT : SQL_C_CHAR;
    SQLSMALLINT sql_type = column.binary ? (is_long ? SQL_LONGVARBINARY : SQL_VARBINARY)
                           : column.bit  ? SQL_BIT
                           : is_long     ? SQL_LONGVARCHAR
                                         : SQL_VARCHAR;
    SQLRETURN rc = SQLBindParameter(stmt_.get(), static_cast<SQLUSMALLINT>(c + 1), SQL_PARAM_INPUT, c_type, sql_type,
                                    width, 0, data.data(), static_cast<SQLLEN>(width), ind.data());
    if (!SQL_SUCCEEDED(rc)) {
      return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context() + ", binding column '" + column.name + "'");
    }
    return Status::ok();
  }

  std::string context() const { return "writing " + table_.display() + " to " + conn_->redacted; }

  std::shared_ptr<Connection> conn_;
  Handle stmt_;
  TableRef table_;
  std::vector<ParamColumn> columns_;
  bool finished_ = false;
  Status failure_;  // the first failed write: later writes repeat it, finish() rolls back
  size_t written_ = 0;
  std::vector<std::vector<char>> buffers_;
  std::vector<std::vector<SQLLEN>> indicators_;
  std::vector<SQLUSMALLINT> status_;
};

}  // namespace

std::unique_ptr<RowWriter> make_writer(std::shared_ptr<Connection> conn, Handle stmt, TableRef table,
                                       std::vector<ParamColumn> columns) {
  return std::make_unique<OdbcWriter>(std::move(conn), std::move(stmt), std::move(table), std::move(columns));
}

}  // namespace csbridge::connector::odbc
