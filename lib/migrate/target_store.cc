#include "migrate/target_store.h"

#include "connector/connection_string.h"
#include "migrate/postgres_target.h"
#include "migrate/sqlite_target.h"

namespace csbridge::migrate {

Result<std::unique_ptr<TargetStore>> TargetStore::open(const std::string& connection, const std::string& schema,
                                                       const model::Model& model) {
  CSB_ASSIGN_OR_RETURN(connector::ConnectionString conn, connector::parse_connection_string(connection));
  switch (conn.scheme) {
    case connector::Scheme::kPostgres:
      return open_postgres_target(conn, schema, model);
    case connector::Scheme::kSqlite:
      if (!schema.empty()) {
        return invalid_argument("target " + conn.redacted() + ": SQLite has no schemas, but schema '" + schema +
                                "' was given");
      }
      return open_sqlite_target(conn, model);
    default:
      return invalid_argument("target " + conn.redacted() + ": a migration target must be PostgreSQL or SQLite, not " +
                              connector::scheme_name(conn.scheme));
  }
}

ConflictPolicy parse_conflict_policy(std::string_view name) {
  if (name == "source_wins") return ConflictPolicy::kSourceWins;
  if (name == "target_wins") return ConflictPolicy::kTargetWins;
  return ConflictPolicy::kReject;
}

}  // namespace csbridge::migrate
