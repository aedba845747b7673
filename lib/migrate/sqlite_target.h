// The SQLite target of a migration (migrate/target_store.h): one transaction
// per batch of prepared statements — a crosswalk look-up per legacy key, an
// INSERT … ON CONFLICT … DO UPDATE … WHERE … IS NOT … per row, its crosswalk
// entry, then the checkpoint. A row SQLite refuses fails only its own statement.
#pragma once

#include <memory>
#include <string>

#include "connector/connection_string.h"
#include "migrate/target_store.h"

namespace csbridge::migrate {

Result<std::unique_ptr<TargetStore>> open_sqlite_target(const connector::ConnectionString& conn,
                                                        const model::Model& model);

}  // namespace csbridge::migrate
