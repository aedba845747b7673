// The PostgreSQL target of a migration (migrate/target_store.h): a batch is
// COPYed into a temporary staging table of text columns, then merged with one
// INSERT … SELECT (casts, crosswalk look-ups) … ON CONFLICT … DO UPDATE … WHERE
// IS DISTINCT FROM, whose RETURNING feeds the crosswalk; the checkpoint is
// written in the same transaction.
#pragma once

#include <memory>
#include <string>

#include "connector/connection_string.h"
#include "migrate/target_store.h"

namespace csbridge::migrate {

Result<std::unique_ptr<TargetStore>> open_postgres_target(const connector::ConnectionString& conn,
                                                          const std::string& schema, const model::Model& model);

}  // namespace csbridge::migrate
