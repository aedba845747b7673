#include "validate/sandbox.h"

#include <filesystem>
#include <random>

#include "connector/registry.h"
#include "model/ddl.h"

namespace csbridge::validate {
namespace {

std::string random_tag() {
  std::random_device rd;
  std::uniform_int_distribution<uint32_t> dist;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", dist(rd));
  return buf;
}

}  // namespace

std::string Sandbox::describe() const {
  if (!file.empty()) return "file " + file;
  auto conn = connector::parse_connection_string(connection);
  return "schema " + schema + " of " + (conn.is_ok() ? conn->redacted() : std::string("the target"));
}

Result<Sandbox> plan_sandbox(const std::string& target) {
  Sandbox s;
  if (!target.empty()) {
    CSB_ASSIGN_OR_RETURN(auto conn, connector::parse_connection_string(target));
    if (conn.scheme == connector::Scheme::kPostgres) {
      s.connection = target;
      s.schema = "csbridge_sandbox_" + random_tag();
      return s;
    }
    if (conn.scheme != connector::Scheme::kSqlite) {
      return invalid_argument("target '" + conn.redacted() + "': a sandbox needs a PostgreSQL or SQLite target");
    }
  }
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec) return io_error("no temporary directory: " + ec.message());
  s.file = (dir / ("csbridge_sandbox_" + random_tag() + ".db")).string();
  s.connection = "sqlite:" + s.file;
  return s;
}

Status drop_sandbox(const Sandbox& sandbox) {
  if (!sandbox.file.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(sandbox.file + suffix, ec);
    return Status::ok();
  }
  CSB_ASSIGN_OR_RETURN(auto db, connector::open_connector(sandbox.connection));
  return db->execute("DROP SCHEMA IF EXISTS " + model::quote_identifier(sandbox.schema) + " CASCADE");
}

}  // namespace csbridge::validate
