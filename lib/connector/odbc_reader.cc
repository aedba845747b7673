#include "connector/odbc_reader.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "connector/odbc_keyset_read.h"
#include "util/strings.h"

namespace csbridge::connector::odbc {
namespace {

constexpr size_t kFetchBufferBudget = 32u << 20;  // bytes of bound column buffers per rowset
constexpr SQLLEN kLongPrefixBytes = 4096;         // bound prefix of a long column
constexpr SQLLEN kMinScalarBytes = 64;            // numbers, dates: drivers under-report some
constexpr SQLLEN kKeyTextBytes = 96;              // a key number or temporal value as the server prints it
constexpr SQLLEN kProbeBytes = 8;                 // a null_probe's value, "1"
constexpr size_t kMaxBatchBytes = 1u << 30;       // Batch offsets are 32-bit

// One column of the result set. Bound columns are fetched as column-wise
// arrays; unbound (long) columns with SQLGetData, one row at a time.
struct Slot {
  size_t output = 0;         // position in the rows handed out
  bool hidden = false;       // not handed out: a unique key's value to go on after (KeysetRead::last_row_columns)
  std::string name;
  SQLSMALLINT c_type = SQL_C_CHAR;
  Conversion conversion = Conversion::kText;
  bool bound = false;
  SQLLEN width = 0;          // bytes per row in `data`
  std::vector<char> data;
  std::vector<SQLLEN> indicators;
  // Bound as a C value and printed here (odbc_types.h), else (kNone) as text.
  Typed typed = Typed::kNone;
  int fraction_digits = kMaxFractionDigits;  // kTimestamp: the decimals the column declares
  SQLLEN text_width = 0;                     // the width as text, should the driver refuse the C type
  // kTimestamp, kDate: the zero date comes as NULL. A NULL is the zero date
  // where this slot (a null_probe) is NULL too; without one, the column is NOT NULL.
  std::optional<size_t> null_probe;
  TypedText text;  // the printed value of the current row
};

class OdbcReader : public RowReader {
 public:
  // `stmt` has run the statement of the whole read, or the first chunk of
  // `keyset`; `key_slots` are the slots that hold a unique keyset's key, in key order.
  OdbcReader(std::shared_ptr<Connection> conn, Handle stmt, TableRef table, std::vector<ColumnInfo> columns,
             std::vector<Slot> slots, SQLULEN rowset, size_t batch_rows, int64_t limit,
             std::optional<KeysetRead> keyset, std::vector<size_t> key_slots)
      : conn_(std::move(conn)),
        stmt_(std::move(stmt)),
        table_(std::move(table)),
        columns_(std::move(columns)),
        slots_(std::move(slots)),
        rowset_(rowset),
        row_status_(rowset),
        batch_rows_(std::max<size_t>(batch_rows, 1)),
        limit_(limit),
        keyset_(std::move(keyset)),
        key_slots_(std::move(key_slots)) {}

