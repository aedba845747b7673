// COPY in PostgreSQL's binary format for the direct path of a load (postgres_target.cc): the
// server takes each value as it is sent instead of parsing its text (a timestamp's text costs
// it more than the row's heap insert). The client converts only values in one strict form whose
// meaning is beyond doubt (e.g. '2024-05-01 08:00:00+08'); a batch with any other value is
// copied in text as before, so that the server reads every value exactly as it always did.
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/postgres_plan.h"
#include "model/cs_model.h"

namespace csbridge::migrate::pg {

// The rows of one COPY in the PGCOPY binary format (header, tuples, trailer).
class BinaryRows {
 public:
  BinaryRows();
  void begin_row(size_t fields);
  void null();
  void bytes(std::string_view value);  // text, varchar: the value's bytes (the server checks them)
  void int8(int64_t value);
  // A value of `type` given as text; false (nothing appended) when it is not in the strict form
  // this client converts, or the type has none (decimal).
  bool value(model::FieldType type, std::string_view text);
  const std::string& finish();  // the trailer appended; the rows are complete

 private:
  void length(int32_t n);
  std::string data_;
};

// Strict readers of the text forms above; nullopt for anything else.
std::optional<int64_t> read_integer(std::string_view text, int64_t min, int64_t max);
// Microseconds since 2000-01-01 00:00:00 UTC of 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' (or 'T')
// followed by 'Z' or an offset ±HH[[:]MM]; a value without an offset depends on the session's
// time zone and is not read.
std::optional<int64_t> read_timestamptz(std::string_view text);
// Days since 2000-01-01 of 'YYYY-MM-DD'.
std::optional<int32_t> read_date(std::string_view text);

// COPY table (columns) FROM STDIN (FORMAT binary) of `rows` inside `t`'s transaction. Throws as
// libpqxx does: pqxx::sql_error (with the SQLSTATE) for what the server refused, and
// pqxx::broken_connection for a lost session.
void copy_binary(pqxx::dbtransaction& t, const std::string& table_sql, const std::vector<std::string>& columns_sql,
                 const std::string& rows);


// The direct path of a load (postgres_target.cc), the batch rows in `rows` not dropped, each with
// its id from `new_ids` in turn, migrated_at `now` (the server's text of now()), lookups as
// `row_ids` found them. Per looked-up column, each batch row's id from the crosswalk (nullptr:
// none; empty: not a lookup).
using RowIds = std::vector<std::vector<const std::string*>>;
// The entity rows in binary; false, nothing written, when a value is not in a form the client
// converts (then copy_entity_text).
bool copy_entity_binary(pqxx::dbtransaction& t, const LoadPlan& plan, std::span<const size_t> rows,
                        const std::vector<bool>& drop, const std::vector<int64_t>& new_ids, const std::string& now,
                        const RowIds& row_ids);
// The same rows in COPY's text format: the server reads every value's text.
void copy_entity_text(pqxx::transaction_base& t, const LoadPlan& plan, std::span<const size_t> rows,
                      const std::vector<bool>& drop, const std::vector<int64_t>& new_ids, const std::string& now,
                      const RowIds& row_ids, const std::string& system_text);
// Their crosswalk entries (`crosswalk_sql`: the table, quoted), in binary.
void copy_crosswalk(pqxx::dbtransaction& t, const std::string& crosswalk_sql, const LoadPlan& plan,
                    std::span<const size_t> rows, const std::vector<bool>& drop, const std::vector<int64_t>& new_ids);

}  // namespace csbridge::migrate::pg
