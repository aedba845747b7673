// Shared key spaces (a mapping lookup `entity: [agent, customer]`): one legacy
// id column whose values may be keys of several entities, as RT's Creator is
// either an agent or a customer. Before a batch loads — and before validate
// compares a source row — each such key is looked up in the crosswalk under
// each listed entity, in order, with one read per entity and batch: the field
// keeps the key only where its own entity is the first that holds it (else
// NULL), and a `resolved:` field reporting the lookup gets that entity's name
// (or its default when no entity holds the key). A key no entity holds is left
// as it is: the load treats it as any orphan (rejected, or NULL with `orphans: null`).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connector/connector.h"
#include "mapping/row_mapper.h"
#include "util/status.h"

namespace csbridge::migrate {

using KnownKeys = std::function<Result<std::set<std::string>>(const std::string& entity, const std::string& system,
                                                              const std::vector<std::string>& keys)>;

// Whether a block's outputs have a shared key space to resolve.
bool has_shared_keys(const std::vector<mapping::OutputColumn>& outputs);

// `rows` as mapped (column 0 the source_key, then one column per output) with the shared keys
// resolved; nullopt when nothing changes. `system` is the block's source (a lookup's default).
Result<std::optional<connector::Batch>> resolve_shared_keys(const std::vector<mapping::OutputColumn>& outputs,
                                                            const std::string& system, const connector::Batch& rows,
                                                            const KnownKeys& known);

}  // namespace csbridge::migrate
