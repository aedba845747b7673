// Internal to the ODBC backend: reading rows, bound column-wise in rowsets,
// in one statement or in key chunks (odbc_keyset_read.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connector/connector.h"
#include "connector/odbc_handles.h"
#include "connector/odbc_types.h"

namespace csbridge::connector::odbc {

// What a ReadRequest reads: a table, or a query as a derived table.
struct ReadSource {
  TableRef ref;      // {"", "query"} for a query
  std::string what;  // what messages name: "table x" or "query"
  std::string from;  // the SQL after FROM
  std::vector<ColumnMeta> columns;
  std::vector<std::string> stored_bytes;  // text columns read as the bytes stored (latin1 columns)
  std::vector<std::vector<std::string>> unique_keys;  // primary key and unique indexes (drivers that cache results)
};

// Starts reading `request` from `source` on `conn`: one statement, or key
// chunks where the driver would hold the whole result (Engine::caches_results).
Result<std::unique_ptr<RowReader>> open_reader(std::shared_ptr<Connection> conn, const ReadRequest& request,
                                               const ReadSource& source);

}  // namespace csbridge::connector::odbc
