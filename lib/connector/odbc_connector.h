// The ODBC backend of the connector contract (connector/connector.h).
#pragma once

#include <cstddef>
#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_odbc(const ConnectionString& conn);

// Tests only: caps the rows per statement of the key-ordered chunked reads
// of engines whose driver keeps whole result sets in memory (MariaDB; see
// "Keyset reads" in odbc_connector.cc), so that small tables cross chunk
// boundaries; 0 restores the default. Applies to readers opened afterwards.
void set_odbc_chunk_rows_for_tests(size_t rows);

}  // namespace csbridge::connector