  Status bind() {
    SQLHSTMT st = stmt_.get();
    auto set = [st](SQLINTEGER attr, SQLPOINTER value) { return SQLSetStmtAttr(st, attr, value, 0); };
    if (!SQL_SUCCEEDED(set(SQL_ATTR_ROW_BIND_TYPE, as_attribute(SQL_BIND_BY_COLUMN))) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROW_ARRAY_SIZE, as_attribute(rowset_))) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROWS_FETCHED_PTR, &fetched_)) ||
        !SQL_SUCCEEDED(set(SQL_ATTR_ROW_STATUS_PTR, row_status_.data()))) {
      return odbc_failure(SQL_HANDLE_STMT, st, context());
    }
    // A driver may lower the rowset size (01S02): use what it took.
    SQLULEN granted = rowset_;
    if (SQL_SUCCEEDED(SQLGetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, &granted, 0, nullptr)) && granted > 0 &&
        granted < rowset_) {
      rowset_ = granted;
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (!s.bound) continue;
      bool bound = bind_column(i);
      if (!bound && s.typed != Typed::kNone) {
        // The driver refuses the C type: the column is read as text.
        s.typed = Typed::kNone;
        s.c_type = SQL_C_CHAR;
        s.width = s.text_width;
        bound = bind_column(i);
      }
      if (!bound) return odbc_failure(SQL_HANDLE_STMT, st, context() + ", binding column '" + s.name + "'");
    }
    cells_.resize(columns_.size());
    owned_.resize(columns_.size());
    return Status::ok();
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    if (failure_.is_ok()) failure_ = guarded("read", [&] { return fill(out); });
    if (!failure_.is_ok()) {
      out.clear();
      return failure_;
    }
    return !out.empty();
  }

 private:
  std::string context() const { return "reading " + table_.display() + " from " + conn_->redacted; }

  bool bind_column(size_t i) {
    Slot& s = slots_[i];
    s.data.assign(static_cast<size_t>(s.width) * rowset_, '\0');
    s.indicators.assign(rowset_, 0);
    return SQL_SUCCEEDED(SQLBindCol(stmt_.get(), static_cast<SQLUSMALLINT>(i + 1), s.c_type, s.data.data(), s.width,
                                    s.indicators.data()));
  }

  const char* value_at(const Slot& s, SQLULEN row) const {
    return s.data.data() + static_cast<size_t>(s.width) * row;
  }

  // The canonical text of a slot bound as a C value at `row`, nullopt for
  // NULL; a zero date comes as NULL (Slot::null_probe).
  std::optional<std::string_view> typed_value(Slot& s, SQLULEN row) {
    if (s.indicators[row] != SQL_NULL_DATA) return typed_text(s.typed, value_at(s, row), s.fraction_digits, s.text);
    if (s.typed == Typed::kInteger) return std::nullopt;
    bool zero_date = !s.null_probe || slots_[*s.null_probe].indicators[row] == SQL_NULL_DATA;
    if (zero_date) return zero_date_text(s.typed);
    return std::nullopt;
  }

  // Appends rows to `out` up to the batch size. The limit counts rejected
  // rows too: they were read.
  Status fill(Batch& out) {
    while (out.rows() < batch_rows_ && out.bytes() < kMaxBatchBytes) {
      if (limit_ >= 0 && row_number_ >= limit_) break;
      if (position_ == fetched_) {
        if (done_) break;
        CSB_RETURN_IF_ERROR(fetch());
        continue;
      }
      CSB_RETURN_IF_ERROR(append_row(position_++, out));
    }
    return Status::ok();
  }

  Status fetch() {
    if (!key_slots_.empty() && fetched_ > 0) CSB_RETURN_IF_ERROR(note_last_key());
    fetched_ = 0;
    position_ = 0;
    SQLRETURN rc = SQLFetch(stmt_.get());
    if (rc == SQL_NO_DATA) {
      SQLCloseCursor(stmt_.get());
      return next_chunk();
    }
    if (!SQL_SUCCEEDED(rc)) return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context());
    if (fetched_ > 0) return Status::ok();
    if (keyset_) SQLCloseCursor(stmt_.get());
    return next_chunk();
  }

  // Runs the statement of the next chunk of a keyset read on the same
  // handle; a plain read (or the last chunk) is done.
  Status next_chunk() {
    if (!keyset_) {
      done_ = true;
      return Status::ok();
    }
    // The chunk holds its boundary row: empty, the read would go round in circles.
    if (keyset_->bounded() && chunk_rows_ == 0) {
      return internal_error(context() + ": a chunk of the keyset read came back empty; stopping at row " +
                            std::to_string(row_number_));
    }
    keyset_->measured(chunk_rows_, chunk_bytes_, columns_.size());
    chunk_rows_ = 0;
    chunk_bytes_ = 0;
    int64_t remaining = limit_ < 0 ? -1 : std::max<int64_t>(limit_ - row_number_, 0);
    CSB_ASSIGN_OR_RETURN(std::optional<std::string> sql, keyset_->next(*conn_, remaining, context()));
    if (!sql) {
      done_ = true;
      return Status::ok();
    }
    SQLRETURN rc = SQLExecDirect(stmt_.get(), sql_text(*sql), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) return odbc_failure(SQL_HANDLE_STMT, stmt_.get(), context());
    // Bindings outlive a statement in ODBC; binding again costs nothing and trusts no driver on that.
    return bind();
  }

  // Hands the key of the rowset's last row to a unique keyset, before the
  // next fetch overwrites it: the next chunk goes on after it.
  Status note_last_key() {
    const SQLULEN row = fetched_ - 1;
    std::vector<std::string> values;
    for (size_t k : key_slots_) {
      Slot& s = slots_[k];
      SQLLEN ind = s.indicators[row];
      SQLUSMALLINT status = row_status_[row];
      SQLLEN room = s.typed == Typed::kNone ? s.width - 1 : s.width;
      if (ind == SQL_NULL_DATA || ind == SQL_NO_TOTAL || ind > room || status == SQL_ROW_ERROR ||
          status == SQL_ROW_NOROW) {
        return internal_error(context() + ": the key of row " + std::to_string(row_number_) +
                              " cannot be read back; the next chunk cannot start after it");
      }
      if (s.typed != Typed::kNone) {
        values.emplace_back(typed_text(s.typed, value_at(s, row), s.fraction_digits, s.text));
      } else {
        values.emplace_back(value_at(s, row), static_cast<size_t>(ind));
      }
    }
    keyset_->last_row(std::move(values));
    return Status::ok();
  }

  void reject(const std::string& reason) {
    rejects_.push_back({table_.display() + " row " + std::to_string(row_number_), reason});
  }

  // The whole value of a bound cell whose buffer was too small.
  Result<LongValue> rescue(SQLULEN row, size_t slot_index) {
    Slot& s = slots_[slot_index];
    bool can_reread = rowset_ > 1 ? conn_->engine.rescue == RescueMode::kBlock &&
                                         SQL_SUCCEEDED(SQLSetPos(stmt_.get(), static_cast<SQLSETPOSIROW>(row + 1),
                                                                 SQL_POSITION, SQL_LOCK_NO_CHANGE))
                                   : conn_->engine.rescue != RescueMode::kNone;
    if (!can_reread) {
      return data_error("column '" + s.name + "' of " + table_.display() + ": a value at row " +
                        std::to_string(row_number_) + " is longer than the " + std::to_string(s.width) +
                        " bytes the driver declared, and the driver cannot re-read it; refusing to truncate");
    }
    return get_whole_value(stmt_.get(), static_cast<SQLUSMALLINT>(slot_index + 1), s.c_type, chunk_,
                           context() + ", column '" + s.name + "'");
  }

  Status append_row(SQLULEN row, Batch& out) {
    ++row_number_;
    ++chunk_rows_;
    SQLUSMALLINT status = row_status_[row];
    if (status == SQL_ROW_NOROW || status == SQL_ROW_DELETED) return Status::ok();
    if (status == SQL_ROW_ERROR) {
      reject("the driver could not fetch this row");
      return Status::ok();
    }
    std::string reason;
    for (size_t i = 0; i < slots_.size() && reason.empty(); ++i) {
      Slot& s = slots_[i];
      if (s.hidden) continue;
      std::optional<std::string>& owned = owned_[s.output];
      std::optional<std::string_view>& cell = cells_[s.output];
      owned.reset();
      cell.reset();
      if (s.typed != Typed::kNone) {
        // Printed in canonical form: nothing to convert or check.
        cell = typed_value(s, row);
        continue;
      }
      LongValue whole;
      if (s.bound) {
        SQLLEN ind = s.indicators[row];
        if (ind == SQL_NULL_DATA) continue;
        SQLLEN room = s.c_type == SQL_C_CHAR ? s.width - 1 : s.width;
        if (ind != SQL_NO_TOTAL && ind <= room) {
          cell = std::string_view(value_at(s, row), static_cast<size_t>(ind));
        } else {
          CSB_ASSIGN_OR_RETURN(whole, rescue(row, i));
        }
      } else {
        CSB_ASSIGN_OR_RETURN(whole, get_whole_value(stmt_.get(), static_cast<SQLUSMALLINT>(i + 1), s.c_type, chunk_,
                                                    context() + ", column '" + s.name + "'"));
      }
      if (whole.too_large) {
        reason = "column '" + s.name + "': value larger than " + std::to_string(kMaxValueBytes >> 20) + " MiB";
        break;
      }
      if (whole.value) {
        owned = std::move(whole.value);
        cell = *owned;
      }
      if (!cell) continue;
      if (rewrites(s.conversion)) {
        if (!owned) owned.emplace(*cell);
        convert_value(s.conversion, *owned);
        cell = *owned;
      }
      std::string why = check_value(s.conversion, *cell);
      if (!why.empty()) reason = "column '" + s.name + "': " + why;
    }
    if (!reason.empty()) {
      reject(reason);
      return Status::ok();
    }
    for (const std::optional<std::string_view>& cell : cells_) {
      if (cell) {
        out.append(*cell);
        chunk_bytes_ += cell->size();
      } else {
        out.append_null();
      }
    }
    return Status::ok();
  }

  std::shared_ptr<Connection> conn_;
  Handle stmt_;
  TableRef table_;
  std::vector<ColumnInfo> columns_;
  std::vector<Slot> slots_;
  SQLULEN rowset_;
  std::vector<SQLUSMALLINT> row_status_;
  size_t batch_rows_;
  int64_t limit_;
  std::optional<KeysetRead> keyset_;  // none: one statement reads everything
  std::vector<size_t> key_slots_;     // a unique keyset's key columns

  SQLULEN fetched_ = 0;
  SQLULEN position_ = 0;
  bool done_ = false;
  Status failure_;  // a failure ends the read: later calls repeat it
  int64_t row_number_ = 0;  // 1-based position in the result, for reject locations
  size_t chunk_rows_ = 0;   // rows and bytes of values read from the current statement
  size_t chunk_bytes_ = 0;
  std::vector<char> chunk_;
  std::vector<std::optional<std::string>> owned_;
  std::vector<std::optional<std::string_view>> cells_;
};

