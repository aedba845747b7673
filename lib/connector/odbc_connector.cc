// Placeholder while the odbc backend is being written.
#include "connector/odbc_connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_odbc(const ConnectionString& conn) {
  return not_supported("the odbc backend is not built yet (" + conn.redacted() + ")");
}

}  // namespace csbridge::connector
