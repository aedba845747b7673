// The throw-away target of `validate --sandbox`: a fresh PostgreSQL schema
// csbridge_sandbox_<random> when the configured target is PostgreSQL, else a
// temporary SQLite file. Migrate fills it, the checks read it, and drop()
// removes it (unless --keep).
#pragma once

#include <string>

#include "util/status.h"

namespace csbridge::validate {

struct Sandbox {
  std::string connection;  // what the migration and the checks open
  std::string schema;      // PostgreSQL: the sandbox schema; SQLite: ""
  std::string file;        // SQLite: the temporary file; PostgreSQL: ""
  // "schema csbridge_sandbox_1a2b3c4d of postgresql://…" or "file /tmp/…".
  std::string describe() const;
};

// `target` is the configured target's connection string ("" = none: SQLite).
// Nothing is created yet: the migration creates the schema or file.
// kInvalidArgument for a target that is neither PostgreSQL nor SQLite.
Result<Sandbox> plan_sandbox(const std::string& target);

// Drops the schema (CASCADE) or deletes the file. kUnreachable when the server is gone.
Status drop_sandbox(const Sandbox& sandbox);

}  // namespace csbridge::validate