// Whether no two rows of `source` share values of `columns`, none NULL:
// they hold one of its unique keys and none is nullable.
bool unique_not_null(const ReadSource& source, const std::vector<std::string>& columns) {
  auto named = [&columns](const std::string& c) {
    return std::find(columns.begin(), columns.end(), c) != columns.end();
  };
  bool nullable = std::any_of(source.columns.begin(), source.columns.end(),
                              [&](const ColumnMeta& m) { return m.info.nullable && named(m.info.name); });
  return !nullable && std::any_of(source.unique_keys.begin(), source.unique_keys.end(), [&](const auto& key) {
    return std::all_of(key.begin(), key.end(), named);
  });
}

// The key of a read without an order from a driver that holds whole result
// sets: the first unique key whose columns are NOT NULL, else the first
// one (NULLs are read once each all the same); none: one statement.
std::vector<std::string> unordered_key(const ReadSource& source) {
  for (const std::vector<std::string>& key : source.unique_keys) {
    if (unique_not_null(source, key)) return key;
  }
  return source.unique_keys.empty() ? std::vector<std::string>{} : source.unique_keys.front();
}

// The keys of the chunks that read `request` where the driver would hold
// the whole result (see "Keyset reads" in odbc_keyset_read.h); none for one statement.
using Keys = std::vector<KeysetRead::Key>;
std::optional<Keys> keyset_keys(const Connection& conn, const ReadRequest& request, const ReadSource& source,
                                const std::vector<std::string>& order) {
  const Engine& e = conn.engine;
  if (!e.caches_results || !e.limit_clause || order.empty() || request.limit == 0) return std::nullopt;
  std::vector<KeysetRead::Key> keys;
  for (const std::string& name : order) {
    auto it = std::find_if(source.columns.begin(), source.columns.end(),
                           [&](const ColumnMeta& m) { return m.info.name == name; });
    if (it == source.columns.end()) return std::nullopt;
    std::optional<KeyLiteral> literal = key_literal(*it, !request.query.empty());
    if (!literal) return std::nullopt;
    keys.push_back({name, conn.quote(name), *literal});
  }
  return keys;
}

