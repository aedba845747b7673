// Internal to the ODBC backend: writing rows as parameter arrays of one
// prepared INSERT, in one transaction committed by finish().
#pragma once

#include <memory>
#include <vector>

#include "connector/connector.h"
#include "connector/odbc_handles.h"

namespace csbridge::connector::odbc {

struct ParamColumn {
  std::string name;
  bool binary = false;
  bool boolean = false;
  bool bit = false;  // an SQL_BIT column: "1" is sent as a number, not as the byte '1'
};

// The writer of `table` through `stmt`, an INSERT of `columns` prepared on
// `conn`, whose transaction is open; it rolls back unless finished.
std::unique_ptr<RowWriter> make_writer(std::shared_ptr<Connection> conn, Handle stmt, TableRef table,
                                       std::vector<ParamColumn> columns);

}  // namespace csbridge::connector::odbc
