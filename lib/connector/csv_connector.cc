// Placeholder while the csv backend is being written.
#include "connector/csv_connector.h"

namespace csbridge::connector {

Result<std::unique_ptr<Connector>> open_csv(const ConnectionString& conn) {
  return not_supported("the csv backend is not built yet (" + conn.redacted() + ")");
}

}  // namespace csbridge::connector
