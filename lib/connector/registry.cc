#include "connector/registry.h"

#include <array>

#include "connector/csv_connector.h"
#include "connector/json_connector.h"
#include "connector/odbc_connector.h"
#include "connector/postgres_connector.h"
#include "connector/sqlite_connector.h"
#include "connector/xml_connector.h"

namespace csbridge::connector {
namespace {

using Factory = Result<std::unique_ptr<Connector>> (*)(const ConnectionString&);

struct Entry {
  Scheme scheme;
  Factory factory;
};

constexpr std::array<Entry, 7> kFactories = {{
    {Scheme::kPostgres, open_postgres},
    {Scheme::kOdbc, open_odbc},
    {Scheme::kSqlite, open_sqlite},
    {Scheme::kCsv, open_csv},
    {Scheme::kJson, open_json},
    {Scheme::kJsonl, open_json},
    {Scheme::kXml, open_xml},
}};

}  // namespace

Result<std::unique_ptr<Connector>> open_connector(const ConnectionString& conn) {
  for (const Entry& e : kFactories) {
    if (e.scheme == conn.scheme) return e.factory(conn);
  }
  return internal_error(std::string("no backend registered for scheme ") + scheme_name(conn.scheme));
}

Result<std::unique_ptr<Connector>> open_connector(std::string_view text) {
  CSB_ASSIGN_OR_RETURN(ConnectionString conn, parse_connection_string(text));
  return open_connector(conn);
}

Result<std::unique_ptr<Connector>> open_connector(std::string_view text, const TextEncodings& encodings,
                                                  Undecodable undecodable) {
  CSB_ASSIGN_OR_RETURN(ConnectionString conn, parse_connection_string(text));
  if (!encodings.declared()) return open_connector(conn);
  conn.stored_bytes = true;
  CSB_ASSIGN_OR_RETURN(std::unique_ptr<Connector> db, open_connector(conn));
  return decoding_connector(std::move(db), encodings, undecodable);
}

}  // namespace csbridge::connector
