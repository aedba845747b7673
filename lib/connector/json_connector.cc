// Placeholder while the json backend is being written.
#include "connector/json_connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_json(const ConnectionString& conn) {
  return not_supported("the json backend is not built yet (" + conn.redacted() + ")");
}

}  // namespace csbridge::connector
