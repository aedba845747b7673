// The JSON and JSONL backend of the connector contract (connector/connector.h):
// json:PATH holds one array of records (or {"records": [...]}, see the .cc),
// jsonl:PATH one record per line. Both open_json.
#pragma once

#include <memory>

#include "connector/connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_json(const ConnectionString& conn);

}  // namespace csbridge::connector
