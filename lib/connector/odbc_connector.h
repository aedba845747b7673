// The ODBC backend of the connector contract (connector/connector.h).
#pragma once

#include <cstddef>
#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_odbc(const ConnectionString& conn);

}  // namespace csbridge::connector
