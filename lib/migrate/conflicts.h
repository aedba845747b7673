// Edits made on the new platform (README "Edits made on the target"). A row csbridge wrote may
// be changed in the target afterwards by the platform's users; a later run that brings the same
// row again must not overwrite that edit without saying so. No trigger is needed: each load
// keeps, in the row's crosswalk entry, the fingerprint of what it wrote (the canonical text of
// every column it writes, model/canonical.h, lookups as the legacy key they carry). Before a
// load updates rows that exist, it reads them back, fingerprints them the same way and decides
// per row with three fingerprints — base (what csbridge wrote last), current (the target now)
// and incoming (the row to write):
//   current = base, or no base      not edited in the target: written as usual
//   incoming = current              both sides agree: nothing to write, the base follows
//   incoming = base                 edited in the target only (the source has not changed):
//                                   kept, not written
//   otherwise                       a conflict, settled by delta.conflicts:
//     reject (default)   not written, a reject with code `conflict` naming the fields that
//                        differ, with both versions (masked); the base stays, so the row stays
//                        in conflict until it is settled
//     source_wins        written; the base follows
//     target_wins        kept; the base becomes the incoming row, so the next run keeps the
//                        target's version silently until the source changes again
// Pure functions over rows already read; the stores run the SQL (their load()).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/connector.h"
#include "migrate/load_checks.h"
#include "migrate/target_store.h"

namespace csbridge::migrate {

// The fingerprint of what load() writes of `row` of `rows` (column 0 the key, then the spec's
// columns): every column but the deferred ones, a lookup as the legacy key it carries.
int64_t written_fingerprint(const ResolvedSpec& spec, const connector::Batch& rows, size_t row);

// The SQL select list that reads back, from the entity's row aliased `t`, the columns
// written_fingerprint() covers, in its order: a lookup as the legacy key of the row it points to
// (prefixed with its source system when that is not the lookup's). `table` quotes and
// qualifies a CS table name.
std::string readback_columns(const ResolvedSpec& spec, const std::function<std::string(std::string_view)>& table);

// A row read back with readback_columns(): one cell per written column (nullopt: NULL).
using Cells = std::vector<std::optional<std::string_view>>;
int64_t current_fingerprint(const ResolvedSpec& spec, const Cells& cells);

enum class Verdict { kWrite, kKeepTargetEdit, kConflict };
Verdict decide(std::optional<int64_t> base, int64_t current, int64_t incoming);

// What a store does with a row of each verdict under `policy`.
struct ConflictAction {
  bool write = true;       // upsert the row
  bool reject = false;     // a `conflict` reject (not written)
  bool new_base = true;    // the crosswalk's fingerprint becomes the incoming row's
  bool conflict = false;   // counted in LoadOutcome::conflicts
  bool kept_edit = false;  // counted in LoadOutcome::kept_target_edits
};
ConflictAction action(Verdict verdict, ConflictPolicy policy);

// The reject of a conflicting row: names the entity, the key and the fields whose values
// differ, never the values; the target's version goes with it (RowReject::target_values) to be
// masked where it is written.
RowReject conflict_reject(const ResolvedSpec& spec, const connector::Batch& rows, size_t row, const Cells& cells);

}  // namespace csbridge::migrate
