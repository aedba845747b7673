// The SQL of a PostgreSQL load (postgres_target.cc), built once per load from the resolved
// spec: the staging table rows are copied into, the plain INSERT for batches of new keys, the
// upsert, the orphan check, the self-references recorded for later, and what the direct path
// (COPY straight into the entity table) needs; plus the statements of edits made in the
// target (migrate/conflicts.h).
#pragma once

#include <pqxx/pqxx>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "migrate/load_checks.h"
#include "migrate/target_store.h"

namespace csbridge::migrate::pg {

// What a load needs: the SQL of one spec, built once per load.
struct LoadPlan {
  const ResolvedSpec* spec = nullptr;
  const connector::Batch* rows = nullptr;
  const std::vector<int64_t>* fingerprints = nullptr;  // per batch row: written_fingerprint()
  std::string stage;                       // pg_temp."csbridge_stage_<n>"
  std::vector<std::string> stage_columns;  // rn, k, c1 … cn, fp
  std::string orphan_sql;                  // "" without lookups
  std::vector<size_t> orphan_columns;      // batch column of each flag of orphan_sql
  std::string upsert_sql;
  std::string insert_sql;  // the same without ON CONFLICT: for batches whose keys are all new
  // The direct path (batches of new keys): COPY straight into the entity table and the crosswalk.
  std::string target;                       // the entity table, quoted
  std::vector<std::string> target_columns;  // id, source_system, source_key, the spec's columns, migrated_at
  std::string mode_key;                     // entity and source_system: which loads take the merge path
  std::string pending_sql;                  // records the staged self-references ("" for none)
  // Edits made in the target (migrate/conflicts.h): the staged rows that exist and differ from
  // their target row, with the crosswalk's fingerprint and the row read back (upsert_sql then
  // moves the fingerprints of the staged rows it does not write).
  std::string readback_sql;
};

struct AttemptResult {
  int64_t loaded = 0, unchanged = 0;
  int64_t conflicts = 0, kept_target_edits = 0;
  std::vector<RowReject> rejects;  // orphans and conflicts
};

// Quotes and qualifies a table name with the target's schema.
using TableName = std::function<std::string(std::string_view)>;

// The staging table of loads with `columns` value columns: pg_temp."csbridge_stage_<n>".
std::string stage_name(size_t columns);

// The plan of loading `rows` by `spec` (values quoted through `db`).
LoadPlan make_plan(pqxx::connection& db, const TableName& table, const ResolvedSpec& spec, const connector::Batch& rows);

}  // namespace csbridge::migrate::pg