// The SELECT list of a read and the slot of each of its columns.
struct SlotPlan {
  std::vector<std::string> select;
  std::vector<Slot> slots;
  std::vector<size_t> key_slots;  // a unique keyset's key, in key order
};

// With `unique_keys`, each key's value is read from its column where that is
// a number as the server prints it, else from a hidden column inserted at
// `insert_at` (after the short ones); returns where the next hidden column goes.
size_t add_key_slots(SlotPlan& plan, const ReadSource& source, const std::vector<KeysetRead::Key>& unique_keys,
                     size_t short_columns, size_t insert_at) {
  std::vector<std::string> hidden = KeysetRead::last_row_columns(unique_keys);
  for (size_t k = 0; k < unique_keys.size(); ++k) {
    const KeysetRead::Key& key = unique_keys[k];
    auto shown = std::find_if(plan.slots.begin(), plan.slots.begin() + static_cast<ptrdiff_t>(short_columns),
                              [&](const Slot& s) { return s.name == key.name; });
    if (key.literal == KeyLiteral::kNumber && shown != plan.slots.begin() + static_cast<ptrdiff_t>(short_columns) &&
        shown->conversion == Conversion::kAsIs) {
      plan.key_slots.push_back(static_cast<size_t>(shown - plan.slots.begin()));
      continue;
    }
    const ColumnMeta& m = *std::find_if(source.columns.begin(), source.columns.end(),
                                        [&](const ColumnMeta& c) { return c.info.name == key.name; });
    Slot s;
    s.hidden = true;
    s.name = key.name;
    s.conversion = Conversion::kAsIs;
    s.bound = true;
    SQLLEN bytes = is_binary_type(m.sql_type) ? static_cast<SQLLEN>(m.size)
                                               : static_cast<SQLLEN>(m.size) * kUtf8BytesPerChar;
    s.width = key.literal == KeyLiteral::kString ? 2 * bytes + 1 : kKeyTextBytes;
    plan.slots.insert(plan.slots.begin() + static_cast<ptrdiff_t>(insert_at), std::move(s));
    plan.select.insert(plan.select.begin() + static_cast<ptrdiff_t>(insert_at), hidden[k]);
    plan.key_slots.push_back(insert_at++);
  }
  return insert_at;
}

