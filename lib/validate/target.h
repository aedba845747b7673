// The target as the checks read it: a connector for queries (any table of the
// target, read in canonical text), the migration's TargetStore for crosswalk
// lookups, and the names of the CS tables (schema-qualified, quoted).
//
// Threads: one Target per thread (the rows check opens a second one to read
// the target while the source is mapped).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "connector/connector.h"
#include "migrate/target_store.h"
#include "model/cs_model.h"
#include "util/status.h"
#include "validate/checks.h"

namespace csbridge::validate {

class Target {
 public:
  // Opens `connection` (PostgreSQL with `schema`, or SQLite). kUnreachable
  // when it cannot be reached; a SQLite file that does not exist is
  // unreachable (validate never creates a target outside a sandbox).
  static Result<std::unique_ptr<Target>> open(const std::string& connection, const std::string& schema,
                                              const model::Model& model);

  // A CS or bookkeeping table, quoted and qualified: "s"."ticket" or "ticket".
  std::string table(std::string_view name) const;
  // A string literal for the target's SQL ('it''s').
  static std::string literal(std::string_view text);

  // Runs a read-only query and calls `row` for every row of every batch
  // (stop early by returning false).
  using RowFn = std::function<bool(const connector::Batch& batch, size_t row)>;
  Status each_row(const std::string& sql, const RowFn& row, size_t batch_rows = 5000);
  // The single integer a query gives (count(*)).
  Result<int64_t> scalar(const std::string& sql);
  // Runs a query whose first column is a legacy key (source_key) and records one
  // failure of `kind` per row in `result`; the message is `message` followed by
  // the second column, when the query has one. Returns the number of rows.
  Result<int64_t> fail_each(const std::string& sql, CheckResult& result, const std::string& kind,
                            const std::string& message, size_t cap);
  // Whether the table exists (a CS table the migration never created).
  Result<bool> has_table(std::string_view name);
  // Whether a table of the target has the column (a target from an older version may not).
  Result<bool> has_column(std::string_view table, std::string_view column);

  // The predicate of the entity's live rows (no tombstone, deleted_at NULL), over `alias` ("" =
  // unqualified); "1 = 1" for a target created before tombstones existed.
  Result<std::string> live(std::string_view entity, std::string_view alias = "");

  migrate::TargetStore& store() { return *store_; }
  connector::Connector& db() { return *db_; }
  const model::Model& model() const { return model_; }
  const std::string& connection() const { return connection_; }
  const std::string& schema() const { return schema_; }
  std::string redacted() const;
  bool postgres() const { return db_->backend() == "postgres"; }

 private:
  Target(std::string connection, std::string schema, const model::Model& model)
      : connection_(std::move(connection)), schema_(std::move(schema)), model_(model) {}

  std::string connection_, schema_;
  const model::Model& model_;
  std::unique_ptr<connector::Connector> db_;
  std::unique_ptr<migrate::TargetStore> store_;
};

}  // namespace csbridge::validate
