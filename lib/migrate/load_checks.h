// The checks of a load that need no database, shared by both targets: a
// LoadSpec resolved against the model, and every row of a batch checked before
// it is sent (RowReject codes of target_store.h), so that the server sees only
// rows it should accept and one bad row costs nothing but its reject.
// Pure functions, no I/O.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "migrate/target_store.h"
#include "model/cs_model.h"
#include "util/status.h"

namespace csbridge::migrate {

// One column of a LoadSpec resolved against the model.
struct LoadColumn {
  const model::Field* field = nullptr;  // points into the model the spec was resolved with
  std::string lookup_entity;            // "" = the value is stored as it is
  std::string lookup_system;            // source_system of the looked-up keys (never "" when looked up)
  bool orphans_to_null = false;         // an unknown legacy key becomes NULL instead of a reject
  // The entity looks itself up (a ticket merged into another): the load leaves the field as it
  // is and records the key in csbridge_pending_ref; TargetStore::resolve_deferred() sets it.
  bool deferred = false;
};

struct ResolvedSpec {
  const model::Entity* entity = nullptr;
  std::string source_system;
  std::vector<LoadColumn> columns;  // batch columns 1…n
  ConflictPolicy conflicts = ConflictPolicy::kReject;

  bool has_lookups() const;
  bool has_deferred() const;
};

// Fails with kNotFound for an unknown entity, field or looked-up entity, and with
// kInvalidArgument for a provenance column (id, source_system, source_key, migrated_at, deleted_at), a
// repeated column, lookups or lookup_systems of the wrong length, a lookup on a field that
// does not reference that entity, a required field left out, or a source_system that is empty
// or over 64 characters. Messages start "loading <entity>: ".
Result<ResolvedSpec> resolve_spec(const model::Model& model, const LoadSpec& spec);

// Checks `rows` (column 0 = source_key, then spec.columns). Fails with kInvalidArgument when
// the batch has the wrong number of columns. Otherwise returns the rejects, ordered by row, and
// fills `accepted` with the rows that passed, in order.
Result<std::vector<RowReject>> check_rows(const ResolvedSpec& spec, const connector::Batch& rows,
                                          std::vector<size_t>& accepted);

// The legacy keys among `keys` that the crosswalk holds for the looked-up entity of `column`.
using KnownLookupKeys = std::function<Result<std::set<std::string>>(const LoadColumn& column, const std::vector<std::string>& keys)>;

// Lookups with orphans_to_null (not deferred) whose legacy key the crosswalk lacks: the cell
// becomes NULL and the key is kept in the row's `custom` JSON as "<field>_orphan" (when the
// batch carries custom), counted in outcome.nulled_references / nulled_by_field. Returns the
// changed copy of `rows`, or nullopt when nothing changed. A custom cell that is not a JSON
// object is left as it is (check_rows rejects it).
Result<std::optional<connector::Batch>> null_orphans(const ResolvedSpec& spec, const connector::Batch& rows,
                                                     const KnownLookupKeys& known, LoadOutcome& outcome);

// "ticket 'T-1'": the entity and the row's source_key.
std::string row_subject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row);

// The reject of a looked-up legacy key that has no crosswalk entry. The key is shown: the
// model gives reference fields no PII class (legacy keys that are PII are hashed by the mapping).
RowReject orphan_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, size_t column);

// The reject of a row the database refused, with the database's one-line reason (which must
// not carry values).
RowReject load_error_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row,
                            const std::string& reason);

// The predicate (over alias `t` of `entity`'s table) that no row of any entity refers to the
// row: what a hard delete requires. `table` quotes and qualifies a table name.
std::string unreferenced_sql(const model::Model& model, std::string_view entity,
                             const std::function<std::string(std::string_view)>& table);

}  // namespace csbridge::migrate