// Gives each nullable date column planned as a C value (the first
// `short_columns` slots) its null_probe, a hidden column inserted at `insert_at`.
void add_null_probes(const Connection& conn, SlotPlan& plan, const std::vector<ColumnMeta>& columns,
                     size_t short_columns, size_t insert_at) {
  for (size_t k = 0; k < short_columns; ++k) {
    const Slot& dated = plan.slots[k];
    if (dated.typed != Typed::kTimestamp && dated.typed != Typed::kDate) continue;
    if (!columns[dated.output].info.nullable) continue;
    Slot probe;
    probe.hidden = true;
    probe.name = dated.name;
    probe.conversion = Conversion::kAsIs;
    probe.bound = true;
    probe.width = kProbeBytes;
    plan.select.insert(plan.select.begin() + static_cast<ptrdiff_t>(insert_at), null_probe(conn.quote(dated.name)));
    plan.slots[k].null_probe = insert_at;
    plan.slots.insert(plan.slots.begin() + static_cast<ptrdiff_t>(insert_at++), std::move(probe));
  }
}

// Long columns go last: without SQL_GD_ANY_COLUMN, SQLGetData may only read
// columns after the last bound one. Hidden columns (unique keys, null probes)
// go after the short ones.
SlotPlan plan_slots(const Connection& conn, const std::vector<ColumnMeta>& columns, const ReadSource& source,
                    const std::vector<KeysetRead::Key>* unique_keys) {
  const Engine& e = conn.engine;
  std::vector<size_t> order(columns.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto first_long =
      std::stable_partition(order.begin(), order.end(), [&](size_t i) { return !is_long_column(columns[i], e); });
  const size_t short_columns = static_cast<size_t>(first_long - order.begin());
  SlotPlan plan;
  for (size_t i : order) {
    const ColumnMeta& m = columns[i];
    Slot s;
    s.output = i;
    s.name = m.info.name;
    s.conversion = conversion_for(m, e);
    // Unaliased, so that a key's ORDER BY and WHERE still name the column, not the cast.
    if (std::find(source.stored_bytes.begin(), source.stored_bytes.end(), m.info.name) != source.stored_bytes.end()) {
      s.conversion = Conversion::kBinary;
      plan.select.push_back("CAST(" + conn.quote(m.info.name) + " AS BINARY)");
    } else {
      plan.select.push_back(conn.quote(m.info.name));
      s.typed = planned_typed(m, e);
    }
    s.c_type = s.conversion == Conversion::kBinary ? SQL_C_BINARY : SQL_C_CHAR;
    s.bound = !is_long_column(m, e) || e.rescue != RescueMode::kNone;
    plan.slots.push_back(std::move(s));
  }
  size_t insert_at = short_columns;
  if (unique_keys) insert_at = add_key_slots(plan, source, *unique_keys, short_columns, insert_at);
  add_null_probes(conn, plan, columns, short_columns, insert_at);
  return plan;
}

// Whether `keys` may go one statement per chunk: unique, NOT NULL, and short
// enough to be read back from every row (a table's read, not a query's).
bool one_statement_chunks(const Connection& conn, const ReadRequest& request, const ReadSource& source,
                          const std::vector<std::string>& order) {
  if (!request.query.empty() || !unique_not_null(source, order)) return false;
  return std::none_of(order.begin(), order.end(), [&](const std::string& name) {
    auto it = std::find_if(source.columns.begin(), source.columns.end(),
                           [&](const ColumnMeta& m) { return m.info.name == name; });
    return it == source.columns.end() || is_long_column(*it, conn.engine);
  });
}

// Keeps a slot planned as a C value one where the statement describes its
// column as one (and an integer as signed), with the decimals of a timestamp.
void settle_typed(SQLHSTMT stmt, SQLUSMALLINT column, Slot& s) {
  SQLLEN concise = SQL_UNKNOWN_TYPE, is_unsigned = SQL_FALSE, scale = kMaxFractionDigits;
  SQLColAttribute(stmt, column, SQL_DESC_CONCISE_TYPE, nullptr, 0, nullptr, &concise);
  SQLColAttribute(stmt, column, SQL_DESC_UNSIGNED, nullptr, 0, nullptr, &is_unsigned);
  if (s.typed == Typed::kTimestamp) SQLColAttribute(stmt, column, SQL_DESC_SCALE, nullptr, 0, nullptr, &scale);
  s.typed = described_typed(s.typed, concise, is_unsigned == SQL_TRUE);
  s.fraction_digits = static_cast<int>(std::clamp<SQLLEN>(scale, 0, kMaxFractionDigits));
  s.c_type = c_type_of(s.typed);
  if (s.typed != Typed::kNone) s.width = bound_bytes(s.typed);
}

// Sets the width of each bound column that is not hidden, now that the
// statement is described, and settles which go as C values; returns the
// bytes a row takes in bound buffers, as text: should a driver refuse a C
// type, the column goes as text within the same budget.
size_t size_slots(const Connection& conn, SQLHSTMT stmt, std::vector<Slot>& slots,
                  const std::vector<ColumnMeta>& columns) {
  size_t row_bytes = 0;
  for (size_t k = 0; k < slots.size(); ++k) {
    Slot& s = slots[k];
    if (!s.bound) continue;
    if (!s.hidden) {
      const ColumnMeta& m = columns[s.output];
      if (is_long_column(m, conn.engine)) {
        s.width = kLongPrefixBytes;
      } else {
        SQLLEN display = 0;
        SQLColAttribute(stmt, static_cast<SQLUSMALLINT>(k + 1), SQL_DESC_DISPLAY_SIZE, nullptr, 0, nullptr,
                        &display);
        SQLLEN size = std::max<SQLLEN>(static_cast<SQLLEN>(m.size), display);
        if (s.c_type == SQL_C_BINARY) s.width = std::max<SQLLEN>(size, 1);
        else if (is_char_type(m.sql_type)) s.width = size * kUtf8BytesPerChar + 1;
        else s.width = std::max(size + 1, kMinScalarBytes);
        s.width = std::min(s.width, kMaxBoundCellBytes);
      }
    }
    row_bytes += static_cast<size_t>(s.width) + sizeof(SQLLEN);
    s.text_width = s.width;
    if (s.typed != Typed::kNone) settle_typed(stmt, static_cast<SQLUSMALLINT>(k + 1), s);
  }
  return row_bytes;
}

}  // namespace

Result<std::unique_ptr<RowReader>> open_reader(std::shared_ptr<Connection> conn_ptr, const ReadRequest& request,
                                                const ReadSource& source) {
  Connection& conn = *conn_ptr;
  CSB_ASSIGN_OR_RETURN(std::vector<ColumnMeta> columns, pick_columns(source.what, source.columns, request.columns));
  CSB_RETURN_IF_ERROR(pick_columns(source.what, source.columns, request.order_by).status());
  const Engine& e = conn.engine;

  const std::vector<std::string> key_order = request.order_by.empty() ? unordered_key(source) : request.order_by;
  std::optional<std::vector<KeysetRead::Key>> keys = keyset_keys(conn, request, source, key_order);
  const bool unique = keys && one_statement_chunks(conn, request, source, key_order);
  SlotPlan plan = plan_slots(conn, columns, source, unique ? &*keys : nullptr);
  std::string sql = "SELECT " + util::join(plan.select, ", ") + " FROM " + source.from;
  std::string context = "reading " + source.ref.display() + " from " + conn.redacted;
  std::optional<KeysetRead> keyset;
  if (keys) {
    size_t max_rows = request.chunk_rows > 0 ? request.chunk_rows : kMaxChunkRows;
    std::string where(util::trim(request.where).empty() ? "" : request.where);
    keyset.emplace(sql, source.from, std::move(where), std::move(*keys), unique, request.batch_rows, max_rows);
    CSB_ASSIGN_OR_RETURN(std::optional<std::string> first, keyset->next(conn, request.limit, context));
    sql = std::move(first).value();  // a read with a limit of 0 is not a keyset read
  } else {
    if (!util::trim(request.where).empty()) sql += " WHERE (" + request.where + ")";
    if (!request.order_by.empty()) {
      std::vector<std::string> quoted;
      for (const std::string& o : request.order_by) quoted.push_back(conn.quote(o));
      sql += " ORDER BY " + util::join(quoted, ", ");
    }
    if (request.limit >= 0 && e.limit_clause) sql += " LIMIT " + std::to_string(request.limit);
  }

  CSB_ASSIGN_OR_RETURN(Handle stmt, conn.statement());
  SQLRETURN rc = SQLExecDirect(stmt.get(), sql_text(sql), SQL_NTS);
  if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) return odbc_failure(SQL_HANDLE_STMT, stmt.get(), context);

  size_t row_bytes = size_slots(conn, stmt.get(), plan.slots, columns);
  SQLULEN rowset = std::min<SQLULEN>(std::max<size_t>(request.batch_rows, 1), kMaxRowsetRows);
  if (row_bytes > 0) rowset = std::min<SQLULEN>(rowset, std::max<size_t>(kFetchBufferBudget / row_bytes, 1));
  bool any_long =
      std::any_of(columns.begin(), columns.end(), [&](const ColumnMeta& m) { return is_long_column(m, e); });
  if (any_long && e.rescue != RescueMode::kBlock) rowset = 1;

  std::vector<ColumnInfo> infos;
  for (ColumnMeta& m : columns) infos.push_back(std::move(m.info));
  auto reader = std::make_unique<OdbcReader>(std::move(conn_ptr), std::move(stmt), source.ref, std::move(infos),
                                             std::move(plan.slots), rowset, request.batch_rows, request.limit,
                                             std::move(keyset), std::move(plan.key_slots));
  CSB_RETURN_IF_ERROR(reader->bind());
  return std::unique_ptr<RowReader>(std::move(reader));
}

}  // namespace csbridge::connector::odbc
